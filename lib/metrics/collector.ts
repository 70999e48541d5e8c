// One registration's collector: at scrape time the first family asked for its
// samples takes every reading once and renders all families; the others reuse
// that result. prom-client calls every metric's get() in one synchronous loop
// (Registry.metrics() and getMetricsAsJSON() map over the metrics), so the
// cache is dropped at the next microtask: one set of readings per scrape.
import { COLLECT_BOUNDS_SECONDS } from './definitions';
import type { MetricsRegisterOptions } from './options';
import { readProcessFigures } from './process-figures';
import { pushHistogram, render, type Sample, type Samples } from './render';
import { readSources } from './sources';
import { readThreadFigures } from './thread-figures';
import { holdGcTracking } from './gc-hold';
import { acquireReceiver, releaseReceiver, type WorkerFiguresReceiver } from './worker-channel';

/**
 * A collector with what it reads from held for it: GC tracking (shared, see
 * gc-hold.ts) and the workers' figures. `close()` lets go of both.
 */
export function openCollector(options: Required<MetricsRegisterOptions>): { collector: Collector; close(): void } {
  const releaseGc = options.gc ? holdGcTracking() : undefined;
  const receiver = options.workers ? acquireReceiver(options.maxWorkers) : undefined;
  return {
    collector: new Collector(options, receiver),
    close() {
      if (receiver) releaseReceiver(receiver);
      releaseGc?.();
    },
  };
}

export class Collector {
  readonly #options: Required<MetricsRegisterOptions>;
  readonly #receiver: WorkerFiguresReceiver | undefined;
  #cache: Samples | undefined;
  readonly #collectBuckets = new Array<number>(COLLECT_BOUNDS_SECONDS.length).fill(0);
  #collectCount = 0;
  #collectSumSeconds = 0;
  #sourceErrors = 0;

  constructor(options: Required<MetricsRegisterOptions>, receiver: WorkerFiguresReceiver | undefined) {
    this.#options = options;
    this.#receiver = receiver;
  }

  /** Samples of every family for the scrape in progress. */
  samples(): Samples {
    if (this.#cache) return this.#cache;
    const started = process.hrtime.bigint();
    const o = this.#options;
    const own = readThreadFigures({ gc: o.gc, pools: o.pools, poolSizeClasses: o.poolSizeClasses, maxPools: o.maxPools });
    const workers = this.#receiver ? this.#receiver.figures() : [];
    const threads = [own, ...workers.filter((w) => w.threadId !== own.threadId)];
    const physical = threads.reduce((a, t) => a + t.heap.physicalBytes, 0);
    const processFigures = o.malloc ? readProcessFigures(physical, o.mallocMaxAgeMs) : null;
    const sources = readSources();
    this.#sourceErrors += sources.errors;
    const samples = render({
      threads, process: processFigures, sources,
      workersHeld: workers.length,
      workerReportsDropped: this.#receiver ? this.#receiver.dropped : 0,
      sourceErrors: this.#sourceErrors,
    });
    this.#observe(Number(process.hrtime.bigint() - started) / 1e9);
    // Includes this collection: everything above, not the rendering of this one histogram.
    const cost: Sample[] = [];
    pushHistogram(cost, 'allocscope_metrics_collect_seconds', {}, COLLECT_BOUNDS_SECONDS, this.#collectBuckets, this.#collectCount, this.#collectSumSeconds);
    samples.set('allocscope_metrics_collect_seconds', cost);
    this.#cache = samples;
    queueMicrotask(() => { this.#cache = undefined; });
    return samples;
  }

  #observe(seconds: number): void {
    this.#collectCount++;
    this.#collectSumSeconds += seconds;
    for (let i = 0; i < COLLECT_BOUNDS_SECONDS.length; i++) if (seconds <= COLLECT_BOUNDS_SECONDS[i]!) this.#collectBuckets[i]!++;
  }
}
