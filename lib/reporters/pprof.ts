// The allocation profile as a gzipped pprof protobuf (profile.proto), for
// `go tool pprof`, Pyroscope/Grafana, Datadog and anything else that reads
// Go's heap profiles. One Sample per call-tree node with self values; one
// Location per frame; one Function per reported (source-mapped) function.
import * as zlib from 'node:zlib';
import { Function as PprofFunction, Line, Location, Mapping, Profile as PprofProfile, Sample, StringTable, ValueType } from 'pprof-format';
import { AllocscopeError } from '../errors';
import { Profile } from '../profile/profile';
import type { Capture } from '../capture/capture';
import type { Reporter } from './reporter';

/**
 * Integer self values whose sum is the rounded exact total: each value is the
 * difference of consecutive rounded running sums, so it is within 1 of the
 * estimate and the rounding errors do not accumulate.
 */
function roundedRunning(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  let sum = 0, previous = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    const rounded = Math.round(sum);
    out[i] = rounded - previous;
    previous = rounded;
  }
  return out;
}

export function renderPprof(capture: Capture): Uint8Array {
  if (!capture.profile) {
    throw new AllocscopeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', 'this capture has no allocation profile (the sampler did not run), so there is no pprof profile to write');
  }
  const profile = new Profile(capture.profile);
  const { nodes, frames } = profile.data;
  const strings = new StringTable();
  const [objectsType, spaceType] = profile.sampleTypes;
  const sampleType = [
    new ValueType({ type: strings.dedup(objectsType!.type), unit: strings.dedup(objectsType!.unit) }),
    new ValueType({ type: strings.dedup(spaceType!.type), unit: strings.dedup(spaceType!.unit) }),
  ];

  // One mapping for the whole program: it names the "binary" in pprof's header
  // and says that functions, files and lines are already symbolized.
  const [script, ...args] = capture.meta.argv;
  const mapping = new Mapping({
    id: 1, filename: strings.dedup([script ?? 'node', ...args].join(' ')),
    hasFunctions: true, hasFilenames: true, hasLineNumbers: true,
  });

  // Functions by reported identity, Locations by frame index (lazily: only
  // frames on a sampled stack are written).
  const functions: PprofFunction[] = [];
  const functionIds = new Map<string, number>();
  const locations: Location[] = [];
  const locationOfFrame = new Int32Array(frames.name.length); // 0 = not yet made
  const locationId = (frameIndex: number): number => {
    let id = locationOfFrame[frameIndex]!;
    if (id !== 0) return id;
    const f = profile.frame(frameIndex);
    const key = `${f.function}\0${f.file}\0${f.line}`;
    let functionId = functionIds.get(key);
    if (functionId === undefined) {
      functionId = functions.length + 1;
      const raw = capture.profile!.strings[frames.name[frameIndex]!]!;
      functions.push(new PprofFunction({
        id: functionId,
        name: strings.dedup(f.function),
        systemName: strings.dedup(raw || f.function),
        filename: strings.dedup(f.file),
        startLine: f.line,
      }));
      functionIds.set(key, functionId);
    }
    id = locations.length + 1;
    locations.push(new Location({ id, mappingId: 1, line: [new Line({ functionId, line: f.line, column: f.column })] }));
    locationOfFrame[frameIndex] = id;
    return id;
  };

  const bytes = roundedRunning(nodes.selfBytes);
  const objects = roundedRunning(nodes.selfCount);
  const samples: Sample[] = [];
  const stack: number[] = [];
  for (let i = 1; i < bytes.length; i++) {
    if (bytes[i] === 0 && objects[i] === 0) continue;
    stack.length = 0;
    // Leaf first (pprof's convention); node 0 is the synthetic root.
    for (let n = i; n > 0; n = nodes.parent[n]!) stack.push(locationId(nodes.frame[n]!));
    samples.push(new Sample({ locationId: stack.slice(), value: [objects[i]!, bytes[i]!] }));
  }

  const data = profile.data;
  const startMs = data.startTimeMs || capture.meta.startTimeMs;
  const endMs = data.endTimeMs || capture.meta.endTimeMs;
  const comment = [
    `allocscope ${capture.meta.argv.join(' ')}`,
    `${profile.mode} profile · sampled every ${data.intervalBytes} bytes (estimates) · node ${capture.meta.node} · pid ${capture.meta.pid}`,
  ].map((c) => strings.dedup(c));
  const pprof = new PprofProfile({
    sampleType,
    sample: samples,
    mapping: [mapping],
    location: locations,
    function: functions,
    stringTable: strings,
    timeNanos: BigInt(Math.round(startMs)) * 1_000_000n,
    durationNanos: BigInt(Math.max(0, Math.round(endMs - startMs))) * 1_000_000n,
    periodType: new ValueType({ type: strings.dedup('space'), unit: strings.dedup('bytes') }),
    period: data.intervalBytes,
    comment,
    defaultSampleType: strings.dedup(spaceType!.type),
  });
  return zlib.gzipSync(pprof.encode());
}

export const pprofReporter: Reporter = {
  name: 'pprof',
  description: 'gzipped pprof protobuf for go tool pprof, Pyroscope, Datadog',
  extension: '.pb.gz',
  render: (capture) => renderPprof(capture),
};
