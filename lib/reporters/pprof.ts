// The allocation profile as a gzipped pprof protobuf (profile.proto), for
// `go tool pprof`, Pyroscope/Grafana, Datadog and anything else that reads
// Go's heap profiles. One Sample per call-tree node with self values; one
// Location per frame; one Function per reported (source-mapped) function.
// pprof-format encodes everything but the samples, which are most of the bytes:
// they are written here in one pass (protobuf lets a repeated field's entries
// come after the other fields), which is several times faster than building
// and measuring a Sample object per node.
//
// The encoder is a generator that pauses every few hundred nodes (and between
// slices of locations and functions), so that continuous mode can spread one
// encoding over several event-loop turns: a protobuf message may be sent as
// concatenated pieces, repeated fields appending and pprof-format writing no
// default-valued scalars, so each slice is a partial Profile of its own.
import * as zlib from 'node:zlib';
import { emptyTableToken, Function as PprofFunction, Line, Location, Mapping, Profile as PprofProfile, StringTable, ValueType } from 'pprof-format';
import { AllocscopeError } from '../core/errors';
import { Profile } from '../profile/profile';
import type { Capture, CaptureMeta } from '../capture/capture';
import type { ProfileData } from '../profile/data';
import type { Reporter } from './reporter';
import { roundedRunning } from '../profile/rounding';


/** Varint length of a non-negative integer below 2^53. */
function varintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  let n = 4;
  for (v = Math.floor(v / 0x10000000); v > 0; v = Math.floor(v / 0x80)) n++;
  return n;
}

/** Profile.sample entries (field 2), each { location_id (1, packed), value (2, packed) }. */
class SampleWriter {
  #buffer = new Uint8Array(1 << 16);
  #length = 0;

  /** One sample: `depth` location ids, then `valueCount` values (one per sample type). */
  write(locations: Float64Array, depth: number, values: Float64Array, valueCount: number): void {
    let locationsSize = 0;
    for (let k = 0; k < depth; k++) locationsSize += varintSize(locations[k]!);
    let valuesSize = 0;
    for (let k = 0; k < valueCount; k++) valuesSize += varintSize(values[k]!);
    const sampleSize = 1 + varintSize(locationsSize) + locationsSize + 1 + varintSize(valuesSize) + valuesSize;
    this.#reserve(1 + varintSize(sampleSize) + sampleSize);
    this.#byte(0x12); this.#varint(sampleSize); // Profile.sample = 2, length-delimited
    this.#byte(0x0a); this.#varint(locationsSize); // Sample.location_id = 1, packed
    for (let k = 0; k < depth; k++) this.#varint(locations[k]!);
    this.#byte(0x12); this.#varint(valuesSize); // Sample.value = 2, packed
    for (let k = 0; k < valueCount; k++) this.#varint(values[k]!);
  }

