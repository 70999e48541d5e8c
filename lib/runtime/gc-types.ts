// What GC tracking reports, as plain types. Kept apart from gc.ts (Node's events
// and the addon), with no Node import, so that the HTML report's page
// (tsconfig.client.json, no Node types) can use them; gc.ts re-exports them.

/** GC kinds, named after V8's `GCType` values. */
export type GcTypeName = 'scavenge' | 'minorMarkCompact' | 'minorMarkSweep' | 'markSweepCompact' |
  'incrementalMarking' | 'processWeakCallbacks' | 'other';

/** Before/after figures of one heap space around one GC. Bytes. */
export interface GcSpaceDelta {
  usedBeforeBytes: number;
  usedAfterBytes: number;
  committedBeforeBytes: number;
  committedAfterBytes: number;
}

/** One garbage collection, as seen by V8's prologue and epilogue callbacks. */
export interface GcEvent {
  /** Sequence number since `gc.start()` (0, 1, 2, …): gaps mean overwritten records. */
  seq: number;
  type: GcTypeName;
  /** V8's `GCType` bits: the same number as a perf_hooks GC entry's `detail.kind`. */
  kind: number;
  /** V8's `GCCallbackFlags` bits: the same number as perf_hooks' `detail.flags`. */
  flags: number;
  /** True when the GC was forced (`global.gc()`, low-memory notification). */
  forced: boolean;
  /** 0 for a top-level GC; 1+ when it ran inside another GC (weak callbacks in a mark-compact). */
  depth: number;
  /** Start on the `process.hrtime.bigint()` clock. */
  startNs: bigint;
  /** Start in milliseconds on the `performance.now()` clock (as perf_hooks' `startTime`). */
  startTime: number;
  /** Pause from prologue to epilogue, nanoseconds. */
  pauseNs: number;
  /** Pause in milliseconds (as perf_hooks' `duration`). */
  duration: number;
  usedBeforeBytes: number;
  usedAfterBytes: number;
  committedBeforeBytes: number;
  committedAfterBytes: number;
  /** `usedBeforeBytes - usedAfterBytes` (negative when the GC promoted into a grown space). */
  freedBytes: number;
  externalBeforeBytes: number;
  externalAfterBytes: number;
  /** Per space, keyed by V8's space name. */
  spaces: Record<string, GcSpaceDelta>;
}

/** Pause statistics of one GC kind. Milliseconds. */
export interface GcTypeSummary {
  count: number;
  totalMs: number;
  meanMs: number;
  maxMs: number;
  /** Percentiles from a log-linear histogram: within ~6 % of the exact value. */
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  /** Heap bytes freed by GCs of this kind (sum of used before − after). */
  freedBytes: number;
}

export interface GcSummary {
  running: boolean;
  /** Time since `gc.start()` (until `gc.stop()` once stopped). */
  elapsedMs: number;
  /** Number of GCs of every kind. */
  count: number;
  /** Pause time of top-level GCs (nested GCs are already inside them). */
  gcTimeMs: number;
  /** `gcTimeMs / elapsedMs`: the share of wall time the main thread spent paused in GC. */
  gcTimeShare: number;
  /** Heap bytes freed by all GCs. */
  freedBytes: number;
  /** Bytes the old generation grew by during young-generation GCs. */
  promotedBytes: number;
  /** `promotedBytes` / young-generation bytes in use before those GCs. */
  promotionRatio: number;
  /** `promotedBytes` per second of elapsed time. */
  promotedBytesPerSecond: number;
  /** Records overwritten in the ring buffer before `gc.events()` read them. */
  droppedEvents: number;
  /** Epilogues seen without a matching prologue (tracking started mid-GC). */
  unmatchedCallbacks: number;
  /** Deepest GC nesting seen (1 = no nesting). */
  maxNestingDepth: number;
  byType: Partial<Record<GcTypeName, GcTypeSummary>>;
}
