// The sampling heap profiler: which call sites allocate how much, and how much
// of it is still alive. One sampler per isolate (thread); V8 allows one owner.
import { threadId } from 'node:worker_threads';
import { AllocscopeError } from '../core/errors';
import { native } from '../core/native';
import { resolveOptions } from '../core/options';
import type { ProfileData, ProfileMode } from '../profile/data';
import { Profile } from '../profile/profile';
import { SourceMapResolver } from '../profile/source-maps';

export interface HeapStartOptions {
  /** Mean bytes between samples (Poisson). Smaller: more precise, slower. Default 524288 (512 KiB). */
  intervalBytes?: number;
  /** Frames kept per sample. Default 64. */
  stackDepth?: number;
  /**
   * 'live': objects still in the heap (V8 drops a sample when its object is collected).
   * 'allocated': everything allocated since start, collected or not; where
   * `heap.capabilities().liveInAllocatedMode` (Node ≥ 26), also how much of it
   * is live and how much temporary (see docs/heap-profiler.md). Default 'live'.
   */
  mode?: ProfileMode;
  /**
   * allocated mode: move V8's samples into allocscope's aggregate this often, so
   * V8 never holds more than this period's samples. Default 10000; 0 disables.
   * With live figures, this is also the window an object has to die in to count
   * as temporary: V8 stops watching samples at each fold.
   */
  foldIntervalMs?: number;
}

export interface HeapProfileOptions {
  /**
   * live mode: run full GCs first, so that samples of dead objects are dropped and
   * the profile shows the live set (no --expose-gc needed). Default false.
   */
  gcFirst?: boolean;
  /** Report sites at their original location when scripts have source maps. Default true. */
  sourceMaps?: boolean;
}

const START_DEFAULTS: Required<HeapStartOptions> = { intervalBytes: 512 * 1024, stackDepth: 64, mode: 'live', foldIntervalMs: 10_000 };
const START_SCHEMA = {
  intervalBytes: { kind: 'integer', min: 1, max: 2 ** 40 },
  stackDepth: { kind: 'integer', min: 1, max: 1024 },
  mode: { kind: 'enum', values: ['live', 'allocated'] },
  foldIntervalMs: { kind: 'integer', min: 0, max: 2 ** 31 - 1 },
} as const;
const PROFILE_DEFAULTS: Required<HeapProfileOptions> = { gcFirst: false, sourceMaps: true };
const PROFILE_SCHEMA = { gcFirst: { kind: 'boolean' }, sourceMaps: { kind: 'boolean' } } as const;

/** What the sampling heap profiler can report on this Node. */
export interface HeapCapabilities {
  /**
   * An allocated-mode profile also tells, per site, the live and the temporary
   * (allocated, then collected) bytes and objects. Needs V8 14 (Node ≥ 26), whose
   * samples say whether their object is still alive; older V8 cannot tell.
   */
  liveInAllocatedMode: boolean;
  /** The V8 the addon was built for (the running Node's). */
  v8Version: string;
  /** The running Node's version, e.g. "v26.12.1". */
  nodeVersion: string;
  /** The sampling modes heap.start() accepts. */
  modes: ProfileMode[];
}

/** What this Node's sampling heap profiler supports (a fresh object each call). */
export function capabilities(): HeapCapabilities {
  return {
    liveInAllocatedMode: native.constants.sampleLiveness === true,
    v8Version: native.constants.v8Version,
    nodeVersion: process.version,
    modes: ['live', 'allocated'],
  };
}

interface Session extends Required<HeapStartOptions> { startTimeMs: number; timer: NodeJS.Timeout | undefined }

let session: Session | undefined;
const resolver = new SourceMapResolver();

/** Starts sampling allocations on this thread. */
export function start(options?: HeapStartOptions): void {
  const o = resolveOptions('heap.start()', options, START_DEFAULTS, START_SCHEMA);
  if (session) throw new AllocscopeError('ERR_ALLOCSCOPE_ALREADY_STARTED', 'heap.start() was called while the sampler is running; call heap.stop() first');
  if (!native.samplerStart(o.intervalBytes, o.stackDepth, o.mode === 'allocated' ? 1 : 0)) {
    throw new AllocscopeError('ERR_ALLOCSCOPE_SAMPLER_BUSY',
      "heap.start(): V8's sampling heap profiler is already running, owned by someone else (an inspector session, --heap-prof, or another profiler); stop it first");
  }
  let timer: NodeJS.Timeout | undefined;
  if (o.mode === 'allocated' && o.foldIntervalMs > 0) {
    timer = setInterval(() => { try { native.samplerFold(); } catch { /* lost: reported by profile() */ } }, o.foldIntervalMs);
    timer.unref();
  }
  session = { ...o, startTimeMs: Date.now(), timer };
}

/** Stops sampling and discards the samples. Returns false (no-op) when not running. */
export function stop(): boolean {
  if (!session) return false;
  if (session.timer) clearInterval(session.timer);
  session = undefined;
  return native.samplerStop();
}

/** The mode of this thread's running sampler, or undefined when it does not run. */
export function runningMode(): ProfileMode | undefined {
  return session?.mode;
}

/** Whether this thread's sampler runs. */
export function isRunning(): boolean {
  return session !== undefined;
}

/**
 * The profile so far: live mode, the sampled objects V8 still holds; allocated
 * mode, every sampled allocation since start. Collecting does not stop sampling.
 */
/** The same profile with original positions from source maps (for profiles collected without). */
export function withSourceMaps(p: Profile): Profile {
  return new Profile({ ...p.data, original: resolver.resolve(p.data) });
}

export function profile(options?: HeapProfileOptions): Profile {
  const o = resolveOptions('heap.profile()', options, PROFILE_DEFAULTS, PROFILE_SCHEMA);
  if (!session) throw new AllocscopeError('ERR_ALLOCSCOPE_NOT_STARTED', 'heap.profile() needs heap.start() first');
  if (o.gcFirst) native.collectGarbage();
  let raw;
  try {
    raw = native.samplerCollect();
  } catch (error) {
    // The addon already let go of a sampler someone else stopped; forget the session.
    if ((error as { code?: string }).code === 'ERR_ALLOCSCOPE_SAMPLER_LOST') stop();
    throw error;
  }
  const data: ProfileData = {
    version: 1,
    mode: session.mode,
    intervalBytes: session.intervalBytes,
    stackDepth: session.stackDepth,
    startTimeMs: session.startTimeMs,
    endTimeMs: Date.now(),
    threadIds: [threadId],
    strings: raw.strings,
    frames: raw.frames,
    nodes: raw.nodes,
  };
  if (o.sourceMaps) data.original = resolver.resolve(data);
  return new Profile(data);
}
