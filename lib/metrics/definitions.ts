// Every metric family allocscope exports, in one table: the exporter, the
// naming lint (test/metrics-names.test.js) and docs/metrics.md all read it.
// Prometheus conventions: `allocscope_` prefix, base units in the name
// (`_bytes`, `_seconds`, `_ratio`), counters end in `_total`, and labels come
// from a small fixed set whose values are bounded (no per-call-site labels).

export type FamilyType = 'counter' | 'gauge' | 'histogram';
/** The unit a family's name ends with (before `_total`), or a dimensionless count. */
export type FamilyUnit = 'bytes' | 'seconds' | 'ratio' | 'objects' | 'blocks' | 'count';
/** Where the family comes from; 'continuous' and 'leaks' appear only while those modules run. */
export type FamilyGroup = 'gc' | 'heap' | 'malloc' | 'pools' | 'metrics' | 'continuous' | 'leaks';

/**
 * The only label names any family may use, each with what bounds its values.
 * `thread_id` is 0 on the main thread and a worker's `threadId` for the figures
 * a worker reported (see metrics.reportToMainThread()).
 */
export const LABELS = {
  thread_id: 'threadId of the thread the figures belong to (0: main thread); at most maxWorkers + 1 values',
  type: 'GC kind (scavenge, markSweepCompact, incrementalMarking, processWeakCallbacks, minorMarkCompact, …): at most 7 values',
  space: "V8 heap space (new_space, old_space, code_space, …): V8's fixed list",
  allocator: 'glibc or jemalloc',
  pool: 'name of a registered pool: at most maxPools values',
  kind: 'pool kind: buffer, object or tracked',
  block_bytes: "block size of a BufferPool size class: at most 256 per pool (only classes that were used)",
  exporter: 'name of a continuous-mode exporter (file, http, …): as many as configured',
} as const;
export type LabelName = keyof typeof LABELS;

export interface FamilyDefinition {
  name: string;
  type: FamilyType;
  unit: FamilyUnit;
  group: FamilyGroup;
  labels: readonly LabelName[];
  help: string;
}

/** Bucket bounds of the GC pause histogram: powers of two in nanoseconds, 2^14 (16 µs) … 2^30 (1.07 s). */
export const GC_PAUSE_BOUNDS_EXPONENTS: readonly number[] = Array.from({ length: 17 }, (_, i) => 14 + i);
/** Bucket bounds (seconds) of the collection-cost histogram. */
export const COLLECT_BOUNDS_SECONDS: readonly number[] = [25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 100e-3];

const f = (name: string, type: FamilyType, unit: FamilyUnit, group: FamilyGroup, labels: readonly LabelName[], help: string): FamilyDefinition =>
  ({ name, type, unit, group, labels, help });

const T = ['thread_id'] as const;
const POOL = ['thread_id', 'pool', 'kind'] as const;
const CLASS = ['thread_id', 'pool', 'block_bytes'] as const;
const EXPORTER = ['exporter'] as const;

