// A capture's timeline. Part of the capture format (capture.ts). Kept apart,
// with no Node import, so that the HTML report's page (tsconfig.client.json, no
// Node types) can use it; capture.ts re-exports it.

/** Heap/process figures sampled every `periodMs`, as columns. */
export interface Timeline {
  periodMs: number;
  /** Epoch milliseconds of each sample. */
  timeMs: number[];
  heapUsedBytes: number[];
  heapCommittedBytes: number[];
  externalBytes: number[];
  rssBytes: number[];
  /**
   * RSS sampled every `periodMs` by a background thread, which also runs while
   * JavaScript keeps the event loop busy (when the columns above get no sample).
   * Optional: absent in captures of platforms without /proc.
   */
  rss?: { timeMs: number[]; bytes: number[] };
}
