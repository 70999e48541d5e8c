// A running continuous profile on one thread: a timer, the collector, the
// exporters, and on the main thread the receiver of workers' collections.
import { isMainThread, threadId } from 'node:worker_threads';
import { AllocscopeError } from '../core/errors';
import { clearMetricsSource, setMetricsSource, type ContinuousFigures } from '../metrics/sources';
import { Collector } from './collector';
import type { Collection, Exporter } from './collection';
import { FileExporter } from './file-exporter';
import { HttpExporter } from './http-exporter';
import { profileLabels } from './labels';
import { isExporter, type ResolvedContinuousOptions } from './options';
import { sumExporters, type ContinuousStats } from './stats';
import { MainThreadForwarder, receiveWorkerCollections } from './worker-bridge';

/** Exceptions from a user's exporter must not reach the service. */
function guarded(exporter: Exporter): Exporter {
  let failures = 0;
  let lastError: string | null = null;
  const note = (error: unknown) => { failures++; lastError = error instanceof Error ? error.message : String(error); };
  return {
    name: exporter.name,
    export: (c) => { try { exporter.export(c); } catch (error) { note(error); } },
    stats: () => {
      try {
        const s = exporter.stats();
        return { ...s, failures: s.failures + failures, lastError: lastError ?? s.lastError };
      } catch (error) {
        note(error);
        return { name: exporter.name, exported: 0, bytesExported: 0, failures, drops: 0, retries: 0, queueLength: 0, lastError };
      }
    },
    close: async (deadlineMs) => { try { await exporter.close(deadlineMs); } catch (error) { note(error); } },
  };
}

