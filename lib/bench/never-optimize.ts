// Keeps the counting wrapper out of TurboFan. An optimized wrapper would inline the
// operation, and V8's sampler reports only the outermost function of an optimized
// frame: the operation's allocations would lose their sites. V8 has no public API
// for this; its runtime function %NeverOptimizeFunction needs --allow-natives-syntax
// while the calling code is parsed, so the flag is on for one `new Function` only.
import { setFlagsFromString } from 'node:v8';

type AnyFunction = (...args: never[]) => unknown;

let mark: ((fn: AnyFunction) => void) | null | undefined;

function marker(): ((fn: AnyFunction) => void) | null {
  if (mark !== undefined) return mark;
  const had = process.execArgv.includes('--allow-natives-syntax');
  try {
    if (!had) setFlagsFromString('--allow-natives-syntax');
    // Its feedback vector is made now too: V8 would allocate it lazily, inside the
    // wrapper's frame, in the middle of a counted round.
    mark = new Function('fn', '%NeverOptimizeFunction(fn); %EnsureFeedbackVectorForFunction(fn);') as (fn: AnyFunction) => void;
  } catch {
    mark = null; // a V8 without it: sites may be attributed to the wrapper; totals stay exact
  } finally {
    if (!had) setFlagsFromString('--no-allow-natives-syntax');
  }
  return mark;
}

/** Marks fn's function (every closure of it) as never to be optimized. Best effort. */
export function neverOptimize(fn: AnyFunction): void {
  marker()?.(fn);
}
