// The plain-data form of an allocation profile: what the addon returns, what a
// worker posts to the main thread, and what a capture file stores.

/** Sampling mode: what the sample values mean. */
export type ProfileMode = 'live' | 'allocated';

/** Columns of the frame table (one frame per distinct function + location). */
export interface FrameColumns {
  /** Index into `strings` of the function name ('' for anonymous). */
  name: ArrayLike<number>;
  /** Index into `strings` of the script (file path or URL; '' for builtins). */
  script: ArrayLike<number>;
  /** 1-based line of the function's start (V8 reports functions, not statements). */
  line: ArrayLike<number>;
  /** 1-based column of the function's start. */
  column: ArrayLike<number>;
  /** V8's script id (0 for builtins). */
  scriptId: ArrayLike<number>;
}

/** Columns of the call tree. Node 0 is the root (parent −1). */
export interface NodeColumns {
  parent: ArrayLike<number>;
  frame: ArrayLike<number>;
  /** Estimated bytes allocated by this frame itself at this stack (unbiased). */
  selfBytes: ArrayLike<number>;
  /** Estimated objects allocated by this frame itself at this stack (unbiased). */
  selfCount: ArrayLike<number>;
  /**
   * Allocated-mode profiles recorded where V8 tells which samples are alive
   * (Node ≥ 26, V8 14: `heap.capabilities().liveInAllocatedMode`): the part of
   * `selfBytes` still alive at the end of the fold window in which it was
   * sampled (the collection, for the last window). Absent elsewhere, never zero-filled.
   * Temporary bytes are `selfBytes − liveBytes`. See docs/heap-profiler.md.
   */
  liveBytes?: ArrayLike<number>;
  /** The part of `selfCount` still alive, as `liveBytes`. Present exactly when `liveBytes` is. */
  liveCount?: ArrayLike<number>;
}

/** Where a frame came from before compilation, when a source map says so. */
export interface OriginalPosition {
  file: string;
  line: number;
  column: number;
  name: string | null;
}

export interface ProfileData {
  version: 1;
  mode: ProfileMode;
  intervalBytes: number;
  stackDepth: number;
  /** Epoch milliseconds of the sampler's start and of the collection. */
  startTimeMs: number;
  endTimeMs: number;
  /** Thread ids that contributed (0 = main thread). */
  threadIds: number[];
  strings: string[];
  frames: FrameColumns;
  nodes: NodeColumns;
  /** Per frame index, its original position (source maps), or null. */
  original?: (OriginalPosition | null)[];
  /**
   * 'native': the malloc profiler's (native frames, allocator leaves); absent for
   * V8's heap profiles. A native profile's sites are the program's frames: Node's own
   * JavaScript (node:…) is passed through as builtins are.
   */
  source?: 'native';
  /**
   * A moment of the live heap (heap.start({ peak: true })): when it was taken, in ms
   * since the sampler's start, the used heap after the GC that called for it,
   * and whether it is the run's peak. Absent for profiles collected on demand.
   */
  moment?: ProfileMoment;
}

export interface ProfileMoment {
  at: number;
  usedBytes: number;
  isPeak: boolean;
}