export class ContinuousSession {
  readonly options: ResolvedContinuousOptions;
  readonly #collector: Collector;
  readonly #exporters: Exporter[];
  #timer: NodeJS.Timeout | undefined;
  #workers: { close(): void } | undefined;
  #collecting: Promise<Collection | null> | undefined;
  #running = false;
  #stopping: Promise<void> | undefined;
  #counters = {
    collections: 0, collectionFailures: 0, skippedPeriods: 0, workerCollections: 0,
    lastCollectionMs: 0, totalCollectionMs: 0, lastBlockingMs: 0, totalBlockingMs: 0, lastBlockingCpuMs: 0, totalBlockingCpuMs: 0, lastLongestStageMs: 0, lastLongestStageOwnMs: 0, lastLongestStageCpuMs: 0, maxStageMs: 0, maxStageOwnMs: 0, totalStagesGcMs: 0,
  };
  #lastError: string | null = null;
  readonly #onStop: () => void;

  constructor(options: ResolvedContinuousOptions, onStop: () => void) {
    this.options = options;
    this.#onStop = onStop;
    const labels = profileLabels(options.service, options.version, threadId, options.labels);
    // Exporters first: a bad directory fails before the sampler is taken.
    this.#exporters = options.exporters.map((spec) => {
      if (isExporter(spec)) return guarded(spec);
      const { type, ...rest } = spec;
      return type === 'file' ? new FileExporter(rest as never, labels.service!) : new HttpExporter(rest as never);
    });
    if (this.#exporters.length === 0 && !isMainThread) this.#exporters.push(new MainThreadForwarder());
    const capture = this.#exporters.some((e) => e instanceof FileExporter && e.options.capture);
    this.#collector = new Collector({
      mode: options.mode, intervalBytes: options.intervalBytes, stackDepth: options.stackDepth,
      sourceMaps: options.sourceMaps, capture, labels, threadId, peak: options.peak,
    });
  }

  start(): this {
    this.#collector.start();
    this.#running = true;
    this.#timer = setInterval(() => { void this.collect(); }, this.options.periodMs);
    this.#timer.unref();
    if (isMainThread && this.options.workers) {
      this.#workers = receiveWorkerCollections((c) => {
        this.#counters.workerCollections++;
        // The service's identity and labels are the main thread's; the thread is the worker's.
        const { service, version, host, ...workerLabels } = c.labels;
        this.#dispatch({ ...c, labels: { ...workerLabels, ...this.#collector.options.labels, thread_id: String(c.threadId) } });
      });
    }
    setMetricsSource('continuous', () => this.#metricsFigures());
    if (!isMainThread) {
      // A worker that ends by itself hands over its last partial period (terminate() gives no chance: that period is lost).
      process.once('exit', this.#lastWords);
    }
    return this;
  }

  get running(): boolean { return this.#running; }

  /** Collects and exports now (the timer does this every period); resolves to the collection, or null if it failed. */
  collect(): Promise<Collection | null> {
    if (!this.#running) return Promise.resolve(null);
    if (this.#collecting) { this.#counters.skippedPeriods++; return this.#collecting; }
    this.#collecting = this.#collectOnce().finally(() => { this.#collecting = undefined; });
    return this.#collecting;
  }

  stats(): ContinuousStats {
    const exporters = this.#exporters.map((e) => e.stats());
    const totals = sumExporters(exporters);
    return {
      running: this.#running,
      periodMs: this.options.periodMs,
      ...this.#counters,
      ...totals,
      lastError: this.#lastError ?? exporters.find((e) => e.lastError)?.lastError ?? null,
      exporters,
    };
  }

  /**
   * Stops the timer, collects the last partial period (unless `flush: false`), gives
   * exporters up to `flushTimeoutMs` to deliver, then releases the sampler and every
   * handle. Idempotent.
   */
  stop(options: { flush?: boolean } = {}): Promise<void> {
    if (this.#stopping) return this.#stopping;
    const flush = options.flush ?? true;
    this.#stopping = (async () => {
      if (this.#timer) clearInterval(this.#timer);
      this.#timer = undefined;
      process.removeListener('exit', this.#lastWords);
      if (this.#collecting) await this.#collecting.catch(() => null);
      if (flush && this.#running) await this.#collectOnce();
      this.#running = false;
      this.#collector.stop();
      this.#workers?.close();
      this.#workers = undefined;
      await Promise.all(this.#exporters.map((e) => e.close(flush ? this.options.flushTimeoutMs : 0)));
      clearMetricsSource('continuous');
      this.#onStop();
    })();
    return this.#stopping;
  }

  [Symbol.dispose](): void {
    void this.stop({ flush: false });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** The figures `metrics.register()` exports (allocscope_continuous_*): counters kept here, cheap to read. */
  #metricsFigures(): ContinuousFigures {
    const seen = new Map<string, number>();
    return {
      collections: this.#counters.collections,
      collectionSecondsTotal: this.#counters.totalCollectionMs / 1e3,
      lastCollectionSeconds: this.#counters.lastCollectionMs / 1e3,
      blockingSecondsTotal: this.#counters.totalBlockingMs / 1e3,
      lastLongestStageSeconds: this.#counters.lastLongestStageMs / 1e3,
      exporters: this.#exporters.map((exporter) => {
        const e = exporter.stats();
        // Label values stay few and stable: the exporter's kind (file, http, main thread) or a custom exporter's name.
        const kind = exporter instanceof FileExporter ? 'file' : exporter instanceof HttpExporter ? 'http' : exporter.name;
        const n = (seen.get(kind) ?? 0) + 1;
        seen.set(kind, n);
        return {
          name: n === 1 ? kind : `${kind}_${n}`,
          exports: e.exported,
          exportedBytes: e.bytesExported,
          failures: e.failures + e.retries, // failed attempts
          dropped: e.drops + e.failures, // queue full or retries exhausted
          queueLength: e.queueLength,
        };
      }),
    };
  }

  readonly #lastWords = (): void => {
    if (!this.#running) return;
    try {
      for (const c of this.#collector.collectSync()) this.#dispatch(c);
    } catch { /* nothing to be done at exit */ }
  };

  async #collectOnce(): Promise<Collection | null> {
    try {
      const { collection, peak, times } = await this.#collector.collect();
      const c = this.#counters;
      c.collections++;
      c.lastCollectionMs = times.wallMs;
      c.totalCollectionMs += times.wallMs;
      c.lastBlockingMs = times.blockingMs;
      c.totalBlockingMs += times.blockingMs;
      c.lastBlockingCpuMs = times.blockingCpuMs;
      c.totalBlockingCpuMs += times.blockingCpuMs;
      c.lastLongestStageMs = times.longestStageMs;
      c.lastLongestStageOwnMs = times.longestStageOwnMs;
      c.lastLongestStageCpuMs = times.longestStageCpuMs;
      if (times.longestStageMs > c.maxStageMs) c.maxStageMs = times.longestStageMs;
      if (times.longestStageOwnMs > c.maxStageOwnMs) c.maxStageOwnMs = times.longestStageOwnMs;
      c.totalStagesGcMs += times.stagesGcMs;
      this.#dispatch(collection);
      if (peak) this.#dispatch(peak);
      return collection;
    } catch (error) {
      this.#counters.collectionFailures++;
      this.#lastError = (error as Error).message;
      // The sampler was taken from us (an inspector session?): try to get it back next period.
      if ((error as { code?: string }).code === 'ERR_ALLOCSCOPE_SAMPLER_LOST') {
        try { this.#collector.stop(); this.#collector.start(); } catch { /* still busy */ }
      }
      return null;
    }
  }

  #dispatch(collection: Collection): void {
    for (const e of this.#exporters) e.export(collection);
  }
}

export function alreadyStarted(): AllocscopeError {
  return new AllocscopeError('ERR_ALLOCSCOPE_ALREADY_STARTED', 'continuous.start() was called while continuous profiling runs on this thread; stop it first');
}
