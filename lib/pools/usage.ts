// What a pool's users did: every acquire (hit or miss) and release, the number of
// objects in use at each request, and the time spent at each level of use. From
// that: the high-water mark and the capacity that would have served a given share
// of requests without a miss, with the idle objects it would keep on average.
import { performance } from 'node:perf_hooks';

export interface PoolRecommendation {
  /** The share of requests the capacity serves without a miss (e.g. 0.99). */
  share: number;
  /** Objects the pool should keep: the `share` quantile of objects in use at a request. */
  capacity: number;
  /** Share of the requests seen that this capacity would have missed. */
  missRate: number;
  /** Average idle objects it would hold (capacity − in use; time-weighted, or event-weighted for Buffer pools). */
  idleObjectsMean: number;
  /** idleObjectsMean × objectBytes, when the pool knows its object size. */
  idleBytesMean: number | null;
}

export interface PoolUsageStats {
  acquires: number;
  releases: number;
  /** Acquires served from the pool (when the pool reports it). */
  hits: number;
  /** Acquires that needed a new object. */
  misses: number;
  /** hits / (hits + misses); null when the pool does not report hits. */
  hitRate: number | null;
  inUse: number;
  inUseHighWater: number;
  /** Requests by the number of objects in use right after them: [inUse, requests][]. */
  inUseHistogram: [number, number][];
  /** Time-weighted mean of objects in use since tracking began. */
  inUseMean: number;
  recommendation: PoolRecommendation;
}

export class PoolUsage {
  #acquires = 0;
  #releases = 0;
  #hits = 0;
  #misses = 0;
  #reportsHits = false;
  #inUse = 0;
  #highWater = 0;
  #requestsAt = new Map<number, number>(); // in use after the request → requests
  #timeAt = new Map<number, number>(); // in use → milliseconds spent there
  #since = performance.now();
  #started = this.#since;
  readonly objectBytes: number | null;
  /**
   * 'time': levels of use weighted by the time spent at them (a clock read per
   * event). 'events': weighted by events instead, for hot paths (a Buffer pool's
   * alloc is ~100 ns; two clock reads would double it).
   */
  readonly weighting: 'time' | 'events';

  constructor(objectBytes: number | null = null, weighting: 'time' | 'events' = 'time') {
    this.objectBytes = objectBytes;
    this.weighting = weighting;
  }

  /** One acquire; `hit` says whether the pool had an object ready (undefined: unknown). */
  acquire(hit?: boolean): void {
    this.#advance();
    this.#acquires++;
    if (hit !== undefined) {
      this.#reportsHits = true;
      if (hit) this.#hits++; else this.#misses++;
    }
    this.#inUse++;
    if (this.#inUse > this.#highWater) this.#highWater = this.#inUse;
    this.#requestsAt.set(this.#inUse, (this.#requestsAt.get(this.#inUse) ?? 0) + 1);
  }

  release(): void {
    this.#advance();
    this.#releases++;
    if (this.#inUse > 0) this.#inUse--;
  }

  /** For pools observed through getters: the level of use now (no request counted). */
  observe(inUse: number): void {
    this.#advance();
    this.#inUse = inUse;
    if (inUse > this.#highWater) this.#highWater = inUse;
  }

  /** Records one request at a level of use (getter-based pools sample this). */
  sampleRequest(inUse: number): void {
    this.#requestsAt.set(inUse, (this.#requestsAt.get(inUse) ?? 0) + 1);
  }

  stats(share = 0.99): PoolUsageStats {
    this.#advance();
    const histogram = [...this.#requestsAt.entries()].sort((a, b) => a[0] - b[0]);
    const totalTime = [...this.#timeAt.values()].reduce((a, b) => a + b, 0);
    const inUseMean = totalTime > 0 ? [...this.#timeAt.entries()].reduce((a, [k, t]) => a + k * t, 0) / totalTime : this.#inUse;
    return {
      acquires: this.#acquires,
      releases: this.#releases,
      hits: this.#hits,
      misses: this.#misses,
      hitRate: this.#reportsHits && this.#hits + this.#misses > 0 ? this.#hits / (this.#hits + this.#misses) : null,
      inUse: this.#inUse,
      inUseHighWater: this.#highWater,
      inUseHistogram: histogram,
      inUseMean,
      recommendation: this.recommend(share),
    };
  }

  /** The smallest capacity that serves `share` of the requests seen without a miss. */
  recommend(share: number): PoolRecommendation {
    const histogram = [...this.#requestsAt.entries()].sort((a, b) => a[0] - b[0]);
    const total = histogram.reduce((a, [, n]) => a + n, 0);
    let capacity = 0;
    let served = 0;
    for (const [level, n] of histogram) {
      if (served / total >= share) break;
      capacity = level;
      served += n;
    }
    const missed = total > 0 ? histogram.filter(([level]) => level > capacity).reduce((a, [, n]) => a + n, 0) / total : 0;
    const totalTime = [...this.#timeAt.values()].reduce((a, b) => a + b, 0);
    const idleObjectsMean = totalTime > 0
      ? [...this.#timeAt.entries()].reduce((a, [level, t]) => a + Math.max(0, capacity - level) * t, 0) / totalTime
      : capacity;
    return {
      share, capacity, missRate: missed, idleObjectsMean,
      idleBytesMean: this.objectBytes === null ? null : idleObjectsMean * this.objectBytes,
    };
  }

  /** Time since the last event is spent at the current level. */
  #advance(): void {
    if (this.weighting === 'events') {
      this.#timeAt.set(this.#inUse, (this.#timeAt.get(this.#inUse) ?? 0) + 1);
      return;
    }
    const now = performance.now();
    this.#timeAt.set(this.#inUse, (this.#timeAt.get(this.#inUse) ?? 0) + (now - this.#since));
    this.#since = now;
  }

  get startedAtMs(): number {
    return performance.timeOrigin + this.#started;
  }
}
