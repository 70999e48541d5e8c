// The malloc profiler: samples native allocations (malloc & co., operator new,
// anonymous mmap) on every thread by bytes, with their call stacks, by patching
// the GOT of every loaded object (native/malloc_*.cc). One per process: the hooks
// are shared by all threads, so a second start() anywhere is refused.
import { AllocscopeError } from '../core/errors';
import { nativeNamespace } from '../core/native';
import { resolveOptions, type Schema } from '../core/options';
import type { ProfileData, ProfileMode } from '../profile/data';
import { Profile } from '../profile/profile';
import { SourceMapResolver } from '../profile/source-maps';
import { MALLOC_MAX_DEPTH, SAMPLER_MODES } from './options';

export interface MallocStartOptions {
  /** Mean bytes between samples (Poisson, per thread). Default 524288 (512 KiB). */
  intervalBytes?: number;
  /** 'live': sampled blocks not freed yet (default). 'allocated': every sampled allocation since start. */
  mode?: ProfileMode;
  /** Native frames kept per sample (frame-pointer walk). Default 64, at most 256. */
  stackDepth?: number;
  /** Also sample anonymous mmap (not PROT_NONE reservations). Default true. */
  mmap?: boolean;
  /**
   * Live mode: keep a copy of the live samples as they stood when their total was
   * highest (malloc.peakProfile()). The copy is made by the allocation that set the
   * high, rate-limited to 1 % of wall time. Default false.
   */
  peak?: boolean;
}

export interface MallocProfileOptions {
  /** Map JS frames to original sources through their source maps, as heap.profile() does. Default true. */
  sourceMaps?: boolean;
}
const PROFILE_DEFAULTS: Required<MallocProfileOptions> = { sourceMaps: true };
const PROFILE_SCHEMA = { sourceMaps: { kind: 'boolean' } } as const;
const resolver = new SourceMapResolver();

/** What the hooks did so far: for checking a profile's coverage. */
export interface MallocProfileFigures {
  /** Allocations sampled since start. */
  samples: number;
  /** Distinct stacks stored. */
  stacks: number;
  /** Samples whose stack was not stored (the store holds 131,072 stacks). */
  stacksOverflowed: number;
  /** Live mode: sampled blocks not freed yet. */
  liveEntries: number;
  /** Live mode: samples not tracked because the live table was full (65,536 entries). */
  liveDropped: number;
  /** Threads that sampled (by name). */
  threads: number;
  /** GOT slots patched now. */
  slots: number;
  /** Live mode: the sampled live bytes now (weighted: an estimate of the live total). */
  liveBytes: number;
  /** Live mode with peak, once a high was copied: its bytes, copies made, their cost, highs the budget skipped, and how long ago (ms). */
  peak?: { bytes: number; copies: number; costMs: number; maxCostMs: number; rateLimited: number; agoMs: number };
}

const DEFAULTS: Required<MallocStartOptions> = Object.freeze({ intervalBytes: 512 * 1024, mode: 'live', stackDepth: 64, mmap: true, peak: false });
const SCHEMA = {
  intervalBytes: { kind: 'integer', min: 1, max: 2 ** 40 },
  mode: { kind: 'enum', values: SAMPLER_MODES },
  stackDepth: { kind: 'integer', min: 1, max: MALLOC_MAX_DEPTH },
  mmap: { kind: 'boolean' },
  peak: { kind: 'boolean' },
} as const satisfies Schema<MallocStartOptions>;

interface RawMallocProfile {
  strings: string[];
  frames: ProfileData['frames'];
  nodes: ProfileData['nodes'];
  figures: MallocProfileFigures;
}

/** `native.mallocProfiler`: native/malloc_profiler.cc. */
interface MallocProfilerBinding {
  start(intervalBytes: number, stackDepth: number, live: boolean, mmap: boolean, peak: boolean): { ok: boolean; busy?: boolean; why?: string; slots?: number };
  stop(): boolean;
  /** null when this thread does not own the profiler. atPeak: the live table's copy at its high. */
  collect(atPeak?: boolean): RawMallocProfile | null;
}

