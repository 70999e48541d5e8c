// A small object pool with the statistics library authors need to size it:
// acquire/release with factory and reset hooks, counters, the in-use histogram,
// the high-water mark and a recommended capacity.
import { typeError } from '../core/errors';
import { resolveOptions } from '../core/options';
import { PoolUsage, type PoolUsageStats } from './usage';

export interface ObjectPoolOptions<T> {
  /** Creates an object when the pool has none ready. */
  create: () => T;
  /** Prepares a released object for its next user (e.g. clears fields). */
  reset?: (value: T) => void;
  /**
   * Objects the pool owns at most, in use and idle together (as generic-pool's
   * `max`): a release that would exceed it drops the object for the GC. Default 64.
   */
  capacity?: number;
  /** Objects created up front. Default 0. */
  preallocate?: number;
  /** Approximate bytes per object, for the idle-memory figure of the recommendation. */
  objectBytes?: number;
}

export interface ObjectPoolStats extends PoolUsageStats {
  name: string;
  kind: 'object';
  capacity: number;
  idle: number;
  created: number;
  /** Releases dropped because the pool was full. */
  dropped: number;
}

export class ObjectPool<T> {
  readonly name: string;
  readonly #create: () => T;
  readonly #reset: ((value: T) => void) | undefined;
  readonly #capacity: number;
  readonly #idle: T[] = [];
  readonly #usage: PoolUsage;
  #created = 0;
  #dropped = 0;
  #inUse = 0;

  constructor(name: string, options: ObjectPoolOptions<T>) {
    if (typeof name !== 'string' || name.length === 0) throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `new ObjectPool() takes a pool name (a non-empty string), got ${JSON.stringify(name)}`);
    if (!options || typeof options.create !== 'function') throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', 'new ObjectPool() option "create" must be a function that makes an object');
    if (options.reset !== undefined && typeof options.reset !== 'function') throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', 'new ObjectPool() option "reset" must be a function');
    const o = resolveOptions('new ObjectPool()', { ...options, create: undefined, reset: undefined },
      { capacity: 64, preallocate: 0, objectBytes: undefined as number | undefined, create: undefined, reset: undefined },
      { capacity: { kind: 'integer', min: 0, max: 2 ** 31 - 1 }, preallocate: { kind: 'integer', min: 0, max: 2 ** 31 - 1 }, objectBytes: { kind: 'number', min: 0, max: Number.MAX_SAFE_INTEGER }, create: { kind: 'any' }, reset: { kind: 'any' } });
    if (o.preallocate > o.capacity) throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `new ObjectPool() option "preallocate" (${o.preallocate}) must not exceed "capacity" (${o.capacity})`);
    this.name = name;
    this.#create = options.create;
    this.#reset = options.reset;
    this.#capacity = o.capacity;
    this.#usage = new PoolUsage(o.objectBytes ?? null);
    for (let i = 0; i < o.preallocate; i++) { this.#idle.push(this.#create()); this.#created++; }
  }

  acquire(): T {
    const value = this.#idle.pop();
    this.#usage.acquire(value !== undefined);
    this.#inUse++;
    if (value !== undefined) return value;
    this.#created++;
    return this.#create();
  }

  release(value: T): void {
    this.#usage.release();
    if (this.#inUse > 0) this.#inUse--;
    if (this.#idle.length + this.#inUse >= this.#capacity) { this.#dropped++; return; }
    this.#reset?.(value);
    this.#idle.push(value);
  }

  stats(share = 0.99): ObjectPoolStats {
    return { name: this.name, kind: 'object', capacity: this.#capacity, idle: this.#idle.length, created: this.#created, dropped: this.#dropped, ...this.#usage.stats(share) };
  }
}
