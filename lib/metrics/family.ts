// What a metric family is, and how one is read from the collected figures. The
// families themselves are declared once, in families.ts; this file is the
// vocabulary they are written in. Prometheus conventions: `allocscope_` prefix,
// base units in the name (`_bytes`, `_seconds`, `_ratio`), counters end in
// `_total`, and labels come from a small fixed set whose values are bounded (no
// per-call-site labels).
import type { CollectorFigures, Row, Series } from './series';

export type FamilyType = 'counter' | 'gauge' | 'histogram';
/** The unit a family's name ends with (before `_total`), or a dimensionless count. */
export type FamilyUnit = 'bytes' | 'seconds' | 'ratio' | 'objects' | 'blocks' | 'count';
/** Where the family comes from; 'continuous' and 'leaks' appear only while those modules run. */
export type FamilyGroup = 'gc' | 'heap' | 'malloc' | 'pools' | 'metrics' | 'continuous' | 'leaks';
/** How prom-client's AggregatorRegistry (cluster mode) combines the processes' samples. */
export type Aggregator = 'sum' | 'average' | 'max';

/**
 * The only label names any family may use, each with what bounds its values.
 * `thread_id` is 0 on the main thread and a worker's `threadId` for the figures
 * a worker reported (see metrics.reportToMainThread()).
 */
export const LABELS = {
  thread_id: 'threadId of the thread the figures belong to (0: main thread); at most maxWorkers + 1 values',
  type: 'GC kind (scavenge, markSweepCompact, incrementalMarking, processWeakCallbacks, minorMarkCompact, …): at most 7 values',
  space: "V8 heap space (new_space, old_space, code_space, …): V8's fixed list",
  allocator: 'glibc or jemalloc',
  pool: 'name of a registered pool: at most maxPools values',
  kind: 'pool kind: buffer, object or tracked',
  block_bytes: "block size of a BufferPool size class: at most 256 per pool (only classes that were used)",
  exporter: 'name of a continuous-mode exporter (file, http, …): as many as configured',
} as const;
export type LabelName = keyof typeof LABELS;

/** A family as users see it (`metrics.families`): what it is, not how it is read. */
export interface FamilyDefinition {
  name: string;
  type: FamilyType;
  unit: FamilyUnit;
  group: FamilyGroup;
  labels: readonly LabelName[];
  help: string;
}

export type Labels = Record<string, string | number>;
/** One sample of a gauge or counter. */
export interface ValuePoint { labels: Labels; value: number }
/** One series of a histogram: cumulative counts at the family's `le` bounds, then +Inf = count. */
export interface HistogramPoint { labels: Labels; cumulative: readonly number[]; count: number; sum: number }
export interface HistogramValue { cumulative: readonly number[]; count: number; sum: number }

interface FamilyBase extends FamilyDefinition {
  aggregator: Aggregator;
  /** The rows of the figures this family has samples for; they give the labels. */
  series: Series<unknown>;
}
export interface ValueFamily extends FamilyBase {
  type: 'gauge' | 'counter';
  /** The sample of one row; null, undefined or a non-finite number means no sample. */
  read(row: unknown): number | null | undefined;
}
export interface HistogramFamily extends FamilyBase {
  type: 'histogram';
  /** Upper bounds of the buckets (without +Inf), in the family's unit. */
  le: readonly number[];
  read(row: unknown): HistogramValue;
}
/** A family with how its samples are read: an entry of the table in families.ts. */
export type MetricFamily = ValueFamily | HistogramFamily;
export type FamilyPoints = ValuePoint[] | HistogramPoint[];

interface Common<Row> {
  name: string;
  unit: FamilyUnit;
  group: FamilyGroup;
  series: Series<Row>;
  help: string;
  /** Default: 'average' for ratios, 'sum' otherwise. */
  aggregator?: Aggregator;
}

function base<Row>(type: FamilyType, c: Common<Row>): FamilyBase {
  return {
    name: c.name, type, unit: c.unit, group: c.group, labels: c.series.labels, help: c.help,
    aggregator: c.aggregator ?? (c.unit === 'ratio' ? 'average' : 'sum'),
    series: c.series as Series<unknown>,
  };
}

export function gauge<Row>(c: Common<Row> & { read: (row: Row) => number | null | undefined }): ValueFamily {
  return { ...base('gauge', c), type: 'gauge', read: c.read as ValueFamily['read'] };
}

export function counter<Row>(c: Common<Row> & { read: (row: Row) => number | null | undefined }): ValueFamily {
  return { ...base('counter', c), type: 'counter', read: c.read as ValueFamily['read'] };
}

export function histogram<Row>(c: Common<Row> & { le: readonly number[]; read: (row: Row) => HistogramValue }): HistogramFamily {
  return { ...base('histogram', c), type: 'histogram', le: c.le, read: c.read as HistogramFamily['read'] };
}

/**
 * The samples of each of `families` in `figures`. Families of one series share
 * its rows (and label objects) instead of walking the figures again.
 */
export function readFamilies(families: readonly MetricFamily[], figures: CollectorFigures): Map<MetricFamily, FamilyPoints> {
  const rowsBySeries = new Map<Series<unknown>, Row<unknown>[]>();
  const out = new Map<MetricFamily, FamilyPoints>();
  for (const family of families) {
    let rows = rowsBySeries.get(family.series);
    if (!rows) rowsBySeries.set(family.series, (rows = family.series.rows(figures)));
    out.set(family, readRows(family, rows));
  }
  return out;
}

function readRows(family: MetricFamily, rows: readonly Row<unknown>[]): FamilyPoints {
  if (family.type === 'histogram') return rows.map(({ labels, row }) => ({ labels, ...family.read(row) }));
  const out: ValuePoint[] = [];
  for (const { labels, row } of rows) {
    const value = family.read(row);
    if (value !== null && value !== undefined && Number.isFinite(value)) out.push({ labels, value });
  }
  return out;
}

/** The user-facing description of a family (no functions). */
export function definitionOf(f: MetricFamily): FamilyDefinition {
  return { name: f.name, type: f.type, unit: f.unit, group: f.group, labels: f.labels, help: f.help };
}
