// V8 settings that make the counting pass exact, applied once per process.
//
// - Allocation folding: optimized code merges neighbouring allocations into one,
//   so V8's allocation observer (and so the sampler) sees one allocation of their
//   total size: bytes stay right, object counts would be low.
// - Concurrent ArrayBuffer sweeping frees backing stores outside GC pauses, where
//   the GC tracker's before/after external figures cannot see them.
// Both only change how work is split, not what the program allocates; their cost
// on ns/op is within noise (docs/benchmarking.md). Flags apply to code compiled
// from now on, hence `allocscope bench` also passes them on the command line.
import { setFlagsFromString } from 'node:v8';

export const EXACT_COUNTING_FLAGS = ['--no-turbo-allocation-folding', '--no-concurrent-array-buffer-sweeping'] as const;

let applied = false;

/** Applies the flags if not yet done. Returns true when they are in effect. */
export function applyExactCountingFlags(): boolean {
  if (!applied) {
    for (const flag of EXACT_COUNTING_FLAGS) setFlagsFromString(flag);
    applied = true;
  }
  return true;
}

/** Whether the process was started with the flags (e.g. by `allocscope bench`) or they were applied. */
export function exactCountingFlagsApplied(): boolean {
  return applied || EXACT_COUNTING_FLAGS.every((f) => process.execArgv.includes(f));
}