const binding = nativeNamespace<MallocProfilerBinding>('mallocProfiler');

let session: (Required<MallocStartOptions> & { startTimeMs: number }) | undefined;
let lastFigures: MallocProfileFigures | undefined;

export function start(options?: MallocStartOptions): void {
  const o = resolveOptions('malloc.start()', options, DEFAULTS, SCHEMA);
  if (session) throw new AllocscopeError('ERR_ALLOCSCOPE_ALREADY_STARTED', 'malloc.start() was called while the malloc profiler is running; call malloc.stop() first');
  if (o.peak && o.mode !== 'live') throw new AllocscopeError('ERR_ALLOCSCOPE_INVALID_OPTION', 'malloc.start(): "peak" needs mode: \'live\'');
  const r = binding.start(o.intervalBytes, o.stackDepth, o.mode === 'live', o.mmap, o.peak);
  if (r.busy) {
    throw new AllocscopeError('ERR_ALLOCSCOPE_SAMPLER_BUSY',
      'malloc.start(): the malloc profiler is already running in another thread of this process (it is one per process); stop it there first');
  }
  if (!r.ok) throw new AllocscopeError('ERR_ALLOCSCOPE_UNSUPPORTED', `malloc.start(): ${r.why ?? 'native allocations cannot be hooked in this process'}`);
  session = { ...o, startTimeMs: Date.now() };
}

/** Stops sampling, puts the GOT back and discards the samples. False (no-op) when not running. */
export function stop(): boolean {
  if (!session) return false;
  session = undefined;
  return binding.stop();
}

export function isRunning(): boolean {
  return session !== undefined;
}

/**
 * The native profile so far: live mode, sampled blocks not freed yet; allocated
 * mode, every sampled allocation since start. Native frames are named
 * `[native] function`, the allocator is the leaf (`[native] malloc`), and stacks
 * of other threads start at `[thread] name`. Collecting does not stop sampling.
 */
export function profile(options?: MallocProfileOptions): Profile {
  return collect('malloc.profile()', options, false)!;
}

/**
 * Live mode with `peak`: the native live profile as it stood when the sampled live
 * bytes were highest since start (`profile.peak` = { usedBytes: those bytes, at: ms
 * since start }); null until the first sampled allocation.
 */
export function peakProfile(options?: MallocProfileOptions): Profile | null {
  if (session && !session.peak) throw new AllocscopeError('ERR_ALLOCSCOPE_INVALID_OPTION', 'malloc.peakProfile() needs malloc.start({ mode: \'live\', peak: true })');
  return collect('malloc.peakProfile()', options, true);
}

function collect(where: string, options: MallocProfileOptions | undefined, atPeak: boolean): Profile | null {
  const o = resolveOptions(where, options, PROFILE_DEFAULTS, PROFILE_SCHEMA);
  if (!session) throw new AllocscopeError('ERR_ALLOCSCOPE_NOT_STARTED', `${where} needs malloc.start() first`);
  const raw = binding.collect(atPeak);
  if (!raw) throw new AllocscopeError('ERR_ALLOCSCOPE_NOT_STARTED', `${where}: the malloc profiler was stopped (its thread went away)`);
  lastFigures = raw.figures;
  const peak = raw.figures.peak;
  if (atPeak && !peak) return null;
  const data: ProfileData = {
    version: 1,
    mode: session.mode,
    intervalBytes: session.intervalBytes,
    stackDepth: session.stackDepth,
    startTimeMs: session.startTimeMs,
    endTimeMs: Date.now(),
    threadIds: [0],
    strings: raw.strings,
    frames: raw.frames,
    nodes: raw.nodes,
    source: 'native',
    ...(atPeak && peak ? { moment: { at: Date.now() - peak.agoMs - session.startTimeMs, usedBytes: peak.bytes, isPeak: true } } : {}),
  };
  if (o.sourceMaps) data.original = resolver.resolve(data);
  return new Profile(data);
}

/** The hooks' figures at the last profile() (undefined before the first). */
export function figures(): MallocProfileFigures | undefined {
  return lastFigures;
}
