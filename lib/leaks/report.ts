// What leaks.find() reports: plain, JSON-safe data (schema in docs/leaks.md),
// so that reports can be rendered anywhere and tools can read it.
import type { GrowthFit } from './growth-fit';
import type { InliningState } from '../sampler/inlining';

/** One frame of a stack, allocating frame first. */
export interface LeakFrame {
  function: string;
  file: string;
  line: number;
  column: number;
}

/** An allocation site and how its live bytes evolved over the iterations. */
export interface LeakSite extends GrowthFit {
  /** "fn (file:line:column)": the allocating function (V8 builtins are attributed to their JS caller). */
  site: string;
  function: string;
  file: string;
  line: number;
  column: number;
  /**
   * The call stack that added most of this site's growth, allocating frame first
   * (for a site inside Node's own code, the frames below it name the caller).
   */
  stack: LeakFrame[];
  /** Estimated live bytes of this site after each iteration's full GC: the warm-up points, then the measured ones. */
  liveBytes: number[];
  /** Estimated live objects of this site at the last point. */
  liveObjects: number;
  /**
   * Net rise over the measured points in standard deviations of sampling turnover
   * (samples of replaced objects coming and going): a suspect needs ≥ 3.
   */
  noiseZ: number;
  /** True when the site met every criterion of a leak (see LeakFindOptions). */
  suspect: boolean;
  /**
   * True when the site met every criterion but the last: it grew steadily, by less
   * than sampling turnover alone can move it (noiseZ < 3). More iterations or a
   * smaller interval decide. Absent in reports written before it existed.
   */
  withinTurnover?: boolean;
}

/** objgraph's show_growth: one constructor's instance count between the first and the last measured point. */
export interface ConstructorGrowth {
  name: string;
  countBefore: number;
  countAfter: number;
  countDelta: number;
  selfBytesBefore: number;
  selfBytesAfter: number;
  selfBytesDelta: number;
}

/** The shortest chain of references from a GC root to one instance of a growing constructor. */
export interface LeakRetainer {
  constructor: string;
  /** The chain as one line: "(GC roots) → … → cache (Map) → … → Session"; null when no path was found (only weak references left). */
  text: string | null;
  steps: Array<{ node: string; nodeType: string; edge: string; edgeType: string }>;
}

export interface LeakReport {
  format: 'allocscope-leaks';
  version: 1;
  iterations: number;
  warmup: number;
  /** Live profiles fitted: the one after warm-up, then one per measured iteration (iterations − warmup + 1). */
  points: number;
  intervalBytes: number;
  startTimeMs: number;
  durationMs: number;
  /**
   * V8's inlining during the run: `off` when find() turned it off (its default)
   * or the process runs without it (`--no-turbo-inlining --no-maglev-inlining`); `on` when V8 inlined
   * (an inlined function's allocations then count at its caller). Absent in older reports.
   */
  inlining?: InliningState;
  /** V8's used heap after each point's full GC (warm-up points first), bytes. */
  heapUsedBytes: number[];
  /** Sum of the sampled live bytes at each point. */
  sampledLiveBytes: number[];
  /** The criteria a site had to meet to be a suspect. */
  criteria: { maxPValue: number; minRSquared: number; minSteadiness: number; maxLargestStepShare: number; minGrowthBytes: number; minNoiseZ: number };
  /** Sites that grow steadily, largest slope first. */
  suspects: LeakSite[];
  /** The other sites with the largest growth (not suspects), for context. */
  others: LeakSite[];
  /** `native: true`: the sum of the malloc profiler's sampled live bytes at each point. */
  nativeSampledLiveBytes?: number[];
  /** `native: true`: native sites (malloc & co. by the program's frames) that grow steadily, by the same criteria. */
  nativeSuspects?: LeakSite[];
  /** `native: true`: the other growing native sites. */
  nativeOthers?: LeakSite[];
  /** Constructors whose instance count grew from the first to the last measured point, most new instances first; null without snapshots. */
  constructors: ConstructorGrowth[] | null;
  /** Retainer chains of the constructors that grew the most; null without snapshots. */
  retainers: LeakRetainer[] | null;
  /** Heap snapshot cost: the snapshots taken and the time spent in them. */
  snapshots: { taken: number; takeMs: number; analyzeMs: number; nodeCount: number } | null;
  /** Where this ran. */
  threadId: number;
}