export const FAMILIES: readonly FamilyDefinition[] = Object.freeze([
  // GC: from the native GC tracker's counters and pause histograms (no perf_hooks observer).
  f('allocscope_gc_pause_seconds', 'histogram', 'seconds', 'gc', [...T, 'type'], 'GC pauses by GC kind (prologue to epilogue on the thread; nested GCs counted in their own kind too).'),
  f('allocscope_gc_time_seconds_total', 'counter', 'seconds', 'gc', T, 'Time the thread spent paused in top-level GCs; rate() of it is the GC time share.'),
  f('allocscope_gc_time_ratio', 'gauge', 'ratio', 'gc', T, 'Share of wall time spent paused in GC since GC tracking started.'),
  f('allocscope_gc_freed_bytes_total', 'counter', 'bytes', 'gc', [...T, 'type'], 'Heap bytes freed by GCs, by GC kind (used before minus used after).'),
  f('allocscope_gc_promoted_bytes_total', 'counter', 'bytes', 'gc', T, 'Bytes the old generation grew by during young-generation GCs.'),
  // V8 heap: ~1 µs readings of V8's heap and space statistics.
  f('allocscope_heap_space_used_bytes', 'gauge', 'bytes', 'heap', [...T, 'space'], 'Bytes occupied by objects in a V8 heap space.'),
  f('allocscope_heap_space_committed_bytes', 'gauge', 'bytes', 'heap', [...T, 'space'], 'Memory committed for a V8 heap space.'),
  f('allocscope_heap_space_available_bytes', 'gauge', 'bytes', 'heap', [...T, 'space'], 'Bytes still allocatable in a V8 heap space without growing it.'),
  f('allocscope_heap_used_bytes', 'gauge', 'bytes', 'heap', T, 'Bytes occupied by objects in the whole V8 heap.'),
  f('allocscope_heap_committed_bytes', 'gauge', 'bytes', 'heap', T, 'Memory committed for the whole V8 heap.'),
  f('allocscope_heap_physical_bytes', 'gauge', 'bytes', 'heap', T, 'Committed V8 heap memory backed by physical pages.'),
  f('allocscope_heap_limit_bytes', 'gauge', 'bytes', 'heap', T, 'V8 heap size limit (--max-old-space-size and friends).'),
  f('allocscope_heap_fragmentation_ratio', 'gauge', 'ratio', 'heap', T, 'V8 heap fragmentation: 1 - used / committed over all spaces.'),
  f('allocscope_heap_detached_contexts', 'gauge', 'count', 'heap', T, 'Contexts no longer referenced but not yet collected (a growing number hints at a leak).'),
  f('allocscope_external_memory_bytes', 'gauge', 'bytes', 'heap', T, 'External memory V8 accounts for (ArrayBuffer and Buffer backing stores).'),
  // C allocator (process-wide): rate-limited by mallocMaxAgeMs, glibc's mallinfo2 walks the arenas.
  f('allocscope_malloc_allocated_bytes', 'gauge', 'bytes', 'malloc', ['allocator'], 'Bytes the C allocator has handed out (glibc: in-use arena chunks + mmapped chunks; jemalloc: stats.allocated).'),
  f('allocscope_malloc_free_bytes', 'gauge', 'bytes', 'malloc', ['allocator'], 'Free bytes the C allocator holds (glibc: free arena chunks; jemalloc: active - allocated).'),
  f('allocscope_malloc_footprint_bytes', 'gauge', 'bytes', 'malloc', ['allocator'], 'Memory the C allocator holds from the OS (glibc: arena + mmapped; jemalloc: resident).'),
  f('allocscope_malloc_fragmentation_ratio', 'gauge', 'ratio', 'malloc', ['allocator'], 'C allocator fragmentation (glibc: free / arena; jemalloc: (active - allocated) / active).'),
  f('allocscope_malloc_read_age_seconds', 'gauge', 'seconds', 'malloc', [], 'Age of the C allocator figures (they are re-read at most every mallocMaxAgeMs).'),
  f('allocscope_process_unattributed_bytes', 'gauge', 'bytes', 'malloc', [], 'RSS minus the V8 physical heap (all threads) and the C allocator footprint: binary, stacks, other mappings.'),
  // Pools (allocscope's pools registry), per pool and per BufferPool size class.
  f('allocscope_pool_acquires_total', 'counter', 'count', 'pools', POOL, 'Acquires (allocations) from a pool.'),
  f('allocscope_pool_releases_total', 'counter', 'count', 'pools', POOL, 'Releases back to a pool.'),
  f('allocscope_pool_hits_total', 'counter', 'count', 'pools', POOL, 'Acquires served from the pool (for pools that report hits).'),
  f('allocscope_pool_misses_total', 'counter', 'count', 'pools', POOL, 'Acquires that needed a new object or slab.'),
  f('allocscope_pool_in_use_objects', 'gauge', 'objects', 'pools', POOL, 'Objects (Buffer pools: blocks) in use now.'),
  f('allocscope_pool_in_use_high_water_objects', 'gauge', 'objects', 'pools', POOL, 'Most objects (Buffer pools: blocks) in use at once since the pool was created.'),
  f('allocscope_pool_idle_objects', 'gauge', 'objects', 'pools', POOL, 'Idle objects the pool holds (object pools, and tracked pools with an idle getter).'),
  f('allocscope_pool_capacity_objects', 'gauge', 'objects', 'pools', POOL, 'Configured capacity of an object or tracked pool.'),
  f('allocscope_pool_recommended_capacity_objects', 'gauge', 'objects', 'pools', POOL, 'Capacity that would have served 99 % of acquires without a miss.'),
  f('allocscope_pool_slab_bytes', 'gauge', 'bytes', 'pools', POOL, 'Bytes of slabs a Buffer pool holds.'),
  f('allocscope_pool_recommended_bytes', 'gauge', 'bytes', 'pools', POOL, 'Slab bytes a Buffer pool should keep to serve 99 % of its requests.'),
  f('allocscope_pool_class_blocks', 'gauge', 'blocks', 'pools', CLASS, 'Blocks of a Buffer pool size class (in use and free).'),
  f('allocscope_pool_class_in_use_blocks', 'gauge', 'blocks', 'pools', CLASS, 'Blocks of a size class in use now.'),
  f('allocscope_pool_class_requested_bytes', 'gauge', 'bytes', 'pools', CLASS, 'Bytes asked for by the Buffers in use in a size class (divide by handed-out bytes for internal fragmentation).'),
  f('allocscope_pool_class_handed_out_bytes', 'gauge', 'bytes', 'pools', CLASS, 'Blocks in use times block size, in a size class.'),
  f('allocscope_pool_class_allocations_total', 'counter', 'count', 'pools', CLASS, 'Allocations from a size class.'),
  f('allocscope_pool_class_misses_total', 'counter', 'count', 'pools', CLASS, 'Allocations from a size class that needed a new slab.'),
  // The exporter itself.
  f('allocscope_metrics_collect_seconds', 'histogram', 'seconds', 'metrics', [], 'Time allocscope spent collecting its figures per scrape (readings and conversion; not text formatting).'),
  f('allocscope_metrics_workers', 'gauge', 'count', 'metrics', [], 'Worker threads whose reported figures are held for the next scrape.'),
  f('allocscope_metrics_worker_reports_dropped_total', 'counter', 'count', 'metrics', [], 'Worker reports ignored because maxWorkers threads were already held.'),
  f('allocscope_metrics_pools_omitted', 'gauge', 'count', 'metrics', ['thread_id'], 'Registered pools not exported because of maxPools.'),
  f('allocscope_metrics_source_errors_total', 'counter', 'count', 'metrics', [], 'Scrapes in which the continuous or leak-watch figures could not be read.'),
  // Continuous mode (continuous.start()), only while it runs.
  f('allocscope_continuous_collections_total', 'counter', 'count', 'continuous', [], 'Profile collections done by continuous mode.'),
  f('allocscope_continuous_collection_seconds_total', 'counter', 'seconds', 'continuous', [], 'Time spent collecting, converting and encoding profiles in continuous mode.'),
  f('allocscope_continuous_last_collection_seconds', 'gauge', 'seconds', 'continuous', [], 'Duration of the last continuous-mode collection.'),
  f('allocscope_continuous_blocking_seconds_total', 'counter', 'seconds', 'continuous', [], 'Time continuous-mode collections held the event loop (their synchronous stages).'),
  f('allocscope_continuous_last_longest_stage_seconds', 'gauge', 'seconds', 'continuous', [], 'Longest single hold of the event loop by the last collection.'),
  f('allocscope_continuous_exported_bytes_total', 'counter', 'bytes', 'continuous', EXPORTER, 'Bytes written or pushed by an exporter.'),
  f('allocscope_continuous_exports_total', 'counter', 'count', 'continuous', EXPORTER, 'Profiles an exporter delivered.'),
  f('allocscope_continuous_export_failures_total', 'counter', 'count', 'continuous', EXPORTER, 'Failed export attempts of an exporter.'),
  f('allocscope_continuous_dropped_profiles_total', 'counter', 'count', 'continuous', EXPORTER, 'Profiles an exporter dropped (queue full or retries exhausted).'),
  f('allocscope_continuous_queue_length', 'gauge', 'count', 'continuous', EXPORTER, 'Profiles waiting in an exporter\'s queue.'),
  // Leak watch (leaks.watch()), only while a watch runs.
  f('allocscope_leaks_watches', 'gauge', 'count', 'leaks', [], 'Leak watches running.'),
  f('allocscope_leaks_major_gcs_total', 'counter', 'count', 'leaks', [], 'Major GCs evaluated by the leak watches (each watch counts its own).'),
  f('allocscope_leaks_events_total', 'counter', 'count', 'leaks', [], 'Leak events fired (a streak of growing major GCs above minGrowthBytes).'),
  f('allocscope_leaks_live_estimate_bytes', 'gauge', 'bytes', 'leaks', [], 'Live-set estimate after the last major GC: the lowest post-GC heap of the last windowGcs major GCs.'),
  f('allocscope_leaks_streak_growth_bytes', 'gauge', 'bytes', 'leaks', [], 'How far the live-set estimate climbed above the current streak\'s base (a leak event fires at minGrowthBytes).'),
  f('allocscope_leaks_streak_growing_gcs', 'gauge', 'count', 'leaks', [], 'Growing major GCs in the current streak (a leak event needs consecutiveGrowth of them).'),
]);

/** Families by name. */
export const FAMILY_BY_NAME: ReadonlyMap<string, FamilyDefinition> = new Map(FAMILIES.map((d) => [d.name, d]));
