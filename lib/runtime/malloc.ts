// C allocator statistics (glibc mallinfo2, jemalloc mallctl). Reading them walks
// free lists under the allocator's locks, so results are cached for `maxAgeMs`.
import { nativeNamespace } from '../core/native';
import { resolveOptions } from '../core/options';
import * as profiler from '../sampler/native-profiler';

export interface GlibcStats {
  /** Non-mmapped bytes obtained from the OS (all arenas). */
  arenaBytes: number;
  /** Bytes in use in the arenas (`uordblks`). */
  inUseBytes: number;
  /** Free bytes held in the arenas (`fordblks`). */
  freeBytes: number;
  /** Bytes in chunks served directly by mmap (`hblkhd`). */
  mmappedBytes: number;
  /** Number of mmapped chunks (`hblks`). */
  mmappedChunks: number;
  /** Free bytes at the top of the main arena that `malloc_trim` could release (`keepcost`). */
  topPadBytes: number;
  /** Free bytes in fastbins (`fsmblks`). */
  fastbinFreeBytes: number;
  /** Number of free chunks (`ordblks`). */
  freeChunks: number;
}

export interface JemallocStats {
  /** Bytes allocated by the application. */
  allocatedBytes: number | null;
  /** Bytes in active pages (a multiple of the page size, ≥ allocated). */
  activeBytes: number | null;
  /** Bytes in physically resident data pages mapped by the allocator. */
  residentBytes: number | null;
  /** Bytes in active extents mapped by the allocator. */
  mappedBytes: number | null;
  /** Bytes in virtual memory mappings retained rather than returned to the OS. */
  retainedBytes: number | null;
  /** Bytes dedicated to allocator metadata. */
  metadataBytes: number | null;
}

export interface MallocStats {
  /** Which allocator serves `malloc` in this process. */
  allocator: 'jemalloc' | 'glibc' | 'unknown';
  /** glibc figures (null off glibc, or when jemalloc replaced glibc's malloc). */
  glibc: GlibcStats | null;
  /** jemalloc figures, when jemalloc is loaded (e.g. `LD_PRELOAD=libjemalloc.so.2`). */
  jemalloc: JemallocStats | null;
  /** `Date.now()` when the figures were read. */
  readAtMs: number;
}

export interface MallocStatsOptions {
  /** Return cached figures if they are younger than this. Default 0 (always read). */
  maxAgeMs?: number;
}

/** `native.malloc`: native/malloc_stats.cc. A null section: that allocator is absent; a null field: jemalloc lacks that stat. */
interface MallocBinding {
  read(): {
    glibc: { arena: number; ordblks: number; hblks: number; hblkhd: number; uordblks: number; fordblks: number; keepcost: number; fsmblks: number } | null;
    jemalloc: { allocated: number | null; active: number | null; resident: number | null; mapped: number | null; retained: number | null; metadata: number | null } | null;
  };
}

const binding = nativeNamespace<MallocBinding>('malloc');
let cached: MallocStats | undefined;

function read(): MallocStats {
  const raw = binding.read();
  const jemalloc: JemallocStats | null = raw.jemalloc && {
    allocatedBytes: raw.jemalloc.allocated,
    activeBytes: raw.jemalloc.active,
    residentBytes: raw.jemalloc.resident,
    mappedBytes: raw.jemalloc.mapped,
    retainedBytes: raw.jemalloc.retained,
    metadataBytes: raw.jemalloc.metadata,
  };
  // Under jemalloc, glibc's arenas serve (almost) nothing: its mallinfo2 is noise.
  const glibc: GlibcStats | null = raw.glibc && !jemalloc ? {
    arenaBytes: raw.glibc.arena,
    inUseBytes: raw.glibc.uordblks,
    freeBytes: raw.glibc.fordblks,
    mmappedBytes: raw.glibc.hblkhd,
    mmappedChunks: raw.glibc.hblks,
    topPadBytes: raw.glibc.keepcost,
    fastbinFreeBytes: raw.glibc.fsmblks,
    freeChunks: raw.glibc.ordblks,
  } : null;
  return { allocator: jemalloc ? 'jemalloc' : glibc ? 'glibc' : 'unknown', glibc, jemalloc, readAtMs: Date.now() };
}

export const malloc = {
  /** Reads the allocator's statistics (glibc: walks free lists, ~ms on big heaps). */
  stats(options?: MallocStatsOptions): MallocStats {
    const { maxAgeMs } = resolveOptions('malloc.stats()', options, { maxAgeMs: 0 }, { maxAgeMs: { kind: 'number', min: 0, max: Number.MAX_SAFE_INTEGER } });
    if (cached && maxAgeMs > 0 && Date.now() - cached.readAtMs <= maxAgeMs) return cached;
    cached = read();
    return cached;
  },
  /** Starts sampling native allocations on every thread (see MallocStartOptions). One per process. */
  start: profiler.start,
  /** Stops the malloc profiler and puts the hooked GOT slots back. */
  stop: profiler.stop,
  /** The native allocation profile so far, as a Profile. */
  profile: profiler.profile,
  /** Live mode with `peak: true`: the native live profile at its high-water mark since start (null before any sample). */
  peakProfile: profiler.peakProfile,
  /** The hooks' figures at the last profile(). */
  figures: profiler.figures,
  /** Whether this thread's malloc profiler runs. */
  isRunning: profiler.isRunning,
};
