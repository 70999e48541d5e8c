// The data the HTML report's page reads: the contract between the server side
// (html/data.ts builds it from a capture) and the page. Only the fields the page
// reads are declared, so this file imports nothing from the server side and the
// page's type check (tsconfig.client.json, DOM lib) stays within the client; the
// server side's build of PageData checks that a capture provides all of them.

/** Frame kinds, for colours: the program's code, Node's own JS, a dependency, V8 native code. */
export const FRAME_KIND = { app: 0, node: 1, module: 2, native: 3 } as const;
export type FrameKind = (typeof FRAME_KIND)[keyof typeof FRAME_KIND];

export interface PageProfile {
  mode: 'live' | 'allocated';
  intervalBytes: number;
  totalBytes: number;
  totalObjects: number;
  /** Profiles with live figures (allocated mode, Node ≥ 26): live and temporary totals. */
  totalLiveBytes?: number;
  totalTemporaryBytes?: number;
  /** Nodes dropped because nothing was sampled under them. */
  prunedNodes: number;
  strings: string[];
  /** Per frame: index into `strings` of the function name and of the (shortened) file. */
  frames: { name: number[]; file: number[]; line: number[]; column: number[]; kind: number[] };
  /** The call tree, node 0 the root, parents before children. Bytes and objects rounded. */
  nodes: { parent: number[]; frame: number[]; selfBytes: number[]; selfObjects: number[] };
}

export interface PageTopRow {
  label: string;
  /** Function and location, for groupings that have an allocating frame (site, function). */
  function?: string;
  location?: string;
  bytes: number;
  objects: number;
  averageSize: number;
  share: number;
  cumulativeShare: number;
  /** Profiles with live figures only. */
  liveBytes?: number;
  liveObjects?: number;
  temporaryBytes?: number;
  temporaryObjects?: number;
}

export interface PageMeta {
  node: string;
  v8: string;
  platform: string;
  arch: string;
  pid: number;
  argv: string[];
  cwd: string;
  startTimeMs: number;
  endTimeMs: number;
  reason: string;
  exitCode?: number | null;
}

export interface PageTimeline {
  timeMs: number[];
  heapUsedBytes: number[];
  heapCommittedBytes: number[];
  externalBytes: number[];
  rssBytes: number[];
  /** RSS sampled by a background thread (absent without /proc). */
  rss?: { timeMs: number[]; bytes: number[] };
}

/**
 * A GC event as a row: [epoch ms, pause ms, type, depth, used before, used after,
 * committed before, committed after, external before, external after].
 */
export type PageGcEvent = [number, number, string, number, number, number, number, number, number, number];

export interface PageGcTypeSummary {
  count: number;
  totalMs: number;
  meanMs: number;
  maxMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  freedBytes: number;
}

export interface PageGcSummary {
  elapsedMs: number;
  count: number;
  gcTimeShare: number;
  promotedBytes: number;
  promotionRatio: number;
  promotedBytesPerSecond: number;
  droppedEvents: number;
  byType: Partial<Record<string, PageGcTypeSummary>>;
}

export interface PageSpace {
  name: string;
  usedBytes: number;
  committedBytes: number;
  availableBytes: number;
}

export interface PageSpaceFragmentation extends PageSpace {
  fragmentation: number;
}

export interface PageFragmentation {
  v8: {
    spaces: PageSpaceFragmentation[];
    total: { usedBytes: number; committedBytes: number; physicalBytes: number; fragmentation: number };
  };
  glibc: null | { arenaBytes: number; inUseBytes: number; freeBytes: number; mmappedBytes: number; topPadBytes: number; fragmentation: number };
  jemalloc: null | { allocatedBytes: number; activeBytes: number; residentBytes: number; fragmentation: number; residentToActive: number };
  process: {
    rssBytes: number;
    v8PhysicalBytes: number;
    mallocFootprintBytes: number;
    accountedBytes: number;
    unattributedBytes: number;
    unattributedShare: number;
  };
}

export interface PageLeakFrame {
  function: string;
  file: string;
  line: number;
  column: number;
}

export interface PageLeakSite {
  site: string;
  slopeBytesPerIteration: number;
  interceptBytes: number;
  rSquared: number;
  confidence: number | null;
  steadiness: number;
  stack: PageLeakFrame[];
  liveBytes: number[];
  liveObjects: number;
}

export interface PageLeaks {
  iterations: number;
  warmup: number;
  intervalBytes: number;
  durationMs: number;
  criteria: { maxPValue: number; minRSquared: number; minSteadiness: number; maxLargestStepShare: number; minGrowthBytes: number };
  suspects: PageLeakSite[];
  others: PageLeakSite[];
  constructors: { name: string; countBefore: number; countAfter: number; countDelta: number; selfBytesDelta: number }[] | null;
  retainers: { constructor: string; text: string | null; steps: { node: string; nodeType: string; edge: string; edgeType: string }[] }[] | null;
}

export interface PagePoolClasses {
  name: string;
  classes: { blockBytes: number; totalBytes: number; inUseBytes: number; requestedBytes: number; freeInPartialBytes: number }[];
}

export interface PageData {
  version: 1;
  meta: PageMeta;
  profile: PageProfile | null;
  top: { by: string; rows: PageTopRow[]; total: number } | null;
  timeline: PageTimeline;
  gcEvents: PageGcEvent[];
  gc: PageGcSummary | null;
  heap: { usedHeapSizeBytes: number; totalHeapSizeBytes: number; externalMemoryBytes: number };
  spaces: PageSpace[];
  malloc: { allocator: string } | null;
  fragmentation: PageFragmentation | null;
  /** Pool statistics as flat table rows (any JSON the program registered). */
  pools: unknown[];
  /** What `allocscope leaks` found, or null. */
  leaks: PageLeaks | null;
  /** Buffer pools' size classes, for the per-class bars. */
  poolClasses: PagePoolClasses[];
}
