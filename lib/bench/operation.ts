// The measured operation as the harness calls it.
import { neverOptimize } from './never-optimize';

export type Operation = () => unknown;

export interface PreparedOperation {
  fn: Operation;
  /** Whether a call returns a promise (then every call is awaited). */
  async: boolean;
  /** `fn` behind a wrapper the counting pass recognises in stacks (see attribution.ts). */
  wrapper: Operation;
}

export const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';

/** Calls fn once to learn whether it is async (the call counts as warm-up). */
export async function prepareOperation(fn: Operation): Promise<PreparedOperation> {
  const first = fn();
  const async = isThenable(first);
  if (async) await first;
  // A named function expression: V8 names the frame after it (must equal OPERATION_WRAPPER).
  const wrapper = function allocscopeMeasuredOperation() { return fn(); };
  neverOptimize(wrapper);
  return { fn, async, wrapper };
}
