// One thread's collection: read the sampler, the GC summary and heap figures,
// encode the pprof and gzip it, in stages with a turn of the event loop between
// them so that no stage holds the loop for long. Every stage is timed.
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { gc, type GcEvent } from '../gc';
import { heap } from '../heap';
import type { HeapStartOptions } from '../heap-profiler';
import type { ProfileData, ProfileMode } from '../profile/data';
import { Profile } from '../profile/profile';
import { encodePprof } from '../reporters/pprof';
import { buildCapture } from './capture';
import type { Collection, CollectionFigures } from './collection';

const gzip = promisify(zlib.gzip);
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
/** allocscope's own allocations (encoding buffers, this collector) are not the service's. */
const OWN_FILES = [`${PACKAGE_ROOT}/dist/**`, `${PACKAGE_ROOT}/lib/**`];
/** GC events kept for a capture between two collections (the newest). */
const MAX_GC_EVENTS = 4096;

export interface CollectorOptions {
  mode: ProfileMode;
  intervalBytes: number;
  stackDepth: number;
  sourceMaps: boolean;
  /** Also build a capture file each period (file exporter with `capture: true`). */
  capture: boolean;
  labels: Record<string, string>;
  threadId: number;
}

/** Times of one collection, milliseconds. */
export interface CollectionTimes {
  /** From the start of the collection to the encoded profile (event-loop turns and gzip included). */
  wallMs: number;
  /** Time the collection held the event loop, all stages together. */
  blockingMs: number;
  /** The longest single synchronous stage. */
  longestStageMs: number;
  /**
   * CPU time of the synchronous stages (process-wide `process.cpuUsage()`): what
   * `blockingMs` would be on an idle machine, without preemption by other processes.
   */
  blockingCpuMs: number;
}

interface Sampled {
  data: ProfileData;
  figures: CollectionFigures;
  fromMs: number;
  untilMs: number;
  gcEvents: GcEvent[];
}

export class Collector {
  readonly options: CollectorOptions;
  #ownsGc = false;
  #running = false;
  #periodStartMs = Date.now();

  constructor(options: CollectorOptions) {
    this.options = options;
  }

  /** Takes the sampler (throws ERR_ALLOCSCOPE_SAMPLER_BUSY when someone else has it) and GC tracking if free. */
  start(): void {
    heap.start(this.#samplerOptions());
    if (!gc.running) {
      try { gc.start(); this.#ownsGc = true; } catch { /* someone else's: read their summary */ }
    }
    this.#running = true;
    this.#periodStartMs = Date.now();
  }

  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    heap.stop();
    if (this.#ownsGc) gc.stop();
    this.#ownsGc = false;
  }

  get running(): boolean { return this.#running; }

  /** The period's collection, yielding to the event loop between stages. */
  async collect(): Promise<{ collection: Collection; times: CollectionTimes }> {
    const t0 = performance.now();
    let blockingMs = 0;
    let longestStageMs = 0;
    let blockingCpuMs = 0;
    const stage = <T>(work: () => T): T => {
      const s = performance.now();
      const cpu = process.cpuUsage();
      try {
        return work();
      } finally {
        const d = performance.now() - s;
        const c = process.cpuUsage(cpu);
        blockingMs += d;
        blockingCpuMs += (c.user + c.system) / 1000;
        if (d > longestStageMs) longestStageMs = d;
      }
    };
    const read = stage(() => this.#read());
    await nextTurn();
    const sampled = stage(() => this.#shape(read));
    await nextTurn();
    const raw = stage(() => this.#encode(sampled));
    await nextTurn();
    const pprof = await gzip(raw);
    let capture: Uint8Array | undefined;
    if (this.options.capture) {
      await nextTurn();
      const json = stage(() => Buffer.from(JSON.stringify(buildCapture(sampled.data, sampled.figures, sampled.gcEvents, sampled.fromMs, sampled.untilMs, this.options))));
      capture = await gzip(json);
    }
    return {
      collection: this.#collection(sampled, pprof, capture),
      times: { wallMs: performance.now() - t0, blockingMs, longestStageMs, blockingCpuMs },
    };
  }

  /** The same, synchronously: for a worker's last words at exit, when no event-loop turn is left. */
  collectSync(): Collection {
    const sampled = this.#shape(this.#read());
    return this.#collection(sampled, zlib.gzipSync(this.#encode(sampled)), undefined);
  }

  #samplerOptions(): HeapStartOptions {
    const { mode, intervalBytes, stackDepth } = this.options;
    return { mode, intervalBytes, stackDepth };
  }

  /** Stage 1: the sampler's profile (and a fresh sampler in allocated mode). */
  #read(): { profile: Profile; fromMs: number; untilMs: number } {
    const fromMs = this.#periodStartMs;
    const profile = heap.profile({ sourceMaps: this.options.sourceMaps });
    if (this.options.mode === 'allocated') {
      // Per-period deltas (what Pyroscope expects of alloc_* with cumulative=false):
      // a fresh sampler each period also bounds what V8 and the aggregate hold.
      // Nothing runs on this thread between stop and start, so no allocation is missed.
      heap.stop();
      heap.start(this.#samplerOptions());
    }
    const untilMs = Date.now();
    this.#periodStartMs = untilMs;
    return { profile, fromMs, untilMs };
  }

  /** Stage 2: without allocscope's own sites, with the GC and heap figures. */
  #shape({ profile, fromMs, untilMs }: { profile: Profile; fromMs: number; untilMs: number }): Sampled {
    const data = profile.filter({ exclude: OWN_FILES, allFrames: true }).toJSON();
    data.startTimeMs = fromMs;
    data.endTimeMs = untilMs;
    const gcEvents = this.options.capture && this.#ownsGc ? gc.events().slice(-MAX_GC_EVENTS) : [];
    const figures: CollectionFigures = {
      heap: heap.stats(),
      gc: gc.running ? gc.summary() : null,
      rssBytes: process.memoryUsage.rss(),
    };
    return { data, figures, fromMs, untilMs, gcEvents };
  }

  #encode(sampled: Sampled): Uint8Array {
    const labels = this.options.labels;
    return encodePprof(sampled.data, {
      argv: process.argv.slice(1), node: process.version, pid: process.pid,
      startTimeMs: sampled.fromMs, endTimeMs: sampled.untilMs,
      comments: [`labels ${Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(' ')}`],
    });
  }

  #collection(sampled: Sampled, pprof: Uint8Array, capture: Uint8Array | undefined): Collection {
    return {
      threadId: this.options.threadId,
      mode: this.options.mode,
      sampleTypes: new Profile(sampled.data).sampleTypes,
      fromMs: sampled.fromMs,
      untilMs: sampled.untilMs,
      labels: { ...this.options.labels },
      pprof,
      ...(capture ? { capture } : {}),
      figures: sampled.figures,
    };
  }
}
