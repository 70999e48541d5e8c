// V8 heap statistics as typed objects. The addon fills a preallocated
// Float64Array; this module names the numbers.
import * as profiler from '../sampler/heap-profiler';
import { nativeNamespace } from '../core/native';

/** Totals over the whole V8 heap of this isolate (thread). All sizes in bytes. */
export interface HeapStats {
  /** Committed size of all heap spaces (what `v8.getHeapStatistics().total_heap_size` reports). */
  totalHeapSizeBytes: number;
  /** Committed size of the executable (code) part of the heap. */
  totalHeapSizeExecutableBytes: number;
  /** Committed heap memory actually backed by physical pages. */
  totalPhysicalSizeBytes: number;
  /** How much more the heap may grow before hitting `heapSizeLimitBytes`. */
  totalAvailableSizeBytes: number;
  /** Bytes occupied by objects (live, or dead but not yet collected). */
  usedHeapSizeBytes: number;
  /** The heap limit (`--max-old-space-size` and friends). */
  heapSizeLimitBytes: number;
  /** Memory V8 itself holds through malloc (zones, tables), outside the JS heap. */
  mallocedMemoryBytes: number;
  /** High-water mark of `mallocedMemoryBytes`. */
  peakMallocedMemoryBytes: number;
  /** External memory V8 accounts for: ArrayBuffer/Buffer backing stores and `AdjustAmountOfExternalAllocatedMemory`. */
  externalMemoryBytes: number;
  numberOfNativeContexts: number;
  /** Contexts no longer referenced but not yet collected: a growing number hints at a leak. */
  numberOfDetachedContexts: number;
  totalGlobalHandlesSizeBytes: number;
  usedGlobalHandlesSizeBytes: number;
  /** True under `--zap-code-space`/debug builds: freed memory is overwritten. */
  doesZapGarbage: boolean;
}

/** Code and metadata sizes. Collecting them walks the code spaces: milliseconds, not microseconds. */
export interface CodeStats {
  codeAndMetadataBytes: number;
  bytecodeAndMetadataBytes: number;
  externalScriptSourceBytes: number;
  cpuProfilerMetadataBytes: number;
}

/** `native.heapStats`: native/heap_stats.cc. Each read fills the caller's Float64Array, in `layout()`'s order. */
interface HeapStatsBinding {
  layout(): { heapFields: string[]; spaceFields: string[]; codeFields: string[]; spaceNames: string[] };
  readHeap(out: Float64Array): void;
  /** spaceNames.length rows of spaceFields.length values. */
  readSpaces(out: Float64Array): void;
  readCode(out: Float64Array): void;
}

/** Shared with spaces.ts, which reads the per-space rows. */
export const heapStatsBinding = nativeNamespace<HeapStatsBinding>('heapStats');
const layout = heapStatsBinding.layout();
const heapBuffer = new Float64Array(layout.heapFields.length);
const codeBuffer = new Float64Array(layout.codeFields.length);

function at(names: string[], buffer: Float64Array, name: string): number {
  const index = names.indexOf(name);
  if (index < 0) throw new Error(`allocscope: the addon reports no field "${name}"`);
  return buffer[index]!;
}

export const heap = {
  /** Starts the sampling heap profiler on this thread (see HeapStartOptions). */
  start: profiler.start,
  /** Stops it; false (no-op) when not running. */
  stop: profiler.stop,
  /** The allocation profile so far, as a Profile (see HeapProfileOptions). */
  profile: profiler.profile,
  /** The live profile at the high-water mark since start (needs `peak: true`); null before the first major GC. */
  peakProfile: profiler.peakProfile,
  /** The moments of the live heap so far (needs `peak: true`): the peak's and one per period, for memory over time. */
  moments: profiler.moments,
  /** What this Node's sampler supports: e.g. live figures in allocated mode (Node ≥ 26). */
  capabilities: profiler.capabilities,
  /** Whether the sampler runs on this thread. */
  get running(): boolean {
    return profiler.isRunning();
  },

  /** Heap totals of the calling thread's isolate (~1 µs, no allocation in the addon). */
  stats(): HeapStats {
    heapStatsBinding.readHeap(heapBuffer);
    const f = (name: string) => at(layout.heapFields, heapBuffer, name);
    return {
      totalHeapSizeBytes: f('totalHeapSize'),
      totalHeapSizeExecutableBytes: f('totalHeapSizeExecutable'),
      totalPhysicalSizeBytes: f('totalPhysicalSize'),
      totalAvailableSizeBytes: f('totalAvailableSize'),
      usedHeapSizeBytes: f('usedHeapSize'),
      heapSizeLimitBytes: f('heapSizeLimit'),
      mallocedMemoryBytes: f('mallocedMemory'),
      peakMallocedMemoryBytes: f('peakMallocedMemory'),
      externalMemoryBytes: f('externalMemory'),
      numberOfNativeContexts: f('numberOfNativeContexts'),
      numberOfDetachedContexts: f('numberOfDetachedContexts'),
      totalGlobalHandlesSizeBytes: f('totalGlobalHandlesSize'),
      usedGlobalHandlesSizeBytes: f('usedGlobalHandlesSize'),
      doesZapGarbage: f('doesZapGarbage') !== 0,
    };
  },

  /** Code/bytecode/metadata sizes (slow: walks the code spaces; call it on demand). */
  codeStats(): CodeStats {
    heapStatsBinding.readCode(codeBuffer);
    const f = (name: string) => at(layout.codeFields, codeBuffer, name);
    return {
      codeAndMetadataBytes: f('codeAndMetadataSize'),
      bytecodeAndMetadataBytes: f('bytecodeAndMetadataSize'),
      externalScriptSourceBytes: f('externalScriptSourceSize'),
      cpuProfilerMetadataBytes: f('cpuProfilerMetadataSize'),
    };
  },
};
