// The sampling heap profiler: which call sites allocate how much, and how much
// of it is still alive. One sampler per isolate (thread); V8 allows one owner.
import { threadId } from 'node:worker_threads';
import { AllocscopeError } from '../core/errors';
import { nativeNamespace } from '../core/native';
import { resolveOptions } from '../core/options';
import { resolveSamplerOptions, SAMPLER_MODES, type ResolvedSamplerOptions, type SamplerOptions } from './options';
import type { ProfileData, ProfileMode } from '../profile/data';
import { Profile } from '../profile/profile';
import { SourceMapResolver } from '../profile/source-maps';
import { collectGarbage, v8Version } from '../runtime/isolate';
import { momentCount, momentProfileData, momentsData, resolvePeakOptions, type MomentsData, type PeakOptions, type RawMoments, type ResolvedPeakOptions } from './moments';

/** heap.start() options: the sampler's own (see ./options.ts), and `peak`. */
export interface HeapStartOptions extends SamplerOptions {
  /**
   * Live mode: keep moments of the live heap, taken after major GCs that set a new
   * high (heap.peakProfile()) and every `periodMs` (heap.moments()). `true` for the
   * defaults (see PeakOptions). Default false.
   */
  peak?: boolean | PeakOptions;
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
    liveInAllocatedMode: binding.liveness === true,
    v8Version,
    nodeVersion: process.version,
    modes: [...SAMPLER_MODES],
  };
}

interface Session extends ResolvedSamplerOptions { startTimeMs: number; timer: NodeJS.Timeout | undefined; peak: ResolvedPeakOptions | null }

let session: Session | undefined;
const resolver = new SourceMapResolver();

/** What the addon collects: a string table, frames and a tree of nodes, as columns. */
interface RawProfile {
  strings: string[];
  frames: { name: Uint32Array; script: Uint32Array; line: Int32Array; column: Int32Array; scriptId: Int32Array };
  /** liveBytes/liveCount: allocated mode where `liveness` (V8 14+). */
  nodes: { parent: Int32Array; frame: Uint32Array; selfBytes: Float64Array; selfCount: Float64Array; liveBytes?: Float64Array; liveCount?: Float64Array };
  folds?: number;
}

/** `native.sampler`: native/sampler.cc. */
interface SamplerBinding {
  /** mode 0: live, 1: allocated. False when someone else owns V8's sampler. */
  start(intervalBytes: number, stackDepth: number, mode: 0 | 1, peak?: ResolvedPeakOptions): boolean;
  stop(): boolean;
  /** Throws ERR_ALLOCSCOPE_SAMPLER_LOST when V8's sampler was stopped under us. */
  collect(): RawProfile;
  /** Allocated mode: folds V8's samples into the addon's tree and restarts V8's sampler (false in live mode). */
  fold(): boolean;
  /** The peak watch's moments (kept after stop, until the next start). */
  moments(): RawMoments;
  /** The peak watch forgets its moments and its peak: a new period's high-water mark starts. */
  newPeriod(): void;
  /** V8 tells per sample whether its object lives (AllocationProfile::Sample::is_live, V8 14+). */
  readonly liveness: boolean;
}

const binding = nativeNamespace<SamplerBinding>('sampler');

/** Starts sampling allocations on this thread. */
export function start(options?: HeapStartOptions): void {
  // `peak` is heap.start()'s own; the rest are the sampler's, checked by its schema.
  const hasPeak = options !== null && typeof options === 'object' && 'peak' in options;
  const { peak, ...samplerOptions } = hasPeak ? options : { peak: undefined };
  const o = resolveSamplerOptions('heap.start()', hasPeak ? samplerOptions : options);
  const peakOptions = resolvePeakOptions('heap.start()', peak);
  if (peakOptions && o.mode !== 'live') {
    throw new AllocscopeError('ERR_ALLOCSCOPE_INVALID_OPTION', 'heap.start(): "peak" needs mode: \'live\' (the peak is what was alive; an allocated-mode sampler keeps every sample)');
  }
  startResolved(o, peakOptions);
}

