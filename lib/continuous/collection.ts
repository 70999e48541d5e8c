// What one collection period produces on one thread, and what an exporter is.
import type { GcSummary } from '../runtime/gc';
import type { HeapStats } from '../runtime/heap';
import type { ProfileMode } from '../profile/data';
import type { SampleType } from '../profile/profile';

/** Heap and GC figures taken with a profile. */
export interface CollectionFigures {
  heap: HeapStats;
  /** GC summary since profiling started on the thread (cumulative), or null when GC tracking is not ours. */
  gc: GcSummary | null;
  /** Resident set size of the process, bytes. */
  rssBytes: number;
}

/** One period's profile of one thread, encoded and labelled, ready for exporters. */
export interface Collection {
  /** 0 for the main thread, the worker's `threadId` otherwise. */
  threadId: number;
  mode: ProfileMode;
  /** pprof sample types in the profile (alloc_* for 'allocated', inuse_* for 'live'). */
  sampleTypes: SampleType[];
  /** Epoch milliseconds: the period the profile covers. */
  fromMs: number;
  untilMs: number;
  /** service, version, host, thread_id and the user's labels. */
  labels: Record<string, string>;
  /** The gzipped pprof protobuf. */
  pprof: Uint8Array;
  /**
   * Live mode: this collection is the period's high-water mark (labels.moment = 'peak'):
   * the live heap when the used heap was highest (epoch ms), not at the period's end.
   */
  peak?: { atMs: number; usedBytes: number };
  /** The gzipped allocscope capture of the period, when a file exporter asked for one (main thread only). */
  capture?: Uint8Array;
  figures: CollectionFigures;
}

/** Counters of one exporter. */
export interface ExporterStats {
  name: string;
  /** Profiles delivered (written or accepted by the backend). */
  exported: number;
  /** Bytes delivered (request bodies, file sizes). */
  bytesExported: number;
  /** Profiles given up on after their retries, or refused for good (4xx, write errors). */
  failures: number;
  /** Profiles dropped unsent because the queue was full (the oldest goes first). */
  drops: number;
  /** Attempts repeated after a failure. */
  retries: number;
  /** Profiles waiting, in flight included. */
  queueLength: number;
  /** The last failure's message, or null. */
  lastError: string | null;
}

/**
 * Receives collections. `export` must return at once (queue the work) and never
 * throw; `close` finishes what it can before the deadline, then gives up.
 */
export interface Exporter {
  readonly name: string;
  export(collection: Collection): void;
  stats(): ExporterStats;
  close(deadlineMs: number): Promise<void>;
}

export function emptyStats(name: string): ExporterStats {
  return { name, exported: 0, bytesExported: 0, failures: 0, drops: 0, retries: 0, queueLength: 0, lastError: null };
}
