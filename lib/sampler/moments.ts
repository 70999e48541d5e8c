// Moments of the live heap (native/peak_watch.cc): the live profile as it stood
// after GCs that set a new high of the used heap, and at most every `periodMs`
// between them. The peak is the moment with the highest used heap. After a
// scavenge, old objects that died since the last major GC are still counted, as
// they are in the used heap: V8 has not looked at them yet. Moments share one frame tree
// and keep their nodes' bytes sparsely, so a run's history stays small.
import { resolveOptions } from '../core/options';
import type { FrameColumns, OriginalPosition, ProfileData, ProfileMode } from './../profile/data';

export interface PeakOptions {
  /**
   * Share of wall time the collections may take: a credit of time grows by
   * budget × elapsed time (from and up to a 20 ms burst) and each collection spends
   * what it took; while it is spent, a new high waits for a later GC. Default 0.01 (1 %).
   */
  budget?: number;
  /** A moment at least this often, at the next GC (the memory-over-time series). Default 1000. */
  periodMs?: number;
  /** Moments kept; past it every other one is dropped (never the peak's or the newest). Default 240. */
  maxMoments?: number;
  /** A new high is this many bytes (or 1 %, whichever is more) above the peak so far. Default 1 MiB. */
  minGrowthBytes?: number;
}

export type ResolvedPeakOptions = Required<PeakOptions>;

export const PEAK_DEFAULTS: ResolvedPeakOptions = Object.freeze({ budget: 0.01, periodMs: 1000, maxMoments: 240, minGrowthBytes: 1 << 20 });
export const PEAK_SCHEMA = {
  budget: { kind: 'number', min: 0.0001, max: 0.5 },
  periodMs: { kind: 'integer', min: 10, max: 3_600_000 },
  maxMoments: { kind: 'integer', min: 4, max: 100_000 },
  minGrowthBytes: { kind: 'integer', min: 0, max: 2 ** 40 },
} as const;

/** `peak: true | {…}` → settings; false/undefined → null (no moments). */
export function resolvePeakOptions(where: string, value: unknown): ResolvedPeakOptions | null {
  if (value === undefined || value === false) return null;
  if (value === true) return { ...PEAK_DEFAULTS };
  return resolveOptions(`${where} option "peak"`, value, PEAK_DEFAULTS, PEAK_SCHEMA);
}

/** What the addon exports (sampler.moments()). */
export interface RawMoments {
  tree: { strings: string[]; frames: FrameColumns; nodes: { parent: Int32Array; frame: Uint32Array } };
  moments: { atMs: Float64Array; usedBytes: Float64Array; major: Uint8Array; offset: Uint32Array; node: Uint32Array; bytes: Float64Array; count: Float64Array };
  peakIndex: number;
  figures: MomentFigures;
}

/** What the watch did: for checking its cost and coverage. */
export interface MomentFigures {
  /** GCs (scavenges and major ones) and major GCs seen since start. */
  gcs: number;
  majorGcs: number;
  /** Live profiles collected (moments taken, before thinning). */
  collections: number;
  /** Time the collections took, in total and the longest one (ms, on the isolate's thread). */
  costMs: number;
  maxCostMs: number;
  /**
   * The collections split in the isolate thread's CPU time (ms): V8's GetAllocationProfile
   * and allocscope's own part (folding into the shared tree, storing the moment); the
   * longest own part, its largest ratio to the GetAllocationProfile of the same
   * collection, and how many collections' own part took longer than theirs.
   */
  gapCpuMs: number;
  ownCpuMs: number;
  maxOwnCpuMs: number;
  maxOwnOverGap: number;
  ownOverGap: number;
  /** New highs not collected because the budget did not allow it yet. */
  rateLimited: number;
  /** Moments dropped to stay within maxMoments. */
  thinned: number;
  /** The highest used heap after any GC since start, and when (ms since start). */
  highestUsedBytes: number;
  highestAtMs: number;
  /** ms from start to this reading. */
  sinceStartMs: number;
}

/** A run's moments in plain data: what a capture stores (`memoryOverTime`). */
export interface MomentsData {
  /** The shared tree: frames and nodes; a moment's bytes are per node. */
  strings: string[];
  frames: FrameColumns;
  nodes: { parent: ArrayLike<number>; frame: ArrayLike<number> };
  /** Per moment: ms since the sampler's start, the used heap after its GC, and whether that GC was a major one (1). */
  atMs: ArrayLike<number>;
  usedBytes: ArrayLike<number>;
  major: ArrayLike<number>;
  /** Moment i's entries are [offset[i], offset[i + 1]) of node/bytes/count. */
  offset: ArrayLike<number>;
  node: ArrayLike<number>;
  bytes: ArrayLike<number>;
  count: ArrayLike<number>;
  /** Index of the peak moment; −1 when there is none. */
  peakIndex: number;
  figures: MomentFigures;
  /** The sampler's start (epoch ms) and its settings, for the profiles built from it. */
  startTimeMs: number;
  intervalBytes: number;
  stackDepth: number;
  threadIds: number[];
  /** Per frame of the shared tree, its original position (source maps), as in ProfileData. */
  original?: (OriginalPosition | null)[];
}

export function momentsData(raw: RawMoments, session: { startTimeMs: number; intervalBytes: number; stackDepth: number; threadIds: number[] }): MomentsData {
  const { tree, moments } = raw;
  return {
    strings: tree.strings, frames: tree.frames, nodes: { parent: tree.nodes.parent, frame: tree.nodes.frame },
    atMs: moments.atMs, usedBytes: moments.usedBytes, major: moments.major, offset: moments.offset, node: moments.node, bytes: moments.bytes, count: moments.count,
    peakIndex: raw.peakIndex, figures: raw.figures, ...session,
  };
}

/** Number of moments. */
export function momentCount(m: MomentsData): number {
  return m.atMs.length;
}

/** Moment `i` as a live profile's data (`moment` says when, and whether it is the peak). */
export function momentProfileData(m: MomentsData, i: number): ProfileData {
  const n = m.nodes.parent.length;
  const selfBytes = new Float64Array(n);
  const selfCount = new Float64Array(n);
  for (let k = m.offset[i]!; k < m.offset[i + 1]!; k++) {
    selfBytes[m.node[k]!] = m.bytes[k]!;
    selfCount[m.node[k]!] = m.count[k]!;
  }
  const mode: ProfileMode = 'live';
  return {
    version: 1, mode, intervalBytes: m.intervalBytes, stackDepth: m.stackDepth,
    startTimeMs: m.startTimeMs, endTimeMs: m.startTimeMs + m.atMs[i]!, threadIds: m.threadIds,
    strings: m.strings, frames: m.frames,
    nodes: { parent: m.nodes.parent, frame: m.nodes.frame, selfBytes, selfCount },
    moment: { at: m.atMs[i]!, usedBytes: m.usedBytes[i]!, isPeak: i === m.peakIndex },
    ...(m.original ? { original: m.original } : {}),
  };
}
