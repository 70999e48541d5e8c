// Records a capture in the measured process: the sampling heap profiler, GC
// tracking and a heap/RSS timeline, until snapshot() turns them into a Capture.
import { gc } from '../runtime/gc';
import { heap } from '../runtime/heap';
import { malloc } from '../runtime/malloc';
import type { ProfileData, ProfileMode } from '../profile/data';
import { collectGarbage } from '../runtime/isolate';
import { currentInlining } from '../sampler/inlining';
import { startResolved as startSampler } from '../sampler/heap-profiler';
import { MALLOC_MAX_DEPTH, SAMPLER_DEFAULTS, SAMPLER_SCHEMA, type SamplerOptions } from '../sampler/options';
import { nativeNamespace } from '../core/native';
import { resolveOptions } from '../core/options';
import { ownFileGlobs } from '../core/own-files';
import { buildCapture, toCaptureEvent } from '../capture/build';
import { DEFAULT_SERIES_SITES, memoryOverTime } from '../capture/memory-over-time';
import { PEAK_DEFAULTS } from '../sampler/moments';
import type { Capture, CaptureGcEvent, CaptureMeta, Timeline } from '../capture/capture';

export interface RecorderOptions extends SamplerOptions {
  /** Heap/RSS timeline period. Default 100 ms. */
  timelinePeriodMs?: number;
  /** GC events kept (the newest). Default 4096. */
  gcEvents?: number;
  /** Run the sampling heap profiler. Default true. */
  profile?: boolean;
  /** Also sample native allocations (malloc & co., every thread) with the same interval, mode and depth. Default false. */
  native?: boolean;
  /**
   * Live mode: record what was alive at the peak and the top sites over time
   * (heap.start({ peak: true }), capture.memoryOverTime). Default true; no effect
   * in allocated mode.
   */
  peak?: boolean;
  /** Sites kept in the memory-over-time series (the rest is "other"). Default 8. */
  overTimeSites?: number;
}

export type ResolvedRecorderOptions = Required<RecorderOptions>;

/** The sampler's defaults, but allocated mode: a capture shows everything the program allocated. */
export const RECORDER_DEFAULTS: ResolvedRecorderOptions = Object.freeze({
  ...SAMPLER_DEFAULTS, mode: 'allocated', timelinePeriodMs: 100, gcEvents: 4096, profile: true, native: false, peak: true, overTimeSites: DEFAULT_SERIES_SITES,
});
const SCHEMA = {
  ...SAMPLER_SCHEMA,
  timelinePeriodMs: { kind: 'integer', min: 1, max: 3_600_000 },
  gcEvents: { kind: 'integer', min: 16, max: 1 << 20 },
  profile: { kind: 'boolean' },
  native: { kind: 'boolean' },
  peak: { kind: 'boolean' },
  overTimeSites: { kind: 'integer', min: 1, max: 1000 },
} as const;
/** `native.rss`: native/rss_sampler.cc, a thread that reads the process' RSS every periodMs into a ring. */
interface RssBinding {
  /** False when running already. */
  start(periodMs: number, capacity: number): boolean;
  stop(): boolean;
  /** (timeMs, bytes) pairs, oldest first. */
  read(): Float64Array;
}
const rssBinding = nativeNamespace<RssBinding>('rss');
/** Only this module can vouch that options were checked already. */
const CHECKED = Symbol('checked options');

/** RSS samples the background thread keeps (the newest): 2.7 hours at 100 ms. */
const RSS_CAPACITY = 100_000;
/** Past this many samples the timeline halves its resolution, so memory stays bounded. */
const MAX_TIMELINE_SAMPLES = 10_000;

export class CaptureRecorder {
  readonly options: ResolvedRecorderOptions;
  #startTimeMs = Date.now();
  #timeline: Timeline;
  #timer: NodeJS.Timeout | undefined;
  #tick = 0;
  #stride = 1;
  #events: CaptureGcEvent[] = [];
  #ownsGc = false;
  #ownsHeap = false;
  #ownsRss = false;
  #ownsNative = false;

  /**
   * For options a public entry point (or the CLI, for the preload) has checked:
   * the defaults are filled in, nothing is checked a second time.
   */
  static withCheckedOptions(options: RecorderOptions): CaptureRecorder {
    return new CaptureRecorder(options, CHECKED);
  }

  constructor(options?: RecorderOptions, checked?: typeof CHECKED) {
    this.options = checked === CHECKED ? { ...RECORDER_DEFAULTS, ...definedOnly(options ?? {}) } : resolveOptions('new CaptureRecorder()', options, RECORDER_DEFAULTS, SCHEMA);
    this.#timeline = { periodMs: this.options.timelinePeriodMs, timeMs: [], heapUsedBytes: [], heapCommittedBytes: [], externalBytes: [], rssBytes: [] };
  }

