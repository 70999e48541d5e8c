// The allocation profile as a speedscope file (https://www.speedscope.app,
// schema https://www.speedscope.app/file-format-schema.json): one `sampled`
// profile in bytes, one sample per call-tree node weighted by its self bytes.
// Frames carry the reported (source-mapped when possible) 1-based locations.
import { AllocscopeError } from '../core/errors';
import { shortPath } from '../profile/frames';
import { Profile } from '../profile/profile';
import type { Capture } from '../capture/capture';
import type { Reporter } from './reporter';
import { roundedRunning } from '../profile/rounding';

export interface SpeedscopeFrame {
  name: string;
  file?: string;
  line?: number;
  col?: number;
}

export interface SpeedscopeFile {
  $schema: 'https://www.speedscope.app/file-format-schema.json';
  shared: { frames: SpeedscopeFrame[] };
  profiles: {
    type: 'sampled';
    name: string;
    unit: 'bytes';
    startValue: number;
    endValue: number;
    samples: number[][];
    weights: number[];
  }[];
  name: string;
  activeProfileIndex: number;
  exporter: string;
}


/** "examples/app.js --flag": the program as run, relative to its cwd. */
function programName(capture: Capture): string {
  const [script, ...args] = capture.meta.argv;
  if (script === undefined) return 'node';
  return [shortPath(script, capture.meta.cwd), ...args].join(' ');
}

function toSpeedscope(capture: Capture): SpeedscopeFile {
  if (!capture.profile) {
    throw new AllocscopeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', 'this capture has no allocation profile (the sampler did not run), so there is no speedscope profile to write');
  }
  const profile = new Profile(capture.profile);
  const { nodes } = profile.data;
  const frames: SpeedscopeFrame[] = [];
  const frameIds = new Map<string, number>();
  const frameOf = new Int32Array(profile.data.frames.name.length).fill(-1);
  const frameId = (frameIndex: number): number => {
    let id = frameOf[frameIndex]!;
    if (id >= 0) return id;
    const f = profile.frame(frameIndex);
    const key = `${f.function}\0${f.file}\0${f.line}\0${f.column}`;
    id = frameIds.get(key) ?? -1;
    if (id < 0) {
      id = frames.length;
      frames.push(f.builtin ? { name: f.function } : { name: f.function, file: f.file, line: f.line, col: f.column });
      frameIds.set(key, id);
    }
    frameOf[frameIndex] = id;
    return id;
  };

  const bytes = roundedRunning(nodes.selfBytes);
  const samples: number[][] = [];
  const weights: number[] = [];
  let total = 0;
  for (let i = 1; i < bytes.length; i++) {
    if (bytes[i] === 0) continue;
    const stack: number[] = [];
    for (let n = i; n > 0; n = nodes.parent[n]!) stack.push(frameId(nodes.frame[n]!));
    samples.push(stack.reverse()); // root → leaf
    weights.push(bytes[i]!);
    total += bytes[i]!;
  }

  const name = programName(capture);
  return {
    $schema: 'https://www.speedscope.app/file-format-schema.json',
    shared: { frames },
    profiles: [{
      type: 'sampled',
      name: `${name} (${profile.mode === 'live' ? 'live' : 'allocated'} bytes)`,
      unit: 'bytes',
      startValue: 0,
      endValue: total,
      samples,
      weights,
    }],
    name,
    activeProfileIndex: 0,
    exporter: `allocscope@${(require('../../package.json') as { version: string }).version}`,
  };
}

export const speedscopeReporter: Reporter = {
  document: 'Capture',
  format: 'speedscope',
  description: 'speedscope.app JSON (a sampled profile in bytes)',
  extension: '.speedscope.json',
  render: (capture) => JSON.stringify(toSpeedscope(capture)),
};
