// One thread's figures for the metrics, as plain data: the main thread renders
// its own at scrape time, and a worker posts its own to the main thread (so
// everything here must survive structured cloning: numbers, strings, arrays).
import { threadId } from 'node:worker_threads';
import { readGcCounters, type GcTypeName } from '../runtime/gc';
import { heap } from '../runtime/heap';
import { pools, type PoolStats } from '../pools';
import { spaces } from '../runtime/spaces';
import { GC_PAUSE_BOUNDS_EXPONENTS } from './bounds';
import { cumulativeAtPowersOfTwo } from './gc-buckets';

export interface GcKindFigures {
  type: GcTypeName;
  count: number;
  sumSeconds: number;
  /** Cumulative counts at GC_PAUSE_BOUNDS_EXPONENTS (then +Inf = count). */
  buckets: number[];
  freedBytes: number;
}

export interface GcFigures {
  kinds: GcKindFigures[];
  /** Top-level pause time. */
  timeSeconds: number;
  timeRatio: number;
  promotedBytes: number;
}

export interface SpaceFigures { name: string; usedBytes: number; committedBytes: number; availableBytes: number; physicalBytes: number }

export interface HeapFigures {
  spaces: SpaceFigures[];
  usedBytes: number;
  committedBytes: number;
  physicalBytes: number;
  limitBytes: number;
  externalBytes: number;
  detachedContexts: number;
  fragmentationRatio: number;
}

export interface SizeClassFigures {
  blockBytes: number;
  blocks: number;
  inUseBlocks: number;
  requestedBytes: number;
  handedOutBytes: number;
  allocations: number;
  misses: number;
}

export interface PoolFigures {
  name: string;
  kind: 'buffer' | 'object' | 'tracked';
  acquires: number;
  releases: number;
  /** null for pools that do not report hits. */
  hits: number | null;
  misses: number | null;
  inUse: number;
  inUseHighWater: number;
  idle: number | null;
  capacityObjects: number | null;
  recommendedCapacityObjects: number | null;
  slabBytes: number | null;
  recommendedBytes: number | null;
  classes: SizeClassFigures[];
}

export interface ThreadFigures {
  threadId: number;
  gc: GcFigures | null;
  heap: HeapFigures;
  pools: PoolFigures[] | null;
  poolsOmitted: number;
}

export interface ThreadFiguresOptions {
  gc: boolean;
  pools: boolean;
  poolSizeClasses: boolean;
  maxPools: number;
}

function readGc(): GcFigures {
  const c = readGcCounters();
  const kinds: GcKindFigures[] = [];
  for (const k of c.kinds) {
    if (k.count === 0) continue;
    kinds.push({
      type: k.type,
      count: k.count,
      sumSeconds: k.totalNs / 1e9,
      buckets: cumulativeAtPowersOfTwo(k.histogram, 0, k.histogram.length, c.histogramSubBits, GC_PAUSE_BOUNDS_EXPONENTS),
      freedBytes: k.freedBytes,
    });
  }
  const { elapsedNs, topLevelPauseNs } = c;
  return { kinds, timeSeconds: topLevelPauseNs / 1e9, timeRatio: elapsedNs > 0 ? topLevelPauseNs / elapsedNs : 0, promotedBytes: c.promotedBytes };
}

function readHeap(): HeapFigures {
  const h = heap.stats();
  const perSpace = spaces.stats();
  let used = 0;
  let committed = 0;
  for (const s of perSpace) { used += s.usedBytes; committed += s.committedBytes; }
  return {
    spaces: perSpace,
    usedBytes: h.usedHeapSizeBytes,
    committedBytes: h.totalHeapSizeBytes,
    physicalBytes: h.totalPhysicalSizeBytes,
    limitBytes: h.heapSizeLimitBytes,
    externalBytes: h.externalMemoryBytes,
    detachedContexts: h.numberOfDetachedContexts,
    // The same formula as fragmentation().v8.total, over the same space readings.
    fragmentationRatio: committed > 0 ? Math.max(0, 1 - used / committed) : 0,
  };
}

function poolFigures(s: PoolStats, withClasses: boolean): PoolFigures {
  const reportsHits = s.hitRate !== null;
  if (s.kind === 'buffer') {
    let releases = 0, hits = 0, misses = 0;
    const classes: SizeClassFigures[] = [];
    for (const c of s.classes) {
      releases += c.releases; hits += c.hits; misses += c.misses;
      if (withClasses && (c.allocs > 0 || c.slabs > 0)) {
        classes.push({ blockBytes: c.blockBytes, blocks: c.blocksTotal, inUseBlocks: c.blocksInUse, requestedBytes: c.requestedBytes, handedOutBytes: c.handedOutBytes, allocations: c.allocs, misses: c.misses });
      }
    }
    return {
      name: s.name, kind: 'buffer', acquires: s.acquires, releases, hits, misses, inUse: s.inUse, inUseHighWater: s.inUseHighWater,
      idle: null, capacityObjects: null, recommendedCapacityObjects: null, slabBytes: s.slabBytesTotal, recommendedBytes: s.recommendedBytes, classes,
    };
  }
  return {
    name: s.name, kind: s.kind, acquires: s.acquires, releases: s.releases,
    hits: reportsHits ? s.hits : null, misses: reportsHits ? s.misses : null,
    inUse: s.inUse, inUseHighWater: s.inUseHighWater, idle: s.idle, capacityObjects: s.capacity,
    recommendedCapacityObjects: s.recommendation.capacity, slabBytes: null, recommendedBytes: null, classes: [],
  };
}

/** Reads the calling thread's figures (tens of µs; pools add their own stats() cost). */
export function readThreadFigures(options: ThreadFiguresOptions): ThreadFigures {
  const poolStats = options.pools ? pools.statsOfFirst(options.maxPools) : null;
  return {
    threadId,
    gc: options.gc ? readGc() : null,
    heap: readHeap(),
    pools: poolStats ? poolStats.stats.map((s) => poolFigures(s, options.poolSizeClasses)) : null,
    poolsOmitted: poolStats ? poolStats.omitted : 0,
  };
}
