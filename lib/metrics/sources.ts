// Figures from modules that run only sometimes: continuous mode and leak watch.
// Their metric families are always registered (families.ts) so that names are
// stable; they have samples only while the module has set a provider here. A
// module calls setMetricsSource() when it starts and clearMetricsSource() when it
// stops; a provider is read once per scrape and must be cheap (counters it keeps).

/** One exporter of continuous mode, as `continuous.stats()` reports it. */
export interface ContinuousExporterFigures {
  /** The exporter's name (`file`, `http`, or the name configured): a label value. */
  name: string;
  /** Profiles delivered. */
  exports: number;
  /** Bytes written or pushed. */
  exportedBytes: number;
  /** Failed attempts. */
  failures: number;
  /** Profiles dropped (queue full, retries exhausted). */
  dropped: number;
  /** Profiles waiting now. */
  queueLength: number;
}

/** What the metrics need from continuous mode. */
export interface ContinuousFigures {
  /** Collections done. */
  collections: number;
  /** Seconds spent collecting, converting and encoding, all collections together. */
  collectionSecondsTotal: number;
  /** Seconds the last collection took (0 before the first). */
  lastCollectionSeconds: number;
  /** Seconds the collections held the event loop (their synchronous stages), all together. */
  blockingSecondsTotal: number;
  /** The last collection's longest single hold of the event loop, seconds. */
  lastLongestStageSeconds: number;
  exporters: ContinuousExporterFigures[];
}

/** What the metrics need from leak watch (leaks.watch()), for this thread. */
export interface LeakWatchFigures {
  /** Watches running. */
  watches: number;
  /** Major GCs evaluated, each watch counting its own (cumulative for the thread). */
  majorGcs: number;
  /** 'leak' events fired (cumulative for the thread). */
  leakEvents: number;
  /** Live-set estimate after the last major GC (the largest among the watches). */
  liveEstimateBytes: number;
  /** How far the estimate climbed above the current streak's base (the largest among the watches). */
  streakGrowthBytes: number;
  /** Growing major GCs in the current streak (the most among the watches). */
  streakGrowingGcs: number;
}

export interface MetricsSources {
  continuous: () => ContinuousFigures;
  leaks: () => LeakWatchFigures;
}
export type MetricsSourceName = keyof MetricsSources;

const providers: Partial<MetricsSources> = {};

/** Makes `name`'s figures part of every scrape of this thread (replaces an earlier provider). */
export function setMetricsSource<K extends MetricsSourceName>(name: K, provider: MetricsSources[K]): void {
  providers[name] = provider;
}

/** Stops exporting `name`'s figures (its families then have no samples). */
export function clearMetricsSource(name: MetricsSourceName): void {
  delete providers[name];
}

export interface SourceFigures {
  continuous: ContinuousFigures | null;
  leaks: LeakWatchFigures | null;
  /** Providers that threw: the scrape goes on without their figures. */
  errors: number;
}

/** Reads every active provider; a throwing provider costs its figures, not the scrape. */
export function readSources(): SourceFigures {
  const out: SourceFigures = { continuous: null, leaks: null, errors: 0 };
  try { out.continuous = providers.continuous?.() ?? null; } catch { out.errors++; }
  try { out.leaks = providers.leaks?.() ?? null; } catch { out.errors++; }
  return out;
}
