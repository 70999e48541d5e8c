// The sampling heap profiler's options: defaults, limits and checks, declared
// once. Everything that starts the sampler (heap.start(), the capture recorder,
// continuous mode, leaks, the near-heap-limit capture, the CLI's flags) reads
// them from here; only the public entry point checks, inner layers take the
// resolved options as they are.
import { resolveOptions, type Schema } from '../core/options';
import type { ProfileMode } from '../profile/data';

export interface SamplerOptions {
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

/** Sampler options after checking and defaulting: what the inner layers take. */
export type ResolvedSamplerOptions = Required<SamplerOptions>;

export const SAMPLER_MODES: readonly ProfileMode[] = ['live', 'allocated'];

/** Native frames the malloc profiler's walk keeps at most (native/malloc_stacks.h kMaxDepth). */
export const MALLOC_MAX_DEPTH = 256;

export const SAMPLER_DEFAULTS: ResolvedSamplerOptions = Object.freeze({
  intervalBytes: 512 * 1024,
  stackDepth: 64,
  mode: 'live',
  foldIntervalMs: 10_000,
});

/** Each option's rule; the ranges also bound the CLI's flags and the ALLOCSCOPE_* variables. */
export const SAMPLER_SCHEMA = {
  intervalBytes: { kind: 'integer', min: 1, max: 2 ** 40 },
  stackDepth: { kind: 'integer', min: 1, max: 1024 },
  mode: { kind: 'enum', values: SAMPLER_MODES },
  foldIntervalMs: { kind: 'integer', min: 0, max: 2 ** 31 - 1 },
} as const satisfies Schema<SamplerOptions>;

/**
 * Checks `options` (unknown keys, types, ranges) and fills in the defaults.
 * @param where the public call, for messages: e.g. `heap.start()`.
 * @param defaults a caller's own defaults where they differ (e.g. allocated mode for captures).
 */
export function resolveSamplerOptions(where: string, options: unknown, defaults: Partial<ResolvedSamplerOptions> = {}): ResolvedSamplerOptions {
  return resolveOptions(where, options, { ...SAMPLER_DEFAULTS, ...defaults }, SAMPLER_SCHEMA);
}
