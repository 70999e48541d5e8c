// One registration's collector: at scrape time the first family asked for its
// samples takes every reading once and reads all families from them; the others
// reuse that result. prom-client calls every metric's get() in one synchronous
// loop (Registry.metrics() and getMetricsAsJSON() map over the metrics), so the
// cache is dropped at the next microtask: one set of readings per scrape.
import { COLLECT_BOUNDS_SECONDS } from './bounds';
import { FAMILIES } from './families';
import { readFamilies, type FamilyPoints, type MetricFamily } from './family';
import type { MetricsRegisterOptions } from './options';
import { readProcessFigures } from './process-figures';
import { COLLECT_COST, type CollectorFigures } from './series';
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

/** The collection-cost families are read once the collection is measured; the others are part of what is measured. */
const COST = FAMILIES.filter((f) => f.series === COLLECT_COST);
const MEASURED = FAMILIES.filter((f) => f.series !== COLLECT_COST);

/** The samples of every family in one scrape. */
export type ScrapePoints = ReadonlyMap<MetricFamily, FamilyPoints>;

export class Collector {
  readonly #options: Required<MetricsRegisterOptions>;
  readonly #receiver: WorkerFiguresReceiver | undefined;
  #cache: ScrapePoints | undefined;
  readonly #collectBuckets = new Array<number>(COLLECT_BOUNDS_SECONDS.length).fill(0);
  #collectCount = 0;
  #collectSumSeconds = 0;
  #sourceErrors = 0;

  constructor(options: Required<MetricsRegisterOptions>, receiver: WorkerFiguresReceiver | undefined) {
    this.#options = options;
    this.#receiver = receiver;
  }

  /** Samples of `family` for the scrape in progress. */
  points(family: MetricFamily): FamilyPoints {
    return this.scrape().get(family) ?? [];
  }

  /** Samples of every family for the scrape in progress. */
  scrape(): ScrapePoints {
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
    const figures: CollectorFigures = {
      threads, process: processFigures, sources,
      workersHeld: workers.length,
      workerReportsDropped: this.#receiver ? this.#receiver.dropped : 0,
      sourceErrors: this.#sourceErrors,
      collectCost: null,
    };
    const points = readFamilies(MEASURED, figures);
    this.#observe(Number(process.hrtime.bigint() - started) / 1e9);
    // The cost includes this collection: the readings and the families above.
    const cost = { cumulative: [...this.#collectBuckets], count: this.#collectCount, sum: this.#collectSumSeconds };
    for (const [family, p] of readFamilies(COST, { ...figures, collectCost: cost })) points.set(family, p);
    this.#cache = points;
    queueMicrotask(() => { this.#cache = undefined; });
    return points;
  }

  #observe(seconds: number): void {
    this.#collectCount++;
    this.#collectSumSeconds += seconds;
    for (let i = 0; i < COLLECT_BOUNDS_SECONDS.length; i++) if (seconds <= COLLECT_BOUNDS_SECONDS[i]!) this.#collectBuckets[i]!++;
  }
}
