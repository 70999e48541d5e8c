// One thread's collection: read the sampler, the GC summary and heap figures,
// encode the pprof and gzip it, in stages with a turn of the event loop between
// them so that no stage holds the loop for long; the encoding, the biggest part
// on a big profile, runs in slices of ENCODE_SLICE_MS. Every stage is timed.
// GC tracking is held through gc-hold.ts, shared with the metrics and leak watch.
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { gc, gcPauseNs, type GcEvent } from '../runtime/gc';
import { heap } from '../runtime/heap';
import { threadCpuNs } from '../runtime/thread-clock';
import { holdGcTracking } from '../metrics/gc-hold';
import { ownFileGlobs } from '../core/own-files';
import { startResolved as startSampler, takePeriodMoments } from '../sampler/heap-profiler';
import { momentProfileData, PEAK_DEFAULTS, type ResolvedPeakOptions } from '../sampler/moments';
import { SAMPLER_DEFAULTS, type ResolvedSamplerOptions } from '../sampler/options';
import type { ProfileData, ProfileMode } from '../profile/data';
import { Profile } from '../profile/profile';
import { encodePprof, pprofEncodingSteps, type PprofMeta } from '../reporters/pprof';
import { periodCapture } from './capture';
import type { Collection, CollectionFigures } from './collection';

const gzip = promisify(zlib.gzip);
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
/**
 * The longest the encoding holds the event loop in one turn, ms: it then yields
 * and goes on at the next turn (one step of the encoder is ~10–50 µs).
 */
const ENCODE_SLICE_MS = 2;
/** GC events kept for a capture between two collections (the newest). */
const MAX_GC_EVENTS = 4096;

/** GC pause time so far on this thread (tracked while the collector runs: it holds GC tracking), ms. */
function gcPauseMs(): number {
  return gc.running ? gcPauseNs() / 1e6 : 0;
}

/** Runs `steps` for about `budgetMs`; their result when they finished, else undefined. */
function runFor<T>(steps: Generator<void, T, void>, budgetMs: number): T | undefined {
  const until = performance.now() + budgetMs;
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() >= until) return undefined;
  }
}

export interface CollectorOptions {
  mode: ProfileMode;
  intervalBytes: number;
  stackDepth: number;
  sourceMaps: boolean;
  /** Also build a capture file each period (file exporter with `capture: true`). */
  capture: boolean;
  labels: Record<string, string>;
  threadId: number;
  /** Live mode: also export each period's high-water mark (the live heap at its peak), labelled moment=peak. */
  peak: boolean;
  /** Put process.argv in the pprof header; otherwise the script's path only (arguments can hold secrets). */
  exportArgv: boolean;
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
   * The longest stage without the GC pauses that fell inside it: our own code's
   * longest hold of the loop (a pause V8 takes during a stage is counted in
   * `longestStageMs`, but the service's allocations would have needed it too).
   */
  longestStageOwnMs: number;
  /** GC pauses inside the synchronous stages, all stages together. */
  stagesGcMs: number;
  /**
   * CPU time of the synchronous stages on this thread (the event loop's: GC helper
   * and compiler threads and preemption left out): our stages' own cost.
   */
  blockingCpuMs: number;
  /** The longest single stage in this thread's CPU time, without the GC pauses inside it. */
  longestStageCpuMs: number;
}

interface Sampled {
  data: ProfileData;
  /** The period's peak moment (live mode with peak), shaped like `data`. */
  peak: ProfileData | null;
  figures: CollectionFigures;
  fromMs: number;
  untilMs: number;
  gcEvents: GcEvent[];
}

export class Collector {
  readonly options: CollectorOptions;
  /** Releases this collector's hold on GC tracking (shared with metrics and leak watch: see gc-hold.ts). */
  #releaseGc: (() => void) | undefined;
  /** Where the next capture's GC events start (read with eventsSince, so the user's gc.events() is not drained). */
  #gcCursor = 0;
  #running = false;
  #periodStartMs = Date.now();

  constructor(options: CollectorOptions) {
    this.options = options;
  }

