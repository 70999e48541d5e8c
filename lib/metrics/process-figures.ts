// Process-wide figures (the C allocator is shared by all threads), read on the
// main thread only. glibc's mallinfo2 walks every arena under its lock (ms on
// big heaps, and other threads' mallocs wait), so the allocator is re-read at
// most every `mallocMaxAgeMs`; the figures in between are the cached ones.
import { fragmentationFrom } from '../runtime/fragmentation';
import { malloc, type MallocStats } from '../runtime/malloc';

export interface MallocFigures {
  allocator: 'glibc' | 'jemalloc';
  allocatedBytes: number;
  freeBytes: number;
  footprintBytes: number;
  fragmentationRatio: number;
  readAgeSeconds: number;
}

export interface ProcessFigures {
  malloc: MallocFigures | null;
  /**
   * RSS − (V8 physical heap of every thread reported + allocator footprint), as
   * of the allocator reading; null without allocator figures.
   */
  unattributedBytes: number | null;
}

/**
 * @param v8PhysicalBytes physical V8 heap of all threads whose figures are known
 * @param mallocMaxAgeMs re-read the allocator only when its figures are older
 */
let last: { reading: MallocStats; figures: ProcessFigures } | undefined;

export function readProcessFigures(v8PhysicalBytes: number, mallocMaxAgeMs: number): ProcessFigures {
  // maxAgeMs 0 in malloc.stats() means "always read"; here it means the same.
  const m = malloc.stats({ maxAgeMs: mallocMaxAgeMs });
  // Same allocator reading as last time: reuse everything computed from it (RSS
  // included, ~10 µs to read), so that the unattributed figure compares one moment.
  if (last && last.reading === m && last.figures.malloc) {
    return { ...last.figures, malloc: { ...last.figures.malloc, readAgeSeconds: Math.max(0, (Date.now() - m.readAtMs) / 1e3) } };
  }
  const report = fragmentationFrom({ spaces: [], malloc: m, rssBytes: process.memoryUsage.rss(), v8PhysicalBytes });
  const readAgeSeconds = Math.max(0, (Date.now() - m.readAtMs) / 1e3);
  let figures: MallocFigures | null = null;
  if (report.jemalloc) {
    const j = report.jemalloc;
    figures = { allocator: 'jemalloc', allocatedBytes: j.allocatedBytes, freeBytes: j.activeBytes - j.allocatedBytes, footprintBytes: j.residentBytes, fragmentationRatio: j.fragmentation, readAgeSeconds };
  } else if (report.glibc) {
    const g = report.glibc;
    figures = { allocator: 'glibc', allocatedBytes: g.inUseBytes + g.mmappedBytes, freeBytes: g.freeBytes, footprintBytes: g.arenaBytes + g.mmappedBytes, fragmentationRatio: g.fragmentation, readAgeSeconds };
  }
  const result = { malloc: figures, unattributedBytes: figures ? report.process.unattributedBytes : null };
  last = { reading: m, figures: result };
  return result;
}