  start(): this {
    const { intervalBytes, stackDepth, mode, foldIntervalMs, gcEvents } = this.options;
    if (this.options.profile) {
      startSampler({ intervalBytes, stackDepth, mode, foldIntervalMs }, mode === 'live' && this.options.peak ? PEAK_DEFAULTS : null);
      this.#ownsHeap = true;
    }
    try {
      gc.start({ bufferSize: gcEvents });
      this.#ownsGc = true;
    } catch (error) {
      if (this.#ownsHeap) heap.stop();
      throw error;
    }
    this.#startTimeMs = Date.now();
    this.#ownsRss = rssBinding.start(this.options.timelinePeriodMs, RSS_CAPACITY);
    if (this.options.native) this.#ownsNative = startNative({ intervalBytes, mode, stackDepth: Math.min(stackDepth, MALLOC_MAX_DEPTH), peak: mode === 'live' && this.options.peak });
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), this.options.timelinePeriodMs);
    this.#timer.unref();
    return this;
  }

  /** The capture so far. Recording goes on. */
  snapshot(reason: CaptureMeta['reason'], extra: Partial<CaptureMeta> = {}): Capture {
    this.#sample();
    this.#drainGc();
    // allocscope's own allocations (this recorder, its timeline) are not the program's.
    // The columns stay typed arrays: the capture encoder writes them as JSON arrays.
    // Live mode: after a full GC, so that "live" is what is alive, not what V8 has not collected yet
    // (a batch job's dropped 200 MB index read as live at exit without it).
    const profile = this.#ownsHeap && heap.running ? heap.profile({ gcFirst: this.options.mode === 'live' }).filter({ exclude: ownFileGlobs(), allFrames: true }).data : null;
    const nativeProfile = this.#ownsNative && malloc.isRunning() ? this.#nativeProfile() : undefined;
    const nativePeak = nativeProfile && this.options.mode === 'live' && this.options.peak ? malloc.peakProfile()?.filter({ exclude: ownFileGlobs(), allFrames: true }).data : undefined;
    const moments = this.#ownsHeap ? heap.moments() : null;
    const t = this.#timeline;
    // The RSS sampler's thread goes on while this runs: its samples are taken before the end time is read.
    const rss = this.#ownsRss ? this.#rssSamples() : undefined;
    const endTimeMs = Date.now();
    return buildCapture({
      meta: { startTimeMs: this.#startTimeMs, endTimeMs, reason, inlining: currentInlining(), options: { ...this.options }, ...extra },
      profile,
      ...(this.options.native ? { nativeProfile: nativeProfile ?? null } : {}),
      ...(nativePeak ? { nativePeakProfile: nativePeak } : {}),
      ...(moments ? { memoryOverTime: memoryOverTime(moments, { exclude: ownFileGlobs(), allFrames: true }, this.options.overTimeSites) } : {}),
      gc: { events: this.#events.slice(), summary: this.#ownsGc ? gc.summary() : null },
      // Copies of the columns, which go on growing (numbers: slice() copies them all).
      timeline: {
        periodMs: t.periodMs, timeMs: t.timeMs.slice(), heapUsedBytes: t.heapUsedBytes.slice(), heapCommittedBytes: t.heapCommittedBytes.slice(),
        externalBytes: t.externalBytes.slice(), rssBytes: t.rssBytes.slice(), ...(rss ? { rss } : {}),
      },
      heap: heap.stats(),
    });
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#ownsHeap) heap.stop();
    if (this.#ownsGc) gc.stop();
    if (this.#ownsRss) rssBinding.stop();
    if (this.#ownsNative) malloc.stop();
    this.#ownsHeap = this.#ownsGc = this.#ownsRss = this.#ownsNative = false;
  }

  /**
   * The native profile. Live mode: after a full GC, so that the backing stores of
   * Buffers nobody references are freed first (else "live" depends on when V8 last
   * collected: a program that replaces its Buffers showed 35 % more on Node 26).
   */
  #nativeProfile(): ProfileData {
    if (this.options.mode === 'live') collectGarbage();
    return malloc.profile().filter({ exclude: ownFileGlobs(), allFrames: true }).data;
  }

  /** The background thread's RSS samples, thinned to at most MAX_TIMELINE_SAMPLES. */
  #rssSamples(): { timeMs: number[]; bytes: number[] } {
    const pairs = rssBinding.read();
    const n = pairs.length / 2;
    const stride = Math.max(1, Math.ceil(n / MAX_TIMELINE_SAMPLES));
    const timeMs: number[] = [];
    const bytes: number[] = [];
    for (let i = 0; i < n; i += stride) { timeMs.push(pairs[2 * i]!); bytes.push(pairs[2 * i + 1]!); }
    return { timeMs, bytes };
  }

  /** GC events since the last drain; the tracker's ring keeps the newest `gcEvents`, so draining at snapshots loses nothing it would keep. */
  #drainGc(): void {
    if (!this.#ownsGc) return;
    for (const e of gc.events()) this.#events.push(toCaptureEvent(e));
    const excess = this.#events.length - this.options.gcEvents;
    if (excess > 0) this.#events.splice(0, excess);
  }

  #sample(): void {
    if (this.#tick++ % this.#stride !== 0) return;
    const t = this.#timeline;
    const h = heap.stats();
    t.timeMs.push(Date.now());
    t.heapUsedBytes.push(h.usedHeapSizeBytes);
    t.heapCommittedBytes.push(h.totalHeapSizeBytes);
    t.externalBytes.push(h.externalMemoryBytes);
    t.rssBytes.push(process.memoryUsage.rss());
    if (t.timeMs.length > MAX_TIMELINE_SAMPLES) {
      for (const key of ['timeMs', 'heapUsedBytes', 'heapCommittedBytes', 'externalBytes', 'rssBytes'] as const) {
        t[key] = t[key].filter((_, i) => i % 2 === 0);
      }
      this.#stride *= 2;
      t.periodMs = this.options.timelinePeriodMs * this.#stride;
    }
  }
}

/**
 * Starts the malloc profiler for a recording. Where this process cannot be hooked
 * (no glibc, a static node), says so in one line and records without it.
 */
function startNative(options: { intervalBytes: number; mode: ProfileMode; stackDepth: number; peak: boolean }): boolean {
  try {
    malloc.start(options);
    return true;
  } catch (error) {
    process.stderr.write(`allocscope: native allocations are not recorded: ${(error as Error).message.replace(/^allocscope: /, '')}\n`);
    return false;
  }
}

/** The entries whose value is not undefined (undefined means "the default", as in resolveOptions()). */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