  /** Takes the sampler (throws ERR_ALLOCSCOPE_SAMPLER_BUSY when someone else has it) and holds GC tracking. */
  start(): void {
    startSampler(this.#samplerOptions(), this.#peakOptions());
    try {
      this.#releaseGc = holdGcTracking();
    } catch (error) {
      heap.stop();
      throw error;
    }
    this.#gcCursor = gc.eventsSince(Number.MAX_SAFE_INTEGER).nextSeq;
    this.#running = true;
    this.#periodStartMs = Date.now();
  }

  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    heap.stop();
    this.#releaseGc?.();
    this.#releaseGc = undefined;
  }

  get running(): boolean { return this.#running; }

  /** The period's collection, yielding to the event loop between stages. */
  async collect(): Promise<{ collection: Collection; peak?: Collection; times: CollectionTimes }> {
    const t0 = performance.now();
    let blockingMs = 0;
    let longestStageMs = 0;
    let blockingCpuMs = 0;
    let longestStageCpuMs = 0;
    let longestStageOwnMs = 0;
    let stagesGcMs = 0;
    const stage = <T>(work: () => T): T => {
      const s = performance.now();
      const cpu = threadCpuNs();
      const gc0 = gcPauseMs();
      try {
        return work();
      } finally {
        // CPU clock first: its interval then lies inside the wall one (a scavenge set off
        // by the wall reading's allocation would otherwise count in CPU time only).
        const c = (threadCpuNs() - cpu) / 1e6;
        const d = performance.now() - s;
        const g = Math.min(d, Math.max(0, gcPauseMs() - gc0));
        blockingMs += d;
        blockingCpuMs += c;
        // GC pauses run on this thread too: left out, as for longestStageOwnMs.
        if (c - g > longestStageCpuMs) longestStageCpuMs = c - g;
        stagesGcMs += g;
        if (d > longestStageMs) longestStageMs = d;
        if (d - g > longestStageOwnMs) longestStageOwnMs = d - g;
      }
    };
    const read = stage(() => this.#read());
    await nextTurn();
    const sampled = stage(() => this.#shape(read));
    const encode = async (data: ProfileData): Promise<Uint8Array> => {
      await nextTurn();
      const steps = pprofEncodingSteps(data, this.#pprofMeta(sampled, data === sampled.peak));
      let raw: Uint8Array | undefined;
      while (!(raw = stage(() => runFor(steps, ENCODE_SLICE_MS)))) await nextTurn();
      await nextTurn();
      return gzip(raw);
    };
    const pprof = await encode(sampled.data);
    const peak = sampled.peak ? this.#peakCollection(sampled, sampled.peak, await encode(sampled.peak)) : undefined;
    let capture: Uint8Array | undefined;
    if (this.options.capture) {
      await nextTurn();
      const json = stage(() => Buffer.from(JSON.stringify(periodCapture(new Profile(sampled.data).toJSON(), sampled.figures, sampled.gcEvents, sampled.fromMs, sampled.untilMs, this.options))));
      capture = await gzip(json);
    }
    return {
      collection: this.#collection(sampled, pprof, capture),
      ...(peak ? { peak } : {}),
      times: { wallMs: performance.now() - t0, blockingMs, longestStageMs, longestStageOwnMs, stagesGcMs, blockingCpuMs, longestStageCpuMs },
    };
  }

  /** The same, synchronously: for a worker's last words at exit, when no event-loop turn is left. */
  collectSync(): Collection[] {
    const sampled = this.#shape(this.#read());
    const encode = (data: ProfileData) => zlib.gzipSync(encodePprof(data, this.#pprofMeta(sampled, data === sampled.peak)));
    return [this.#collection(sampled, encode(sampled.data), undefined), ...(sampled.peak ? [this.#peakCollection(sampled, sampled.peak, encode(sampled.peak))] : [])];
  }

  /** continuous/options.ts checked these against the sampler's schema: start without checking again each period. */
  #samplerOptions(): ResolvedSamplerOptions {
    const { mode, intervalBytes, stackDepth } = this.options;
    return { ...SAMPLER_DEFAULTS, mode, intervalBytes, stackDepth };
  }

  /** Stage 1: the sampler's profile (and a fresh sampler in allocated mode). */
  #read(): { profile: Profile; peak: ProfileData | null; fromMs: number; untilMs: number } {
    const fromMs = this.#periodStartMs;
    const profile = heap.profile({ sourceMaps: this.options.sourceMaps });
    if (this.options.mode === 'allocated') {
      // Per-period deltas (what Pyroscope expects of alloc_* with cumulative=false):
      // a fresh sampler each period also bounds what V8 and the aggregate hold.
      // Nothing runs on this thread between stop and start, so no allocation is missed.
      heap.stop();
      startSampler(this.#samplerOptions());
    }
    // The period's high-water mark; the next period starts its own.
    const moments = this.#peakOptions() ? takePeriodMoments(this.options.sourceMaps) : null;
    const peak = moments && moments.peakIndex >= 0 ? momentProfileData(moments, moments.peakIndex) : null;
    const untilMs = Date.now();
    this.#periodStartMs = untilMs;
    return { profile, peak, fromMs, untilMs };
  }

  /** Moments only to find each period's peak: taken at new highs, none on a timer. */
  #peakOptions(): ResolvedPeakOptions | null {
    return this.options.mode === 'live' && this.options.peak ? { ...PEAK_DEFAULTS, periodMs: 3_600_000 } : null;
  }

  /** Stage 2: without allocscope's own sites, with the GC and heap figures. */
  #shape({ profile, peak, fromMs, untilMs }: { profile: Profile; peak: ProfileData | null; fromMs: number; untilMs: number }): Sampled {
    // Typed arrays stay typed: the encoder reads them as they are (toJSON only for a capture).
    const data = { ...profile.filter({ exclude: ownFileGlobs(), allFrames: true }).data };
    const peakData = peak ? { ...new Profile(peak).filter({ exclude: ownFileGlobs(), allFrames: true }).data, startTimeMs: fromMs, endTimeMs: untilMs } : null;
    // Node ≥ 26: an allocated period's live figures would say "allocated in this
    // period and not yet collected at its end (no GC first)", which backends would
    // read as the in-use heap (inuse_*): periods export alloc_* only, as before.
    if (data.nodes.liveBytes || data.nodes.liveCount) {
      const { liveBytes: _liveBytes, liveCount: _liveCount, ...nodes } = data.nodes;
      data.nodes = nodes;
    }
    data.startTimeMs = fromMs;
    data.endTimeMs = untilMs;
    const gcEvents = this.options.capture && gc.running ? this.#readGcEvents() : [];
    const figures: CollectionFigures = {
      heap: heap.stats(),
      gc: gc.running ? gc.summary() : null,
      rssBytes: process.memoryUsage.rss(),
    };
    return { data, peak: peakData, figures, fromMs, untilMs, gcEvents };
  }

  /** This period's GC events (the newest MAX_GC_EVENTS), from our own cursor. */
  #readGcEvents(): GcEvent[] {
    const { events, nextSeq } = gc.eventsSince(this.#gcCursor);
    this.#gcCursor = nextSeq;
    return events.length > MAX_GC_EVENTS ? events.slice(-MAX_GC_EVENTS) : events;
  }

  #pprofMeta(sampled: Sampled, peak = false): PprofMeta {
    const labels = peak ? { ...this.options.labels, moment: 'peak' } : this.options.labels;
    return {
      argv: process.argv.slice(1, this.options.exportArgv ? undefined : 2), node: process.version, pid: process.pid,
      startTimeMs: sampled.fromMs, endTimeMs: sampled.untilMs,
      comments: [`labels ${Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(' ')}`],
    };
  }

  /** The period's peak as a profile of its own, labelled moment=peak (a backend keeps it as its own series). */
  #peakCollection(sampled: Sampled, peak: ProfileData, pprof: Uint8Array): Collection {
    const c = this.#collection(sampled, pprof, undefined);
    return { ...c, labels: { ...c.labels, moment: 'peak' }, peak: { atMs: peak.startTimeMs + (peak.moment?.at ?? 0), usedBytes: peak.moment?.usedBytes ?? 0 } };
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
