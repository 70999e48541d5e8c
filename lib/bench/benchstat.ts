// `allocscope bench --compare old.json new.json`: benchstat's table. Per metric, the
// median of each side with its spread, the delta of medians, and a Mann–Whitney U
// test over the rounds: "~" when the difference is not significant, "noisy" when
// it is significant but no larger than the rounds' own spread (the ± of either side).
import { table } from '../core/format';
import { mannWhitneyU, spreadOf } from './statistics';
import { deltaPct, nsPerOp, perOp, plusMinus } from './numbers';
import type { BenchRecord, BenchResults } from './results-file';
import type { MeasureResult } from './measure';

export interface MetricComparison {
  id: string;
  old: { median: number; spreadPct: number; n: number } | null;
  new: { median: number; spreadPct: number; n: number } | null;
  /** (new − old) / old in %; null when a side is missing or old is 0 and new is not. */
  deltaPct: number | null;
  p: number | null;
  /** p < alpha: the Mann–Whitney U test tells the two sides' rounds apart. */
  significant: boolean;
  /**
   * Significant, but the difference of medians is no larger than the spread of either
   * side's rounds (the larger of old's and new's ± in absolute units). Rounds spread that
   * wide mean the machine's load moved the figure within one run by as much as the
   * difference, so a change of load between the runs explains it as well as a change of
   * code: the row is printed "noisy", not as a change. A change to act on is
   * `significant && !noisy`.
   */
  noisy: boolean;
}

export interface MetricTable {
  metric: 'ns/op' | 'B/op' | 'allocs/op' | 'ext-B/op';
  rows: MetricComparison[];
  /** Geometric mean of new/old over rows where both are > 0. */
  geomeanRatio: number | null;
  /** Rows marked noisy. */
  noisyRows: number;
}

/**
 * The "too noisy to compare" rule: a significant difference of medians that is no
 * larger than the spread (±, outliers dropped) of the old or of the new rounds.
 */
export function isNoisy(old: { median: number; spreadPct: number }, now: { median: number; spreadPct: number }, significant: boolean): boolean {
  if (!significant) return false;
  const spread = Math.max(Math.abs(old.median) * old.spreadPct, Math.abs(now.median) * now.spreadPct) / 100;
  return Math.abs(now.median - old.median) <= spread;
}

type Extract = (r: MeasureResult) => number[] | null;
const METRICS: { metric: MetricTable['metric']; rounds: Extract; format: (v: number) => string }[] = [
  { metric: 'ns/op', rounds: (r) => r.timing?.nsPerOp.rounds ?? null, format: (v) => nsPerOp(v) },
  { metric: 'B/op', rounds: (r) => r.counting?.bytesPerOp.rounds ?? null, format: (v) => perOp(v) },
  { metric: 'allocs/op', rounds: (r) => r.counting?.allocsPerOp.rounds ?? null, format: (v) => perOp(v) },
  { metric: 'ext-B/op', rounds: (r) => r.counting?.externalBytesPerOp.rounds ?? null, format: (v) => perOp(v) },
];

function side(record: BenchRecord | undefined, extract: Extract) {
  const rounds = record?.result ? extract(record.result) : null;
  if (!rounds || rounds.length === 0) return null;
  const s = spreadOf(rounds);
  return { median: s.median, spreadPct: s.spreadPct, n: rounds.length, rounds };
}

export function compareResults(older: BenchResults, newer: BenchResults, alpha: number): MetricTable[] {
  const ids = [...new Set([...older.benchmarks.map((b) => b.id), ...newer.benchmarks.map((b) => b.id)])];
  const oldById = new Map(older.benchmarks.map((b) => [b.id, b]));
  const newById = new Map(newer.benchmarks.map((b) => [b.id, b]));
  const tables: MetricTable[] = [];
  for (const m of METRICS) {
    const rows: MetricComparison[] = [];
    let logSum = 0;
    let logCount = 0;
    for (const id of ids) {
      const o = side(oldById.get(id), m.rounds);
      const n = side(newById.get(id), m.rounds);
      if (!o && !n) continue;
      let delta: number | null = null;
      let p: number | null = null;
      if (o && n) {
        delta = o.median === 0 ? (n.median === 0 ? 0 : null) : ((n.median - o.median) / o.median) * 100;
        p = mannWhitneyU(o.rounds, n.rounds);
        if (o.median > 0 && n.median > 0) { logSum += Math.log(n.median / o.median); logCount++; }
      }
      const significant = p !== null && p < alpha;
      rows.push({
        id,
        old: o && { median: o.median, spreadPct: o.spreadPct, n: o.n },
        new: n && { median: n.median, spreadPct: n.spreadPct, n: n.n },
        deltaPct: delta, p, significant, noisy: o !== null && n !== null && isNoisy(o, n, significant),
      });
    }
    // A metric that is zero everywhere (e.g. ext-B/op) says nothing: leave it out.
    if (rows.length === 0 || (m.metric === 'ext-B/op' && rows.every((r) => (r.old?.median ?? 0) === 0 && (r.new?.median ?? 0) === 0))) continue;
    tables.push({ metric: m.metric, rows, geomeanRatio: logCount > 0 ? Math.exp(logSum / logCount) : null, noisyRows: rows.filter((r) => r.noisy).length });
  }
  return tables;
}

export function renderComparisonTables(tables: MetricTable[], oldName: string, newName: string): string {
  const out: string[] = [];
  for (const t of tables) {
    const fmt = METRICS.find((m) => m.metric === t.metric)!.format;
    const cell = (s: MetricComparison['old']) => (s ? `${fmt(s.median)} ${plusMinus(s.spreadPct)}` : '–');
    const rows = t.rows.map((r) => {
      let verdict: string;
      if (r.p === null) verdict = '(missing on one side)';
      else {
        const test = `(p=${r.p.toFixed(3)} n=${r.old!.n}+${r.new!.n})`;
        const delta = r.deltaPct === null ? '+∞' : deltaPct(r.deltaPct);
        verdict = !r.significant ? `~ ${test}` : r.noisy ? `noisy: ${delta} ${test}` : `${delta} ${test}`;
      }
      return [r.id, cell(r.old), cell(r.new), verdict];
    });
    if (t.geomeanRatio !== null && t.rows.length > 1) {
      const noisy = t.noisyRows > 0 ? ` (${t.noisyRows} noisy row${t.noisyRows > 1 ? 's' : ''} in it)` : '';
      rows.push(['geomean', '', '', `${deltaPct((t.geomeanRatio - 1) * 100)}${noisy}`]);
    }
    out.push(table([t.metric, oldName, newName, 'vs old'], rows, ['left', 'right', 'right', 'left']));
  }
  return out.join('\n\n');
}

/** The one-line warning printed when rows were marked noisy; null when none was. */
export function noisyWarning(tables: MetricTable[]): string | null {
  const noisy = tables.reduce((a, t) => a + t.noisyRows, 0);
  if (noisy === 0) return null;
  const rows = tables.reduce((a, t) => a + t.rows.length, 0);
  return `${noisy} of ${rows} rows marked "noisy": significant, but no larger than the spread (±) of their rounds, so the machine's load ` +
    'explains them as well as the code does; rerun both sides on a quiet machine';
}
