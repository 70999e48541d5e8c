// measure(fn): what one operation costs, Go -benchmem style. A timing pass with no
// instrumentation (ns/op, GCs) and a counting pass (B/op, allocs/op, external B/op).
import { typeError } from '../core/errors';
import { withSourceMaps } from '../sampler/heap-profiler';
import { SAMPLER_SCHEMA } from '../sampler/options';
import { resolveOptions } from '../core/options';
import { siteLabel } from './attribution';
import { countingPass, type CountingFigures } from './counting-pass';
import { withGcTracker } from './gc-window';
import { prepareOperation, type Operation, type PreparedOperation } from './operation';
import { spreadOf, type Spread } from './statistics';
import { Timer, type RoundFigures } from './timing-pass';
import { applyExactCountingFlags, exactCountingFlagsApplied } from './v8-flags';

export interface MeasureOptions {
  /** Timed rounds (their spread is reported; benchstat wants ≥ 10 to call a difference). Default 10. */
  rounds?: number;
  /** Target duration of one timed round; ops per round are calibrated to it. Default 100. */
  roundMs?: number;
  /** Upper bound on ops per timed round. Default 1e9. */
  maxOpsPerRound?: number;
  /** Run the timing pass (ns/op, GCs). Default true. */
  time?: boolean;
  /** Run the counting pass (B/op, allocs/op, external B/op). Default true. */
  count?: boolean;
  /** Counting rounds. Default 5. */
  countRounds?: number;
  /** Ops per counting round; 0 = automatic (bounded by `maxAllocationsPerRound`, ≤ 10,000). Default 0. */
  countOps?: number;
  /** Allocations a counting round may record (V8 keeps ~100 B per sample until collected). Default 200000. */
  maxAllocationsPerRound?: number;
  /** Frames kept per allocation in the counting pass. Default 512. */
  stackDepth?: number;
  /**
   * Turn off V8's allocation folding and concurrent ArrayBuffer sweeping in this
   * process (from the first measurement on) so that allocs/op counts objects one by
   * one and external B/op is exact. Default true. See docs/benchmarking.md.
   */
  exactCounts?: boolean;
  /** Allocation sites listed in the result. Default 3. */
  topSites?: number;
}

export const MEASURE_DEFAULTS: Required<MeasureOptions> = {
  rounds: 10, roundMs: 100, maxOpsPerRound: 1e9, time: true, count: true,
  countRounds: 5, countOps: 0, maxAllocationsPerRound: 200_000, stackDepth: 512, exactCounts: true, topSites: 3,
};
export const MEASURE_SCHEMA = {
  rounds: { kind: 'integer', min: 1, max: 10_000 },
  roundMs: { kind: 'number', min: 0.001, max: 3_600_000 },
  maxOpsPerRound: { kind: 'integer', min: 1, max: 1e12 },
  time: { kind: 'boolean' },
  count: { kind: 'boolean' },
  countRounds: { kind: 'integer', min: 1, max: 10_000 },
  countOps: { kind: 'integer', min: 0, max: 1e9 },
  maxAllocationsPerRound: { kind: 'integer', min: 1, max: 1e8 },
  stackDepth: SAMPLER_SCHEMA.stackDepth,
  exactCounts: { kind: 'boolean' },
  topSites: { kind: 'integer', min: 0, max: 1000 },
} as const;

/** An allocation site of the operation. */
export interface SiteFigures {
  label: string;
  bytesPerOp: number;
  allocsPerOp: number;
}

export interface MeasureResult {
  /** Whether the operation returned promises (each call was awaited). */
  async: boolean;
  /** Timing pass; null when `time: false`. */
  timing: null | {
    opsPerRound: number;
    nsPerOp: Spread;
    /** GCs per 1,000 ops over the timed rounds. */
    gcsPer1000Ops: number;
    /** Share of the timed rounds' wall time spent paused in GC. */
    gcTimeShare: number;
    gcCount: number;
    elapsedMs: number;
  };
  /** Counting pass; null when `count: false`. */
  counting: null | {
    opsPerRound: number;
    /** JS heap bytes allocated per op. */
    bytesPerOp: Spread;
    /** JS heap objects allocated per op. */
    allocsPerOp: Spread;
    /** ArrayBuffer/external bytes created per op. */
    externalBytesPerOp: Spread;
    /** The operation's top allocation sites. */
    topSites: SiteFigures[];
    /** false when V8's allocation folding may have merged objects (exactCounts: false). */
    exactCounts: boolean;
  };
  /** Wall time of each pass, for the harness's own overhead. */
  passMs: { time: number; count: number };
}

