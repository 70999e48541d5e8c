// What continuous.stats() reports: the cost of collecting (the overhead budget)
// and what the exporters did, for dashboards and the metrics exporter.
import type { ExporterStats } from './collection';

/** The exporters' figures summed (lastError: the collection's own last failure, else the first exporter's), beside each exporter's own. */
export interface ContinuousStats extends Omit<ExporterStats, 'name'> {
  running: boolean;
  periodMs: number;
  /** Collections made on this thread. */
  collections: number;
  /** Collections that failed (the sampler was taken by someone else, …). */
  collectionFailures: number;
  /** Periods skipped because the previous collection had not finished. */
  skippedPeriods: number;
  /** Main thread: collections received from workers. */
  workerCollections: number;
  /** Wall time of the last collection (sampling, encoding, gzip; event-loop turns in between included), ms. */
  lastCollectionMs: number;
  totalCollectionMs: number;
  /** Time the last collection held the event loop (its synchronous stages together), ms. */
  lastBlockingMs: number;
  totalBlockingMs: number;
  /** CPU time of the last collection's synchronous stages on the event-loop thread (other threads and preemption left out), ms. */
  lastBlockingCpuMs: number;
  totalBlockingCpuMs: number;
  /** The longest single synchronous stage of the last collection, ms (0 before the first). */
  lastLongestStageMs: number;
  /** The same without the GC pauses that fell inside it, ms. */
  lastLongestStageOwnMs: number;
  /** The last collection's longest stage in the event-loop thread's CPU time (other threads, preemption and GC pauses left out), ms. */
  lastLongestStageCpuMs: number;
  /** The longest single synchronous stage of any collection so far: the event loop's worst stall from us, ms. */
  maxStageMs: number;
  /** The same without the GC pauses that fell inside stages: the longest stall from allocscope's own code, ms. */
  maxStageOwnMs: number;
  /** GC pauses that fell inside the collections' synchronous stages, all collections together, ms. */
  totalStagesGcMs: number;
  exporters: ExporterStats[];
}

export function sumExporters(exporters: ExporterStats[]): Pick<ContinuousStats, 'exported' | 'bytesExported' | 'failures' | 'drops' | 'retries' | 'queueLength'> {
  const total = { exported: 0, bytesExported: 0, failures: 0, drops: 0, retries: 0, queueLength: 0 };
  for (const e of exporters) {
    total.exported += e.exported;
    total.bytesExported += e.bytesExported;
    total.failures += e.failures;
    total.drops += e.drops;
    total.retries += e.retries;
    total.queueLength += e.queueLength;
  }
  return total;
}
