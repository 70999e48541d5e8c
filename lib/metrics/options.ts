// Options of metrics.register() and metrics.reportToMainThread().
import type { Schema } from '../core/options';

export interface MetricsRegisterOptions {
  /** Export the GC families (starts GC tracking on this thread if it is not running). Default true. */
  gc?: boolean;
  /**
   * Export the C allocator families (glibc mallinfo2 / jemalloc). Default true,
   * rate-limited by `mallocMaxAgeMs`.
   */
  malloc?: boolean;
  /**
   * Re-read the C allocator at most this often; scrapes in between export the
   * cached figures. glibc's mallinfo2 walks all arenas under their locks (ms on
   * big heaps). 0 reads at every scrape. Default 60 000.
   */
  mallocMaxAgeMs?: number;
  /** Export the figures of registered pools (`pools.create/track/objectPool`). Default true. */
  pools?: boolean;
  /** Export BufferPool figures per size class (only classes that were used). Default true. */
  poolSizeClasses?: boolean;
  /** Export at most this many pools per thread (the rest are counted by the pools-omitted gauge, see docs/metrics.md). Default 64. */
  maxPools?: number;
  /** Export the figures that worker threads post with `metrics.reportToMainThread()`. Default true. */
  workers?: boolean;
  /** Hold the figures of at most this many workers (reports of others are dropped and counted). Default 64. */
  maxWorkers?: number;
}

export const REGISTER_DEFAULTS: Required<MetricsRegisterOptions> = {
  gc: true, malloc: true, mallocMaxAgeMs: 60_000, pools: true, poolSizeClasses: true, maxPools: 64, workers: true, maxWorkers: 64,
};

export const REGISTER_SCHEMA: Schema<Required<MetricsRegisterOptions>> = {
  gc: { kind: 'boolean' },
  malloc: { kind: 'boolean' },
  mallocMaxAgeMs: { kind: 'integer', min: 0, max: 86_400_000 },
  pools: { kind: 'boolean' },
  poolSizeClasses: { kind: 'boolean' },
  maxPools: { kind: 'integer', min: 0, max: 10_000 },
  workers: { kind: 'boolean' },
  maxWorkers: { kind: 'integer', min: 0, max: 10_000 },
};

export interface WorkerReportOptions {
  /** Post this worker's figures to the main thread this often. Default 5 000 (scrapes see figures at most this old). */
  intervalMs?: number;
  /** Include GC figures (starts GC tracking in the worker if it is not running). Default true. */
  gc?: boolean;
  /** Include the worker's registered pools. Default true. */
  pools?: boolean;
  /** Include BufferPool size classes. Default true. */
  poolSizeClasses?: boolean;
  /** Report at most this many pools. Default 64. */
  maxPools?: number;
}

export const WORKER_DEFAULTS: Required<WorkerReportOptions> = { intervalMs: 5000, gc: true, pools: true, poolSizeClasses: true, maxPools: 64 };

export const WORKER_SCHEMA: Schema<Required<WorkerReportOptions>> = {
  intervalMs: { kind: 'integer', min: 100, max: 3_600_000 },
  gc: { kind: 'boolean' },
  pools: { kind: 'boolean' },
  poolSizeClasses: { kind: 'boolean' },
  maxPools: { kind: 'integer', min: 0, max: 10_000 },
};