export function checkOperation(where: string, fn: unknown): asserts fn is Operation {
  if (typeof fn !== 'function') throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `${where} takes the operation to measure as a function, got ${fn === null ? 'null' : typeof fn}`);
}

export function timingFigures(timer: Timer, rounds: RoundFigures[]): NonNullable<MeasureResult['timing']> {
  const ops = timer.opsPerRound * rounds.length;
  const elapsedNs = rounds.reduce((a, r) => a + r.ns, 0);
  const gcCount = rounds.reduce((a, r) => a + r.gcCount, 0);
  const gcPauseMs = rounds.reduce((a, r) => a + r.gcPauseMs, 0);
  return {
    opsPerRound: timer.opsPerRound,
    nsPerOp: spreadOf(rounds.map((r) => r.ns / timer.opsPerRound)),
    gcsPer1000Ops: (gcCount / ops) * 1000,
    gcTimeShare: elapsedNs > 0 ? Math.min(1, (gcPauseMs * 1e6) / elapsedNs) : 0,
    gcCount,
    elapsedMs: elapsedNs / 1e6,
  };
}

export function countingFigures(c: CountingFigures, topSites: number, exact: boolean): NonNullable<MeasureResult['counting']> {
  const perOp = (key: 'bytes' | 'allocs' | 'externalBytes') => spreadOf(c.rounds.map((r) => r[key] / r.ops));
  const ops = c.rounds.reduce((a, r) => a + r.ops, 0);
  return {
    opsPerRound: c.opsPerRound,
    bytesPerOp: perOp('bytes'),
    allocsPerOp: perOp('allocs'),
    externalBytesPerOp: perOp('externalBytes'),
    topSites: topSites === 0 ? [] : withSourceMaps(c.profile).top(topSites, { by: 'site' }).map((row) => ({ label: siteLabel(row.label), bytesPerOp: row.bytes / ops, allocsPerOp: row.objects / ops })),
    exactCounts: exact,
  };
}

/** Applies the exact-counting flags when asked; returns whether counts are exact. */
export function prepareCounting(o: Required<MeasureOptions>): boolean {
  if (o.count && o.exactCounts) applyExactCountingFlags();
  return exactCountingFlagsApplied();
}

/** Both passes for one prepared operation (the timing pass first, so it warms the code). */
async function measurePrepared(op: PreparedOperation, o: Required<MeasureOptions>, exact: boolean): Promise<MeasureResult> {
  let timing: MeasureResult['timing'] = null;
  let timeMs = 0;
  if (o.time) {
    const t0 = process.hrtime.bigint();
    const timer = new Timer(op);
    await timer.calibrate(o.roundMs, o.maxOpsPerRound);
    const rounds = await withGcTracker(async () => {
      const out: RoundFigures[] = [];
      for (let r = 0; r < o.rounds; r++) out.push(await timer.round());
      return out;
    });
    timing = timingFigures(timer, rounds);
    timeMs = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  let counting: MeasureResult['counting'] = null;
  let countMs = 0;
  if (o.count) {
    const c = await withGcTracker(() => countingPass(op, { rounds: o.countRounds, opsPerRound: o.countOps, maxAllocationsPerRound: o.maxAllocationsPerRound, stackDepth: o.stackDepth }));
    counting = countingFigures(c, o.topSites, exact);
    countMs = c.passMs;
  }
  return { async: op.async, timing, counting, passMs: { time: timeMs, count: countMs } };
}

/**
 * Measures one operation: ns/op (timing pass), B/op, allocs/op and external B/op
 * (counting pass), GCs per 1,000 ops and GC time share, each with its spread over
 * rounds. `fn` may be async (every call is awaited). Needs no --expose-gc.
 */
export async function measure(fn: Operation, options?: MeasureOptions): Promise<MeasureResult> {
  checkOperation('measure()', fn);
  const o = resolveOptions('measure()', options, MEASURE_DEFAULTS, MEASURE_SCHEMA);
  if (!o.time && !o.count) throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', 'measure(): "time" and "count" are both false: nothing to measure');
  const exact = prepareCounting(o);
  return measurePrepared(await prepareOperation(fn), o, exact);
}
