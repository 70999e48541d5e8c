// Which rows of the collected figures a family has samples for, and the labels
// of each row: one series per shape of figure (a thread, a GC kind, a heap space,
// a pool, a size class, an exporter, …). A family picks its series and reads one
// number (or one histogram) per row; the series owns the walk and the labels,
// so families of the same shape label their samples the same way. Pure: no
// readings happen here.
import type { HistogramValue, LabelName, Labels } from './family';
import type { MallocFigures, ProcessFigures } from './process-figures';
import type { ContinuousExporterFigures, ContinuousFigures, LeakWatchFigures, SourceFigures } from './sources';
import type { GcFigures, GcKindFigures, PoolFigures, SizeClassFigures, SpaceFigures, ThreadFigures } from './thread-figures';

/** Everything one scrape collected: what every family is read from. */
export interface CollectorFigures {
  threads: ThreadFigures[];
  process: ProcessFigures | null;
  sources: SourceFigures;
  workersHeld: number;
  workerReportsDropped: number;
  sourceErrors: number;
  /** The cost of the collections so far (this one included): null until the collector has measured it. */
  collectCost: HistogramValue | null;
}

export interface Row<T> { labels: Labels; row: T }
export interface Series<T> {
  /** The label names of every row, in the order they appear on a sample. */
  labels: readonly LabelName[];
  rows(figures: CollectorFigures): Row<T>[];
}

const series = <T>(labels: readonly LabelName[], rows: (figures: CollectorFigures) => Row<T>[]): Series<T> => ({ labels, rows });

/** One row per thread. */
export const THREAD = series<ThreadFigures>(['thread_id'], (f) => f.threads.map((t) => ({ labels: { thread_id: t.threadId }, row: t })));

/** One row per thread that reports GC figures. */
export const GC_THREAD = series<GcFigures>(['thread_id'], (f) =>
  f.threads.flatMap((t) => (t.gc ? [{ labels: { thread_id: t.threadId }, row: t.gc }] : [])));

/** One row per GC kind seen on a thread that reports GC figures. */
export const GC_KIND = series<GcKindFigures>(['thread_id', 'type'], (f) =>
  f.threads.flatMap((t) => (t.gc ? t.gc.kinds.map((k) => ({ labels: { thread_id: t.threadId, type: k.type }, row: k })) : [])));

/** One row per V8 heap space of each thread. */
export const SPACE = series<SpaceFigures>(['thread_id', 'space'], (f) =>
  f.threads.flatMap((t) => t.heap.spaces.map((s) => ({ labels: { thread_id: t.threadId, space: s.name }, row: s }))));

/** One row per thread that reports pools (the thread, for what it says about its pools). */
export const POOLS_THREAD = series<ThreadFigures>(['thread_id'], (f) =>
  f.threads.flatMap((t) => (t.pools ? [{ labels: { thread_id: t.threadId }, row: t }] : [])));

/** One row per pool of each thread. */
export const POOL = series<PoolFigures>(['thread_id', 'pool', 'kind'], (f) =>
  f.threads.flatMap((t) => (t.pools ?? []).map((p) => ({ labels: { thread_id: t.threadId, pool: p.name, kind: p.kind }, row: p }))));

/** One row per used size class of each Buffer pool. */
export const SIZE_CLASS = series<SizeClassFigures>(['thread_id', 'pool', 'block_bytes'], (f) =>
  f.threads.flatMap((t) => (t.pools ?? []).flatMap((p) => p.classes.map((c) => ({ labels: { thread_id: t.threadId, pool: p.name, block_bytes: c.blockBytes }, row: c })))));

/** The C allocator's figures, labelled with the allocator; no row without them. */
export const ALLOCATOR = series<MallocFigures>(['allocator'], (f) =>
  (f.process?.malloc ? [{ labels: { allocator: f.process.malloc.allocator }, row: f.process.malloc }] : []));

/** The process-wide figures, unlabelled, when the C allocator was read. */
export const PROCESS = series<ProcessFigures & { malloc: MallocFigures }>([], (f) =>
  (f.process?.malloc ? [{ labels: {}, row: f.process as ProcessFigures & { malloc: MallocFigures } }] : []));

/** Continuous mode's figures while it runs. */
export const CONTINUOUS = series<ContinuousFigures>([], (f) => (f.sources.continuous ? [{ labels: {}, row: f.sources.continuous }] : []));

/** One row per continuous-mode exporter while continuous mode runs. */
export const EXPORTER = series<ContinuousExporterFigures>(['exporter'], (f) =>
  (f.sources.continuous?.exporters ?? []).map((e) => ({ labels: { exporter: e.name }, row: e })));

/** Leak watch's figures while a watch runs. */
export const LEAKS = series<LeakWatchFigures>([], (f) => (f.sources.leaks ? [{ labels: {}, row: f.sources.leaks }] : []));

/** The collector's own figures: always one row. */
export const COLLECTOR = series<CollectorFigures>([], (f) => [{ labels: {}, row: f }]);

/** The collection cost, once the collector has measured it. */
export const COLLECT_COST = series<HistogramValue>([], (f) => (f.collectCost ? [{ labels: {}, row: f.collectCost }] : []));
