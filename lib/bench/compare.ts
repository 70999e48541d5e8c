// compare({ name: fn, … }): strategies side by side, with ratios to a baseline and
// the memory figures after each. Timed rounds are interleaved across strategies so
// that a slow minute on a shared machine hits all of them alike.
import { typeError } from '../core/errors';
import { table } from '../core/format';
import { fragmentation } from '../runtime/fragmentation';
import { heap } from '../runtime/heap';
import { resolveOptions } from '../core/options';
import { pools, type PoolStats } from '../pools';
import { countingPass } from './counting-pass';
import { withGcTracker } from './gc-window';
import { checkOperation, countingFigures, MEASURE_DEFAULTS, MEASURE_SCHEMA, prepareCounting, timingFigures, type MeasureOptions, type MeasureResult } from './measure';
import { nsPerOp, perOp, plusMinus, ratio } from './numbers';
import { prepareOperation, type Operation, type PreparedOperation } from './operation';
import { mannWhitneyU } from './statistics';
import { Timer, type RoundFigures } from './timing-pass';

export interface CompareOptions extends MeasureOptions {
  /** The strategy the others are compared with. Default: the first. */
  baseline?: string;
  /** A ratio of ns/op is marked significant below this p-value (Mann–Whitney U over rounds). Default 0.05. */
  alpha?: number;
}

/** Memory figures read right after a strategy's counting pass. */
export interface MemoryAfter {
  heapUsedBytes: number;
  heapCommittedBytes: number;
  externalBytes: number;
  /** 1 − used / committed over V8's spaces (docs/fragmentation.md). */
  heapFragmentation: number;
  rssBytes: number;
  /** Registered pools (pools.create / objectPool / track), with their usage. */
  pools: PoolStats[];
}

export interface CompareRow {
  name: string;
  result: MeasureResult;
  /** Ratios of medians to the baseline's; null for the baseline or a zero baseline. */
  ratios: { nsPerOp: number | null; bytesPerOp: number | null; allocsPerOp: number | null };
  /** p-value of ns/op against the baseline (Mann–Whitney U); null for the baseline. */
  p: number | null;
  /** Whether the ns/op difference is significant at `alpha`. */
  significant: boolean;
  memory: MemoryAfter;
}

export interface Comparison {
  baseline: string;
  alpha: number;
  rows: CompareRow[];
  /** The table as text (what `console.log(comparison)` prints). */
  toString(): string;
}

const COMPARE_DEFAULTS = { ...MEASURE_DEFAULTS, baseline: '', alpha: 0.05 };
const COMPARE_SCHEMA = { ...MEASURE_SCHEMA, baseline: { kind: 'any' }, alpha: { kind: 'number', min: 1e-9, max: 1 } } as const;

function memoryAfter(): MemoryAfter {
  const h = heap.stats();
  const f = fragmentation();
  return {
    heapUsedBytes: h.usedHeapSizeBytes, heapCommittedBytes: h.totalHeapSizeBytes, externalBytes: h.externalMemoryBytes,
    heapFragmentation: f.v8.total.fragmentation, rssBytes: f.process.rssBytes, pools: pools.stats(),
  };
}

const ratioOf = (value: number | undefined, base: number | undefined): number | null =>
  value === undefined || base === undefined || base === 0 ? null : value / base;

function renderComparison(c: Omit<Comparison, 'toString'>): string {
  const header = ['strategy', 'ns/op', '', 'B/op', '', 'allocs/op', '', 'ext B/op', 'GCs/1k op', 'heap frag', 'pools (hit rate)'];
  const rows = c.rows.map((r) => {
    const t = r.result.timing;
    const k = r.result.counting;
    const nsRatio = r.name === c.baseline ? '' : `${ratio(r.ratios.nsPerOp)}${r.significant ? '' : ' ~'}`;
    const poolText = r.memory.pools.map((p) => `${p.name} ${p.hitRate === null ? '–' : `${(p.hitRate * 100).toFixed(1)}%`}`).join(', ');
    return [
      r.name,
      t ? `${nsPerOp(t.nsPerOp.median)} ${plusMinus(t.nsPerOp.spreadPct)}` : '–', nsRatio,
      k ? perOp(k.bytesPerOp.median) : '–', r.name === c.baseline ? '' : ratio(r.ratios.bytesPerOp),
      k ? perOp(k.allocsPerOp.median) : '–', r.name === c.baseline ? '' : ratio(r.ratios.allocsPerOp),
      k ? perOp(k.externalBytesPerOp.median) : '–',
      t ? t.gcsPer1000Ops.toFixed(2) : '–',
      `${(r.memory.heapFragmentation * 100).toFixed(1)}%`,
      poolText || '–',
    ];
  });
  const note = `baseline: ${c.baseline}; ratios are medians over the baseline's; "~": ns/op not significantly different (Mann–Whitney U, p ≥ ${c.alpha})`;
  return `${table(header, rows, ['left', 'right', 'left', 'right', 'left', 'right', 'left', 'right', 'right', 'right', 'left'])}\n${note}`;
}

