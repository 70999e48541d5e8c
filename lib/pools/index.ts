// pools: instrument pools (tracked or allocscope's ObjectPool), list their
// statistics with a recommended capacity, and describe Node's own Buffer pool.
import { typeError } from '../core/errors';
import { BufferPool, type BufferPoolOptions, type BufferPoolStats, type SizeClassStats } from './buffer-pool';
import { ObjectPool, type ObjectPoolOptions, type ObjectPoolStats } from './object-pool';
import { TrackedPool, type TrackOptions, type TrackedPoolStats } from './tracked-pool';

export type PoolStats = ObjectPoolStats | TrackedPoolStats | BufferPoolStats;

/** Node's Buffer pool: the slab behind Buffer.allocUnsafe/Buffer.from for small sizes. */
export interface NodeBufferPoolInfo {
  kind: 'engine';
  name: 'node:Buffer.poolSize';
  /** Bytes per slab (Buffer.poolSize, default 8 KiB). */
  slabBytes: number;
  /** Requests up to this size are carved from the slab (poolSize >>> 1). */
  maxPooledRequestBytes: number;
}

/** What the registry needs of a pool. */
interface Registered {
  readonly name: string;
  stats(share: number): PoolStats;
}

const registry = new Map<string, Registered>();

function register<P extends Registered>(pool: P): P {
  if (registry.has(pool.name)) throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `a pool named "${pool.name}" is registered already; names must be unique`);
  registry.set(pool.name, pool);
  return pool;
}

export const pools = {
  /** A size-class slab allocator for Buffers, registered under `name`. */
  create(name: string, options?: BufferPoolOptions): BufferPool {
    return register(new BufferPool(name, options));
  },
  /** Instruments an existing pool: report acquire/release on the handle, or pass getters. */
  track(name: string, options?: TrackOptions): TrackedPool {
    return register(new TrackedPool(name, options));
  },
  /** An allocscope ObjectPool, registered under `name`. */
  objectPool<T>(name: string, options: ObjectPoolOptions<T>): ObjectPool<T> {
    return register(new ObjectPool<T>(name, options));
  },
  /** Statistics of every registered pool, with the capacity serving `share` of requests. */
  stats(share = 0.99): PoolStats[] {
    if (!(typeof share === 'number' && share > 0 && share <= 1)) throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `pools.stats() takes a share in (0, 1], got ${JSON.stringify(share)}`);
    return [...registry.values()].map((p) => p.stats(share));
  },
  /**
   * Statistics of the first `limit` registered pools (in registration order) and
   * how many were left out: the metrics export a bounded number of pools.
   */
  statsOfFirst(limit: number, share = 0.99): { stats: PoolStats[]; omitted: number } {
    const stats: PoolStats[] = [];
    for (const pool of registry.values()) {
      if (stats.length >= limit) break;
      stats.push(pool.stats(share));
    }
    return { stats, omitted: Math.max(0, registry.size - stats.length) };
  },
  /** Forgets a pool (and stops sampling its getters). Returns false if unknown. */
  unregister(name: string): boolean {
    const pool = registry.get(name);
    if (!pool) return false;
    if (pool instanceof TrackedPool) pool.close();
    return registry.delete(name);
  },
  /** What can be known of Node's own Buffer pool. */
  nodeBufferPool(): NodeBufferPoolInfo {
    return { kind: 'engine', name: 'node:Buffer.poolSize', slabBytes: Buffer.poolSize, maxPooledRequestBytes: Buffer.poolSize >>> 1 };
  },
};

export { BufferPool, ObjectPool, TrackedPool };
export type { BufferPoolOptions, BufferPoolStats, SizeClassStats, ObjectPoolOptions, ObjectPoolStats, TrackOptions, TrackedPoolStats };
