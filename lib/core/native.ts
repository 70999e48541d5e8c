// The only module that loads the addon. It types the binding and nothing more:
// validation, defaults and shaping live in the modules above it.
import * as path from 'node:path';
import nodeGypBuild = require('node-gyp-build');

export interface HeapLayout {
  heapFields: string[];
  spaceFields: string[];
  codeFields: string[];
  spaceNames: string[];
}

export interface GcStartResult {
  /** uv_hrtime() at start: the clock of process.hrtime.bigint(). */
  originNs: bigint;
  recordWidth: number;
  headerFields: number;
}

export interface GcReadResult {
  records: Float64Array;
  nextSeq: number;
  oldestSeq: number;
}

export interface RawGlibcStats {
  arena: number; ordblks: number; hblks: number; hblkhd: number;
  uordblks: number; fordblks: number; keepcost: number; fsmblks: number;
}

export interface RawJemallocStats {
  allocated: number | null; active: number | null; resident: number | null;
  mapped: number | null; retained: number | null; metadata: number | null;
}

export interface RawProfile {
  strings: string[];
  frames: { name: Uint32Array; script: Uint32Array; line: Int32Array; column: Int32Array; scriptId: Int32Array };
  /** liveBytes/liveCount: allocated mode where constants.sampleLiveness (V8 14+). */
  nodes: { parent: Int32Array; frame: Uint32Array; selfBytes: Float64Array; selfCount: Float64Array; liveBytes?: Float64Array; liveCount?: Float64Array };
  folds?: number;
}

export interface RawRetainerStep {
  node: string;
  nodeType: string;
  edge: string;
  edgeType: string;
}

export interface RawSnapshotTarget {
  retainedBytes: number;
  selfBytes: number;
  deepBytes?: number;
  name: string;
  nodeType: string;
  top: Array<{ path: string; name: string; retainedBytes: number }>;
}

export interface RawSnapshotAnalysis {
  nodeCount: number;
  edgeCount: number;
  totalBytes: number;
  graphBytes: number;
  takeMs: number;
  analyzeMs: number;
  phases: {
    convertMs: number; dominatorsMs: number; classesMs: number; pathsMs: number;
    /** CPU time of the thread (without preemption), for benchmarks. */
    takeCpuMs: number; convertCpuMs: number; analyzeCpuMs: number;
    /** Bytes the conversion held beside the graph (node index, name cache). */
    conversionBytes: number;
    /** How V8's node pointers were mapped to ordinals: 'runs' (fast path) or 'hash' (fallback). */
    nodeIndex: 'runs' | 'hash';
    /** The process' peak RSS (MiB) after V8 took the snapshot, after the conversion, at the end. */
    peakAfterTakeMB: number; peakAfterConvertMB: number; peakEndMB: number;
  };
  classes: { names: string[]; count: Float64Array; selfBytes: Float64Array; retainedBytes: Float64Array };
  retainerPaths: Array<RawRetainerStep[] | null>;
  /** Present when a target was passed; null when it was not found in the snapshot. */
  target?: RawSnapshotTarget | null;
}

export interface NativeBinding {
  heapLayout(): HeapLayout;
  readHeap(out: Float64Array): void;
  readSpaces(out: Float64Array): void;
  readCode(out: Float64Array): void;
  gcStart(capacity: number): GcStartResult | null;
  gcStop(): boolean;
  gcRead(fromSeq: number): GcReadResult;
  gcCounters(): Float64Array;
  gcSetNotify(fn: (() => void) | null): void;
  gcSimulate(phase: 0 | 1, type: number, flags: number): number;
  samplerStart(intervalBytes: number, stackDepth: number, mode: 0 | 1): boolean;
  samplerStop(): boolean;
  samplerCollect(): RawProfile;
  samplerFold(): boolean;
  collectGarbage(): void;
  /** Calls fn() n times from C++ (the benchmark counting pass) and returns the last result; a throw stops the loop and propagates. */
  callRepeatedly(fn: () => unknown, n: number): unknown;
  rssStart(periodMs: number, capacity: number): boolean;
  rssStop(): boolean;
  rssRead(): Float64Array;
  poolCreate(classes: Float64Array, slabBytes: number, maxBytes: number, emptySlabsKept: number): number;
  poolAlloc(pool: number, size: number): Buffer | undefined;
  poolRelease(pool: number, buffer: Buffer): 0 | 1 | 2;
  poolStats(pool: number): Float64Array;
  poolClose(pool: number): void;
  readMalloc(): { glibc: RawGlibcStats | null; jemalloc: RawJemallocStats | null };
  liveCounters(): { envStates: number; gcCallbackPairs: number };
  /** CPU time of the calling thread, ns (CLOCK_THREAD_CPUTIME_ID; NaN where unsupported). */
  threadCpuNs(): number;
  /** Near-heap-limit capture: writer(heapLimitBytes, initialHeapLimitBytes) runs once, from an interrupt outside GC. False when armed already. */
  heapLimitArm(writer: (heapLimitBytes: number, initialHeapLimitBytes: number) => void, headroomBytes: number): boolean;
  heapLimitDisarm(): boolean;
  heapLimitState(): { armed: boolean; fired: boolean; written: boolean; heapLimitBytes: number; initialHeapLimitBytes: number; extensions: number };
  /** `forcePointerHash` (tests only): map node pointers with the fallback hash. */
  snapshotAnalyze(progress: boolean, retainerPathsFor: string[], target: object | undefined, targetTop: number, targetDeep: boolean,
    forcePointerHash?: boolean): RawSnapshotAnalysis;
  constants: {
    histogramBuckets: number;
    histogramSubBits: number;
    gcKindCount: number;
    gcKindFields: number;
    gcCounterHeader: number;
    gcKindNames: string[];
    v8Version: string;
    /** V8 tells per sample whether its object lives (AllocationProfile::Sample::is_live, V8 14+). */
    sampleLiveness: boolean;
    snapshot: { nodeTypes: string[]; edgeTypes: string[]; nodeBytes: number; edgeBytes: number };
  };
}

function load(): NativeBinding {
  // ALLOCSCOPE_ADDON points at a specific build (the ASan lane uses it).
  const explicit = process.env.ALLOCSCOPE_ADDON;
  if (explicit) return require(path.resolve(explicit)) as NativeBinding;
  return nodeGypBuild(path.join(__dirname, '..', '..')) as NativeBinding;
}

export const native: NativeBinding = load();