/**
 * Measures every strategy (as `measure()` does) and puts them side by side: ratios to
 * the baseline, significance of ns/op differences, and heap/pool figures after each.
 */
export async function compare(strategies: Record<string, Operation>, options?: CompareOptions): Promise<Comparison> {
  if (strategies === null || typeof strategies !== 'object' || Array.isArray(strategies) || Object.keys(strategies).length === 0) {
    throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', 'compare() takes an object of named operations, e.g. compare({ alloc: fnA, pool: fnB })');
  }
  for (const [name, fn] of Object.entries(strategies)) checkOperation(`compare() strategy "${name}"`, fn);
  const o = resolveOptions('compare()', options, COMPARE_DEFAULTS, COMPARE_SCHEMA);
  const names = Object.keys(strategies);
  const baseline = o.baseline === '' ? names[0]! : o.baseline;
  if (typeof baseline !== 'string' || !names.includes(baseline)) {
    throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `compare() option "baseline" must name one of the strategies (${names.join(', ')}), got ${JSON.stringify(o.baseline)}`);
  }
  if (!o.time && !o.count) throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', 'compare(): "time" and "count" are both false: nothing to measure');
  const exact = prepareCounting(o);

  const ops: PreparedOperation[] = [];
  for (const name of names) ops.push(await prepareOperation(strategies[name]!));
  const timings: (MeasureResult['timing'])[] = names.map(() => null);
  const timeMs = names.map(() => 0);
  if (o.time) {
    const timers = ops.map((op) => new Timer(op));
    for (let i = 0; i < timers.length; i++) {
      const t0 = process.hrtime.bigint();
      await timers[i]!.calibrate(o.roundMs, o.maxOpsPerRound);
      timeMs[i]! += Number(process.hrtime.bigint() - t0) / 1e6;
    }
    const rounds: RoundFigures[][] = names.map(() => []);
    await withGcTracker(async () => {
      for (let r = 0; r < o.rounds; r++) {
        for (let i = 0; i < timers.length; i++) {
          const figures = await timers[i]!.round();
          rounds[i]!.push(figures);
          timeMs[i]! += figures.ns / 1e6;
        }
      }
    });
    for (let i = 0; i < timers.length; i++) timings[i] = timingFigures(timers[i]!, rounds[i]!);
  }

  const rows: CompareRow[] = [];
  for (let i = 0; i < names.length; i++) {
    let counting: MeasureResult['counting'] = null;
    let countMs = 0;
    if (o.count) {
      const c = await withGcTracker(() => countingPass(ops[i]!, { rounds: o.countRounds, opsPerRound: o.countOps, maxAllocationsPerRound: o.maxAllocationsPerRound, stackDepth: o.stackDepth }));
      counting = countingFigures(c, o.topSites, exact);
      countMs = c.passMs;
    }
    const result: MeasureResult = { async: ops[i]!.async, timing: timings[i]!, counting, passMs: { time: timeMs[i]!, count: countMs } };
    rows.push({ name: names[i]!, result, ratios: { nsPerOp: null, bytesPerOp: null, allocsPerOp: null }, p: null, significant: false, memory: memoryAfter() });
  }

  const base = rows.find((r) => r.name === baseline)!;
  for (const r of rows) {
    if (r === base) continue;
    const t = r.result.timing, bt = base.result.timing, k = r.result.counting, bk = base.result.counting;
    r.ratios = {
      nsPerOp: ratioOf(t?.nsPerOp.median, bt?.nsPerOp.median),
      bytesPerOp: ratioOf(k?.bytesPerOp.median, bk?.bytesPerOp.median),
      allocsPerOp: ratioOf(k?.allocsPerOp.median, bk?.allocsPerOp.median),
    };
    if (t && bt) {
      r.p = mannWhitneyU(t.nsPerOp.rounds, bt.nsPerOp.rounds);
      r.significant = r.p < o.alpha;
    }
  }
  const comparison = { baseline, alpha: o.alpha, rows };
  return { ...comparison, toString: () => renderComparison(comparison) };
}