/** start() for callers that resolved the options already (the recorder, continuous mode, leaks). */
export function startResolved(o: ResolvedSamplerOptions, peak: ResolvedPeakOptions | null = null): void {
  if (session) throw new AllocscopeError('ERR_ALLOCSCOPE_ALREADY_STARTED', 'heap.start() was called while the sampler is running; call heap.stop() first');
  const livePeak = o.mode === 'live' ? peak : null;
  if (!(livePeak ? binding.start(o.intervalBytes, o.stackDepth, 0, livePeak) : binding.start(o.intervalBytes, o.stackDepth, o.mode === 'allocated' ? 1 : 0))) {
    throw new AllocscopeError('ERR_ALLOCSCOPE_SAMPLER_BUSY',
      "heap.start(): V8's sampling heap profiler is already running, owned by someone else (an inspector session, --heap-prof, or another profiler); stop it first");
  }
  let timer: NodeJS.Timeout | undefined;
  if (o.mode === 'allocated' && o.foldIntervalMs > 0) {
    timer = setInterval(() => { try { binding.fold(); } catch { /* lost: reported by profile() */ } }, o.foldIntervalMs);
    timer.unref();
  }
  const { intervalBytes, stackDepth, mode, foldIntervalMs } = o;
  session = { intervalBytes, stackDepth, mode, foldIntervalMs, startTimeMs: Date.now(), timer, peak: livePeak };
  lastMoments = undefined;
}

/** The moments of the last sampler started with `peak` (kept after stop(), until the next start()). */
let lastMoments: { startTimeMs: number; intervalBytes: number; stackDepth: number } | undefined;

/** Stops sampling and discards the samples. Returns false (no-op) when not running. */
export function stop(): boolean {
  if (!session) return false;
  if (session.peak) lastMoments = { startTimeMs: session.startTimeMs, intervalBytes: session.intervalBytes, stackDepth: session.stackDepth };
  if (session.timer) clearInterval(session.timer);
  session = undefined;
  return binding.stop();
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
  if (o.gcFirst) {
    // Live mode: a collection first, so that the addon knows every sampled node's frame
    // before the GC may collect the Scripts that name them (a finished module's).
    if (session.mode === 'live') binding.collect();
    collectGarbage();
  }
  let raw;
  try {
    raw = binding.collect();
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

/**
 * The moments of the live heap so far (heap.start({ peak: true })), or null when
 * the sampler was not started with `peak`. Still readable after heap.stop().
 */
export function moments(options?: Pick<HeapProfileOptions, 'sourceMaps'>): MomentsData | null {
  const o = resolveOptions('heap.moments()', options, { sourceMaps: true }, { sourceMaps: { kind: 'boolean' } });
  const owner = session?.peak ? session : lastMoments;
  if (!owner) return null;
  const m = momentsData(binding.moments(), { startTimeMs: owner.startTimeMs, intervalBytes: owner.intervalBytes, stackDepth: owner.stackDepth, threadIds: [threadId] });
  // The moments' frames at their original positions, as the profile's: a capture's
  // peak and its end then name a function the same way.
  if (o.sourceMaps) {
    const original = resolver.resolve({ strings: m.strings, frames: m.frames } as ProfileData);
    if (original) m.original = original;
  }
  return m;
}

/**
 * The live profile as it stood when the used heap (after a major GC) was at its
 * highest since start: `profile.peak` = { usedBytes, at (ms since start) }. Null
 * until a major GC has set a high; throws when the sampler runs without `peak`.
 */
export function peakProfile(options?: Pick<HeapProfileOptions, 'sourceMaps'>): Profile | null {
  const o = resolveOptions('heap.peakProfile()', options, { sourceMaps: true }, { sourceMaps: { kind: 'boolean' } });
  const m = moments({ sourceMaps: false });
  if (!m) {
    throw new AllocscopeError(session ? 'ERR_ALLOCSCOPE_INVALID_OPTION' : 'ERR_ALLOCSCOPE_NOT_STARTED',
      session ? 'heap.peakProfile() needs heap.start({ mode: \'live\', peak: true })' : 'heap.peakProfile() needs heap.start({ mode: \'live\', peak: true }) first');
  }
  if (m.peakIndex < 0 || momentCount(m) === 0) return null;
  const data = momentProfileData(m, m.peakIndex);
  if (o.sourceMaps) data.original = resolver.resolve(data);
  return new Profile(data);
}

/**
 * The moments since the last call (or start), then a new period: its peak is the
 * highest used heap from now on. For continuous mode's per-period high-water mark.
 */
export function takePeriodMoments(sourceMaps: boolean): MomentsData | null {
  const m = moments({ sourceMaps });
  if (m && session?.peak) binding.newPeriod();
  return m;
}
