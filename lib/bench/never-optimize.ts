// V8 runtime functions the counting pass needs, behind --allow-natives-syntax (V8
// has no public API for them). The flag has to be on while the calling code is
// parsed, and V8 parses it again when it flushed its bytecode, so it is on while the
// functions are made and around each call (withNativesSyntax).
//
// - Keeps the counting wrapper out of TurboFan. An optimized wrapper would inline
//   the operation, and V8's sampler reports only the outermost function of an
//   optimized frame: the operation's allocations would lose their sites.
// - Installs the code of finished background compile jobs before a counting window.
//   Installing code allocates on the main thread, in whatever JS frame is on top:
//   from V8 12/13 (Maglev, then TurboFan after many more calls) the operation or a
//   function it calls reaches TurboFan well into the counting pass, and the
//   installation adds ~10 V8-internal objects (~1 KiB: deoptimization data, tables,
//   code metadata) to that frame's site in one round. The counting pass also
//   repeats a round during which V8's code size changed (counting-pass.ts).
//   (%GetOptimizationStatus would tell the operation's own tier, but V8 aborts the
//   process when it is given a bound function or a proxy.)
// - Drops the operation's optimized code before counting. The exact-counting flags
//   (no allocation folding) apply to code compiled after them; an operation the
//   caller warmed up was compiled before, and on V8 13+ its TurboFan code folds
//   objects: objects10 read 3 allocs/op instead of 10. Recompiled during the
//   pass, it does not fold. (A callee optimized on its own, not inlined, keeps its code.)
import { setFlagsFromString } from 'node:v8';

type AnyFunction = (...args: never[]) => unknown;

interface Natives {
  /** %NeverOptimizeFunction + %EnsureFeedbackVectorForFunction. */
  mark(fn: AnyFunction): void;
  /** %FinalizeOptimization: waits for background compile jobs and installs their code now. */
  finalize(): void;
  /** %DeoptimizeFunction: drops fn's optimized code (a JSFunction only: V8 aborts on anything else). */
  deoptimize(fn: AnyFunction): void;
}

let natives: Natives | null | undefined;
const startedWithNatives = process.execArgv.includes('--allow-natives-syntax');

/**
 * Runs f with natives syntax on. Their code can be compiled again on any call: V8
 * flushes the bytecode of functions not run for a while and recompiles them from
 * source, which is a SyntaxError once the flag is off again.
 */
function withNativesSyntax<T>(f: () => T): T {
  if (!startedWithNatives) setFlagsFromString('--allow-natives-syntax');
  try {
    return f();
  } finally {
    if (!startedWithNatives) setFlagsFromString('--no-allow-natives-syntax');
  }
}

function load(): Natives | null {
  if (natives !== undefined) return natives;
  try {
    // The feedback vector is made now too: V8 would allocate it lazily, inside the
    // wrapper's frame, in the middle of a counted round.
    natives = withNativesSyntax(() => ({
      mark: new Function('fn', '%NeverOptimizeFunction(fn); %EnsureFeedbackVectorForFunction(fn);') as Natives['mark'],
      finalize: new Function('%FinalizeOptimization();') as Natives['finalize'],
      deoptimize: new Function('fn', '%DeoptimizeFunction(fn);') as Natives['deoptimize'],
    }));
  } catch {
    natives = null; // a V8 without them: sites may be attributed to the wrapper; tier-ups may land in a round
  }
  return natives;
}

/** Marks fn's function (every closure of it) as never to be optimized. Best effort. */
export function neverOptimize(fn: AnyFunction): void {
  const n = load();
  if (n) withNativesSyntax(() => n.mark(fn));
}

/** Installs the code of finished background compile jobs now, outside a counting window. Best effort. */
export function finishPendingCompiles(): void {
  const n = load();
  if (n) withNativesSyntax(() => n.finalize());
}

/**
 * Drops fn's optimized code, so that it is recompiled under the exact-counting flags.
 * Only for a function with source: bound functions, proxies and builtins print
 * "[native code]", and V8 aborts the process on a bound function or a proxy.
 */
export function deoptimize(fn: AnyFunction): void {
  if (typeof fn !== 'function' || Function.prototype.toString.call(fn).includes('[native code]')) return;
  const n = load();
  if (n) withNativesSyntax(() => n.deoptimize(fn));
}
