// Instrumentation for a pool a library already has: it reports acquire/release
// (with hit or miss when it knows), or gives getters that allocscope samples.
import { typeError } from '../core/errors';
import { resolveOptions } from '../core/options';
import { PoolUsage, type PoolUsageStats } from './usage';

export interface TrackOptions {
  /** Approximate bytes per pooled object (for idle-memory figures). */
  objectBytes?: number;
  /** The pool's configured capacity, if it has one (shown beside the recommendation). */
  capacity?: number;
  /** Getter: objects in use now. With it, allocscope samples the pool every `sampleIntervalMs`. */
  inUse?: () => number;
  /** Getter: idle objects held now. */
  idle?: () => number;
  /** Sampling period for getter-based tracking. Default 100 ms. */
  sampleIntervalMs?: number;
}

export interface TrackedPoolStats extends PoolUsageStats {
  name: string;
  kind: 'tracked';
  capacity: number | null;
  idle: number | null;
}

export class TrackedPool {
  readonly name: string;
  readonly #usage: PoolUsage;
  readonly #capacity: number | null;
  readonly #inUse: (() => number) | undefined;
  readonly #idle: (() => number) | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(name: string, options: TrackOptions = {}) {
    if (typeof name !== 'string' || name.length === 0) throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `pools.track() takes a pool name (a non-empty string), got ${JSON.stringify(name)}`);
    for (const getter of ['inUse', 'idle'] as const) {
      if (options[getter] !== undefined && typeof options[getter] !== 'function') throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `pools.track() option "${getter}" must be a function returning a count`);
    }
    const o = resolveOptions('pools.track()', { ...options, inUse: undefined, idle: undefined },
      { objectBytes: undefined as number | undefined, capacity: undefined as number | undefined, sampleIntervalMs: 100, inUse: undefined, idle: undefined },
      { objectBytes: { kind: 'number', min: 0, max: Number.MAX_SAFE_INTEGER }, capacity: { kind: 'integer', min: 0, max: 2 ** 31 - 1 }, sampleIntervalMs: { kind: 'integer', min: 1, max: 3_600_000 }, inUse: { kind: 'any' }, idle: { kind: 'any' } });
    this.name = name;
    this.#usage = new PoolUsage(o.objectBytes ?? null);
    this.#capacity = o.capacity ?? null;
    this.#inUse = options.inUse;
    this.#idle = options.idle;
    if (this.#inUse) {
      this.#timer = setInterval(() => this.sample(), o.sampleIntervalMs);
      this.#timer.unref();
    }
  }

  /** Report one acquire; `hit`: served from the pool (true) or newly created (false). */
  acquire(hit?: boolean): void {
    if (hit !== undefined && typeof hit !== 'boolean') throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `pool "${this.name}": acquire(hit) takes a boolean or nothing, got ${JSON.stringify(hit)}`);
    this.#usage.acquire(hit);
  }

  release(): void {
    this.#usage.release();
  }

  /** Reads the getters now (also done every sampleIntervalMs). */
  sample(): void {
    if (!this.#inUse) return;
    const n = Number(this.#inUse());
    if (!Number.isFinite(n) || n < 0) return; // a broken getter must not break the host
    this.#usage.observe(Math.round(n));
    this.#usage.sampleRequest(Math.round(n));
  }

  stats(share = 0.99): TrackedPoolStats {
    this.sample();
    const idle = this.#idle ? Number(this.#idle()) : null;
    return { name: this.name, kind: 'tracked', capacity: this.#capacity, idle: idle !== null && Number.isFinite(idle) ? idle : null, ...this.#usage.stats(share) };
  }

  /** Stops sampling the getters. */
  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
