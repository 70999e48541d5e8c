// The timing pass: no instrumentation but the GC tracker's two callbacks per GC.
// Go's method: grow the number of ops until one round lasts `roundMs`, then time
// rounds of that many ops. Rounds are separate calls so that compare() can
// interleave the rounds of several operations.
import { openGcWindow } from './gc-window';
import type { PreparedOperation } from './operation';

export interface RoundFigures {
  ns: number;
  gcCount: number;
  gcPauseMs: number;
}

type Loop = (box: { v: unknown }, fn: () => unknown, n: number) => unknown;

// A fresh loop per operation (its own call site, so `fn` may be inlined into it as it
// would be in user code); results escape into `box` so the optimizer cannot drop work.
function makeLoop(async: boolean): Loop {
  // Our own fixed source text: no user input reaches it.
  return new Function('box', 'fn', 'n', async
    ? 'return (async () => { for (let i = 0; i < n; i++) box.v = await fn(); })();'
    : 'for (let i = 0; i < n; i++) box.v = fn();') as Loop;
}

const now = () => process.hrtime.bigint();

export class Timer {
  readonly #op: PreparedOperation;
  readonly #loop: Loop;
  readonly #box = { v: undefined as unknown };
  opsPerRound = 1;

  constructor(op: PreparedOperation) {
    this.#op = op;
    this.#loop = makeLoop(op.async);
  }

  async #run(n: number): Promise<number> {
    const t0 = now();
    const done = this.#loop(this.#box, this.#op.fn, n);
    if (this.#op.async) await done;
    const ns = Number(now() - t0);
    this.#box.v = undefined;
    return ns;
  }

  /**
   * Grows ops per round until a round lasts `roundMs` (like Go's predictN: aim
   * 20 % past the target, at most ×100 per step), then runs one more round at that
   * size so that the optimized code settles. This is also the warm-up.
   */
  async calibrate(roundMs: number, maxOpsPerRound: number): Promise<number> {
    const targetNs = roundMs * 1e6;
    let n = 1;
    for (;;) {
      const ns = await this.#run(n);
      if (ns >= targetNs || n >= maxOpsPerRound) break;
      const next = Math.ceil((1.2 * targetNs) / Math.max(ns / n, 1));
      n = Math.min(maxOpsPerRound, Math.max(n + 1, Math.min(next, n * 100)));
    }
    await this.#run(n);
    this.opsPerRound = n;
    return n;
  }

  /** One timed round of `opsPerRound` ops, with the GCs it caused (tracker must run). */
  async round(): Promise<RoundFigures> {
    const window = openGcWindow();
    const ns = await this.#run(this.opsPerRound);
    const gcs = window.close();
    return { ns, gcCount: gcs.count, gcPauseMs: gcs.pauseMs };
  }
}