  bytes(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  #reserve(n: number): void {
    if (this.#length + n <= this.#buffer.length) return;
    const grown = new Uint8Array(Math.max(this.#buffer.length * 2, this.#length + n));
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
  }

  #byte(b: number): void {
    this.#buffer[this.#length++] = b;
  }

  #varint(v: number): void {
    const buffer = this.#buffer;
    let at = this.#length;
    while (v >= 0x80000000) { buffer[at++] = (v % 0x80) | 0x80; v = Math.floor(v / 0x80); }
    while (v >= 0x80) { buffer[at++] = (v & 0x7f) | 0x80; v >>>= 7; }
    buffer[at++] = v;
    this.#length = at;
  }
}

/** What a pprof header says about the program beside the profile itself. */
export type PprofMeta = Pick<CaptureMeta, 'argv' | 'node' | 'pid' | 'startTimeMs' | 'endTimeMs'> & {
  /** Extra lines for the profile's comments (e.g. labels). */
  comments?: string[];
};

function renderPprof(capture: Capture): Uint8Array {
  if (!capture.profile) {
    throw new AllocscopeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', 'this capture has no allocation profile (the sampler did not run), so there is no pprof profile to write');
  }
  return zlib.gzipSync(encodePprof(capture.profile, capture.meta));
}

/** Nodes walked between two pauses of the incremental encoder (~10–50 µs of work). */
const NODES_PER_STEP = 256;
/** Locations or functions encoded between two pauses. */
const ENTRIES_PER_STEP = 256;

/** A string table that encodes to nothing (a default one writes its '' entry, which must appear once). */
const noStrings = () => new StringTable(emptyTableToken);

/** The profile as an uncompressed pprof protobuf (gzip it for files and backends). */
export function encodePprof(profileData: ProfileData, meta: PprofMeta): Uint8Array {
  const steps = pprofEncodingSteps(profileData, meta);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * encodePprof() in small steps: each `next()` does a bounded amount of work
 * (NODES_PER_STEP nodes, or ENTRIES_PER_STEP locations/functions) and the last
 * returns the encoded profile. The caller may yield to the event loop between
 * steps; `profileData` must not change meanwhile.
 */
export function* pprofEncodingSteps(profileData: ProfileData, meta: PprofMeta): Generator<void, Uint8Array, void> {
  const profile = new Profile(profileData);
  const { nodes, frames } = profile.data;
  const strings = new StringTable();
  // alloc_objects, alloc_space (allocated mode) or inuse_objects, inuse_space (live
  // mode), as before; allocated profiles with live figures add inuse_objects and
  // inuse_space after them (Go's heap profile names), so readers of the first
  // two see no change.
  const types = profile.sampleTypes;
  const spaceType = types[1]!;
  const sampleType = types.map((t) => new ValueType({ type: strings.dedup(t.type), unit: strings.dedup(t.unit) }));

  // One mapping for the whole program: it names the "binary" in pprof's header
  // and says that functions, files and lines are already symbolized.
  const [script, ...args] = meta.argv;
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
      const raw = profileData.strings[frames.name[frameIndex]!]!;
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
  const live = profile.hasLiveFigures;
  const liveBytes = live ? roundedRunning(nodes.liveBytes!) : undefined;
  const liveObjects = live ? roundedRunning(nodes.liveCount!) : undefined;
  const valueCount = types.length;
  const values = new Float64Array(valueCount);
  const samples = new SampleWriter();
  let stack = new Float64Array(Math.max(64, profile.data.stackDepth + 1));
  for (let i = 1; i < bytes.length; i++) {
    if (i % NODES_PER_STEP === 0) yield;
    values[0] = objects[i]!; values[1] = bytes[i]!;
    if (liveBytes) { values[2] = liveObjects![i]!; values[3] = liveBytes[i]!; }
    let any = false, outOfRange = false;
    // A varint holds an integer in [0, 2^53): Infinity or NaN would never finish encoding.
    for (let k = 0; k < valueCount; k++) { any ||= values[k] !== 0; outOfRange ||= !(values[k]! >= 0 && values[k]! <= Number.MAX_SAFE_INTEGER); }
    if (!any) continue;
    if (outOfRange) throw new AllocscopeError('ERR_ALLOCSCOPE_CAPTURE_CORRUPT', `the capture's call tree is damaged (node ${i} has self values that are negative or not finite)`);
    // Leaf first (pprof's convention); node 0 is the synthetic root.
    let depth = 0;
    for (let n = i; n > 0; n = nodes.parent[n]!) {
      if (!(nodes.parent[n]! < n)) throw new AllocscopeError('ERR_ALLOCSCOPE_CAPTURE_CORRUPT', `the capture's call tree is damaged (node ${n}'s parent does not precede it)`);
      if (depth === stack.length) { const grown = new Float64Array(depth * 2); grown.set(stack); stack = grown; }
      stack[depth++] = locationId(nodes.frame[n]!);
    }
    samples.write(stack, depth, values, valueCount);
  }

  const data = profile.data;
  const startMs = data.startTimeMs || meta.startTimeMs;
  const endMs = data.endTimeMs || meta.endTimeMs;
  const comment = [
    `allocscope ${meta.argv.join(' ')}`,
    `${profile.mode} profile · sampled every ${data.intervalBytes} bytes (estimates) · node ${meta.node} · pid ${meta.pid}`,
    ...(meta.comments ?? []),
  ].map((c) => strings.dedup(c));
  // Locations and functions in slices (each a partial Profile), then the header with the string table.
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < locations.length; at += ENTRIES_PER_STEP) {
    yield;
    pieces.push(new PprofProfile({ location: locations.slice(at, at + ENTRIES_PER_STEP), stringTable: noStrings() }).encode());
  }
  for (let at = 0; at < functions.length; at += ENTRIES_PER_STEP) {
    yield;
    pieces.push(new PprofProfile({ function: functions.slice(at, at + ENTRIES_PER_STEP), stringTable: noStrings() }).encode());
  }
  yield;
  const header = new PprofProfile({
    sampleType,
    mapping: [mapping],
    stringTable: strings,
    timeNanos: BigInt(Math.round(startMs)) * 1_000_000n,
    durationNanos: BigInt(Math.max(0, Math.round(endMs - startMs))) * 1_000_000n,
    periodType: new ValueType({ type: strings.dedup('space'), unit: strings.dedup('bytes') }),
    period: data.intervalBytes,
    comment,
    defaultSampleType: strings.dedup(spaceType.type),
  });
  pieces.push(header.encode(), samples.bytes());
  return Buffer.concat(pieces);
}

export const pprofReporter: Reporter = {
  document: 'Capture',
  format: 'pprof',
  description: 'gzipped pprof protobuf for go tool pprof, Pyroscope, Datadog',
  extension: '.pb.gz',
  binary: true,
  render: (capture) => renderPprof(capture),
};
