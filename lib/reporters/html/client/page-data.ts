// The data the HTML report's page reads: the contract between the server side
// (html/data.ts builds it from a capture) and the page. Where the page reads a
// capture's figures as they are, their types come from the server side's
// type-only modules, which import nothing from Node, so that the page's type
// check (tsconfig.client.json: DOM lib, no Node types) can include them; Pick<>
// names the fields the page reads. Shapes the page alone has (the compact
// profile, GC events as rows, pool classes) and the few figures it reads from
// Node-bound modules (spaces, heap, allocator, leaks) are declared here. The
// server side's build of PageData checks that a capture provides all of them.
import type { CaptureMeta } from '../../../capture/meta';
import type { Timeline } from '../../../capture/timeline';
import type { ProfileMode } from '../../../profile/data';
import type { TopRow } from '../../../profile/top-row';
import type { FragmentationReport } from '../../../runtime/fragmentation-types';
import type { GcSummary, GcTypeSummary } from '../../../runtime/gc-types';

/** Frame kinds, for colours: the program's code, Node's own JS, a dependency, V8 native code. */
export const FRAME_KIND = { app: 0, node: 1, module: 2, native: 3 } as const;
export type FrameKind = (typeof FRAME_KIND)[keyof typeof FRAME_KIND];

export interface PageProfile {
  mode: ProfileMode;
  /** The malloc profiler's profile, or both side by side (run --native); absent: V8's heap. */
  source?: 'native' | 'both';
  intervalBytes: number;
  totalBytes: number;
  totalObjects: number;
  /** Profiles with live figures (allocated mode, Node ≥ 26): live and temporary totals. */
  totalLiveBytes?: number;
  totalTemporaryBytes?: number;
  /** Nodes dropped because nothing was sampled under them. */
  prunedNodes: number;
  strings: string[];
  /**
   * Per frame: index into `strings` of the function name and of the (shortened)
   * file. `internal`: 1 for a frame the program does not own (Node's own
   * JavaScript, node:…, or allocscope's own files), which the flame graph
   * collapses unless asked to show it.
   */
  frames: { name: number[]; file: number[]; line: number[]; column: number[]; kind: number[]; internal: number[] };
  /** The call tree, node 0 the root, parents before children. Bytes and objects rounded. */
  nodes: { parent: number[]; frame: number[]; selfBytes: number[]; selfObjects: number[] };
}

/** A top table's row, with the allocating frame as text. */
export interface PageTopRow extends Pick<TopRow, 'label' | 'bytes' | 'objects' | 'averageSize' | 'share' | 'cumulativeShare' |
  'liveBytes' | 'liveObjects' | 'temporaryBytes' | 'temporaryObjects'> {
  /** Function and location, for groupings that have an allocating frame (site, function). */
  function?: string;
  location?: string;
}

export type PageMeta = Pick<CaptureMeta, 'node' | 'v8' | 'platform' | 'arch' | 'pid' | 'argv' | 'cwd' | 'startTimeMs' | 'endTimeMs' |
  'reason' | 'exitCode'>;

export type PageTimeline = Pick<Timeline, 'timeMs' | 'heapUsedBytes' | 'heapCommittedBytes' | 'externalBytes' | 'rssBytes' | 'rss'>;

/**
 * A GC event as a row: [epoch ms, pause ms, type, depth, used before, used after,
 * committed before, committed after, external before, external after].
 */
export type PageGcEvent = [number, number, string, number, number, number, number, number, number, number];

export type PageGcTypeSummary = GcTypeSummary;

export type PageGcSummary = Pick<GcSummary, 'elapsedMs' | 'count' | 'gcTimeShare' | 'promotedBytes' | 'promotionRatio' |
  'promotedBytesPerSecond' | 'droppedEvents' | 'byType'>;

export interface PageSpace {
  name: string;
  usedBytes: number;
  committedBytes: number;
  availableBytes: number;
}

/** A space's bar: from the fragmentation report, or computed from `spaces` when a capture has none. */
export interface PageSpaceFragmentation extends PageSpace {
  fragmentation: number;
}

/** The whole report: the page reads most of it, at several levels. */
export type PageFragmentation = FragmentationReport;

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
  noiseZ?: number;
  withinTurnover?: boolean;
}

export interface PageLeaks {
  iterations: number;
  warmup: number;
  intervalBytes: number;
  durationMs: number;
  criteria: { maxPValue: number; minRSquared: number; minSteadiness: number; maxLargestStepShare: number; minGrowthBytes: number; minNoiseZ?: number };
  suspects: PageLeakSite[];
  others: PageLeakSite[];
  constructors: { name: string; countBefore: number; countAfter: number; countDelta: number; selfBytesDelta: number }[] | null;
  retainers: { constructor: string; text: string | null; steps: { node: string; nodeType: string; edge: string; edgeType: string }[] }[] | null;
}

export interface PagePoolClasses {
  name: string;
  classes: { blockBytes: number; totalBytes: number; inUseBytes: number; requestedBytes: number; freeInPartialBytes: number }[];
}

export interface PageTop {
  by: string;
  rows: PageTopRow[];
  total: number;
}

/** One profile the flame graph and the top table can show. */
export interface PageView {
  profile: PageProfile;
  /** Sites at the program's own frames (what Node's JavaScript allocated is charged to its caller). */
  top: PageTop;
  /** Sites at the innermost frame, Node's internals included: the table with "Node internals" shown. */
  topWithInternals: PageTop;
}

/** A top table's row without its figures: what a moment's row names by index. */
export type PageTopLabel = Pick<PageTopRow, 'label' | 'function' | 'location'>;

/** A moment's top table, compact: [label index, bytes, objects] per row, largest first, and the total. */
export interface PageMomentTop {
  rows: [number, number, number][];
  total: number;
}

/**
 * The live heap's moments (captures of `run --mode live`): the live profile after
 * GCs that set a new high, and periodically between them. The moments share one
 * tree; moment i's nodes are entries [offset[i], offset[i + 1]) of node/bytes/objects.
 * Their top tables are built on the server side, as the whole run's are.
 */
export interface PageMoments {
  /** Seconds since meta.startTimeMs (the timeline's axis), and the used heap after the moment's GC. */
  seconds: number[];
  usedBytes: number[];
  /** The moment with the highest used heap; −1 when there is none. */
  peakIndex: number;
  /** The shared tree: a profile's frames and nodes without bytes (nodes with nothing in any moment left out). */
  tree: Pick<PageProfile, 'intervalBytes' | 'strings' | 'frames'> & { nodes: { parent: number[]; frame: number[] } };
  offset: number[];
  node: number[];
  bytes: number[];
  objects: number[];
  /** Top tables at each moment, as `top` and `topWithInternals` are for the whole run. */
  top: { by: string; labels: PageTopLabel[]; program: PageMomentTop[]; innermost: PageMomentTop[] };
  /** Live bytes of the largest sites at each moment (bytes[site][moment]) and of all the others. */
  sites: { labels: string[]; bytes: number[][]; otherBytes: number[] };
}

/** The profiles of a `run --native` capture: the switch above the flame graph picks one. */
export type PageViewName = 'heap' | 'native' | 'both';

export interface PageData {
  version: 1;
  meta: PageMeta;
  profile: PageProfile | null;
  top: PageTop | null;
  topWithInternals: PageTop | null;
  /** Present when the capture has a native profile: `profile`/`top` are the 'heap' view's. */
  views?: Partial<Record<PageViewName, PageView>>;
  /** Present when the capture has the live heap's moments (run --mode live): JS heap only. */
  moments?: PageMoments;
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
