// Figures → samples of each family, in prom-client's value format
// ({ value, labels, metricName? }). Pure: no readings happen here.
import { GC_PAUSE_BOUNDS_EXPONENTS } from './definitions';
import type { ProcessFigures } from './process-figures';
import type { SourceFigures } from './sources';
import type { ThreadFigures } from './thread-figures';

export type Labels = Record<string, string | number>;
export interface Sample { value: number; labels: Labels; metricName?: string }
export type Samples = Map<string, Sample[]>;

/** `le` values of the GC pause histogram, in seconds (2^e ns). */
export const GC_PAUSE_LE: readonly number[] = GC_PAUSE_BOUNDS_EXPONENTS.map((e) => 2 ** e / 1e9);

export interface CollectorFigures {
  threads: ThreadFigures[];
  process: ProcessFigures | null;
  sources: SourceFigures;
  workersHeld: number;
  workerReportsDropped: number;
  sourceErrors: number;
}

/** Appends histogram samples (`_bucket` per bound and +Inf, `_sum`, `_count`). */
export function pushHistogram(out: Sample[], name: string, labels: Labels, le: readonly number[], cumulative: readonly number[], count: number, sum: number): void {
  for (let i = 0; i < le.length; i++) out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: le[i]! }, value: cumulative[i]! });
  out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: count });
  out.push({ metricName: `${name}_sum`, labels, value: sum });
  out.push({ metricName: `${name}_count`, labels, value: count });
}

export function render(figures: CollectorFigures): Samples {
  const out: Samples = new Map();
  const add = (name: string, value: number | null | undefined, labels: Labels = {}) => {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    let list = out.get(name);
    if (!list) out.set(name, (list = []));
    list.push({ value, labels });
  };
  const list = (name: string) => {
    let l = out.get(name);
    if (!l) out.set(name, (l = []));
    return l;
  };

  for (const t of figures.threads) {
    const thread = { thread_id: t.threadId };
    if (t.gc) {
      const pauses = list('allocscope_gc_pause_seconds');
      for (const k of t.gc.kinds) {
        pushHistogram(pauses, 'allocscope_gc_pause_seconds', { ...thread, type: k.type }, GC_PAUSE_LE, k.buckets, k.count, k.sumSeconds);
        add('allocscope_gc_freed_bytes_total', k.freedBytes, { ...thread, type: k.type });
      }
      add('allocscope_gc_time_seconds_total', t.gc.timeSeconds, thread);
      add('allocscope_gc_time_ratio', t.gc.timeRatio, thread);
      add('allocscope_gc_promoted_bytes_total', t.gc.promotedBytes, thread);
    }
    const h = t.heap;
    for (const s of h.spaces) {
      const labels = { ...thread, space: s.name };
      add('allocscope_heap_space_used_bytes', s.usedBytes, labels);
      add('allocscope_heap_space_committed_bytes', s.committedBytes, labels);
      add('allocscope_heap_space_available_bytes', s.availableBytes, labels);
    }
    add('allocscope_heap_used_bytes', h.usedBytes, thread);
    add('allocscope_heap_committed_bytes', h.committedBytes, thread);
    add('allocscope_heap_physical_bytes', h.physicalBytes, thread);
    add('allocscope_heap_limit_bytes', h.limitBytes, thread);
    add('allocscope_heap_fragmentation_ratio', h.fragmentationRatio, thread);
    add('allocscope_heap_detached_contexts', h.detachedContexts, thread);
    add('allocscope_external_memory_bytes', h.externalBytes, thread);

    if (t.pools) {
      for (const p of t.pools) {
        const labels = { ...thread, pool: p.name, kind: p.kind };
        add('allocscope_pool_acquires_total', p.acquires, labels);
        add('allocscope_pool_releases_total', p.releases, labels);
        add('allocscope_pool_hits_total', p.hits, labels);
        add('allocscope_pool_misses_total', p.misses, labels);
        add('allocscope_pool_in_use_objects', p.inUse, labels);
        add('allocscope_pool_in_use_high_water_objects', p.inUseHighWater, labels);
        add('allocscope_pool_idle_objects', p.idle, labels);
        add('allocscope_pool_capacity_objects', p.capacityObjects, labels);
        add('allocscope_pool_recommended_capacity_objects', p.recommendedCapacityObjects, labels);
        add('allocscope_pool_slab_bytes', p.slabBytes, labels);
        add('allocscope_pool_recommended_bytes', p.recommendedBytes, labels);
        for (const c of p.classes) {
          const classLabels = { ...thread, pool: p.name, block_bytes: c.blockBytes };
          add('allocscope_pool_class_blocks', c.blocks, classLabels);
          add('allocscope_pool_class_in_use_blocks', c.inUseBlocks, classLabels);
          add('allocscope_pool_class_requested_bytes', c.requestedBytes, classLabels);
          add('allocscope_pool_class_handed_out_bytes', c.handedOutBytes, classLabels);
          add('allocscope_pool_class_allocations_total', c.allocations, classLabels);
          add('allocscope_pool_class_misses_total', c.misses, classLabels);
        }
      }
      add('allocscope_metrics_pools_omitted', t.poolsOmitted, thread);
    }
  }

  const m = figures.process?.malloc;
  if (m) {
    const labels = { allocator: m.allocator };
    add('allocscope_malloc_allocated_bytes', m.allocatedBytes, labels);
    add('allocscope_malloc_free_bytes', m.freeBytes, labels);
    add('allocscope_malloc_footprint_bytes', m.footprintBytes, labels);
    add('allocscope_malloc_fragmentation_ratio', m.fragmentationRatio, labels);
    add('allocscope_malloc_read_age_seconds', m.readAgeSeconds);
    add('allocscope_process_unattributed_bytes', figures.process!.unattributedBytes);
  }

  const c = figures.sources.continuous;
  if (c) {
    add('allocscope_continuous_collections_total', c.collections);
    add('allocscope_continuous_collection_seconds_total', c.collectionSecondsTotal);
    add('allocscope_continuous_last_collection_seconds', c.lastCollectionSeconds);
    add('allocscope_continuous_blocking_seconds_total', c.blockingSecondsTotal);
    add('allocscope_continuous_last_longest_stage_seconds', c.lastLongestStageSeconds);
    for (const e of c.exporters) {
      const labels = { exporter: e.name };
      add('allocscope_continuous_exported_bytes_total', e.exportedBytes, labels);
      add('allocscope_continuous_exports_total', e.exports, labels);
      add('allocscope_continuous_export_failures_total', e.failures, labels);
      add('allocscope_continuous_dropped_profiles_total', e.dropped, labels);
      add('allocscope_continuous_queue_length', e.queueLength, labels);
    }
  }
  const l = figures.sources.leaks;
  if (l) {
    add('allocscope_leaks_watches', l.watches);
    add('allocscope_leaks_major_gcs_total', l.majorGcs);
    add('allocscope_leaks_events_total', l.leakEvents);
    add('allocscope_leaks_live_estimate_bytes', l.liveEstimateBytes);
    add('allocscope_leaks_streak_growth_bytes', l.streakGrowthBytes);
    add('allocscope_leaks_streak_growing_gcs', l.streakGrowingGcs);
  }

  add('allocscope_metrics_workers', figures.workersHeld);
  add('allocscope_metrics_worker_reports_dropped_total', figures.workerReportsDropped);
  add('allocscope_metrics_source_errors_total', figures.sourceErrors);
  return out;
}
