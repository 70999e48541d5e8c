// leaks.watch(): a production leak signal from major GCs. After each
// top-level mark-compact, V8's used heap is the live set plus floating garbage
// (objects that died while incremental marking ran): noise that only ever adds.
// So the live-set estimate after a major GC is the lowest post-GC heap of the
// last `windowGcs` major GCs, and a leak shows as that floor climbing. The rules
// (docs/leaks.md):
//  - only mark-compacts at depth 0 count (scavenges say nothing about the live set);
//  - a GC "grows" when the floor exceeds the streak's high-water mark;
//  - a GC that dips below the high by at most toleranceBytes neither grows nor
//    breaks the streak (load noise); a deeper dip starts a new streak from it;
//  - 'leak' fires at the first GC where the streak has consecutiveGrowth growing
//    GCs and the estimate is above the streak's base by minGrowthBytes plus the
//    heap's own swing (the largest fall of the post-GC heap between consecutive
//    major GCs among the last noiseGcs: what floating garbage alone moves it by,
//    which grows with churn and with load); then the streak restarts from that GC.
// Events arrive from the GC tracker on the event loop, after the GC, never inside it.
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { gc, type GcEvent } from '../runtime/gc';
import { heap } from '../runtime/heap';
import { peakProfile, runningMode } from '../sampler/heap-profiler';
import { holdGcTracking } from '../metrics/gc-hold';
import { clearMetricsSource, setMetricsSource, type LeakWatchFigures } from '../metrics/sources';
import { resolveOptions } from '../core/options';
import { isOwnFile } from '../core/own-files';
import type { Profile } from '../profile/profile';

export interface LeakWatchOptions {
  /** Growing major GCs needed in one streak. Default 3. */
  consecutiveGrowth?: number;
  /** The live-set estimate must be at least this many bytes above the streak's base. Default 4194304 (4 MiB). */
  minGrowthBytes?: number;
  /** An estimate at most this far below the streak's high keeps the streak (without counting as growth). Default 524288 (512 KiB); 0 is memwatch's strict rule. */
  toleranceBytes?: number;
  /**
   * The live-set estimate after a major GC is the lowest post-GC heap of the last
   * this many major GCs (floating garbage only ever inflates a post-GC figure).
   * 1 uses each GC's own figure, as node-memwatch did. Default 3.
   */
  windowGcs?: number;
  /**
   * The growth must also exceed the heap's own swing: the largest fall of the post-GC
   * heap between two consecutive major GCs among the last this many (a leak only
   * raises it; falls are floating garbage coming and going). Default 10; 0 turns it off.
   */
  noiseGcs?: number;
  /** Growing sites listed in a 'leak' event when the sampler runs in live mode. Default 10; 0 takes no profiles. */
  topSites?: number;
}

/** A site's live bytes between the streak's base GC and the GC that fired. */
export interface LeakWatchSite {
  site: string;
  bytes: number;
  olderBytes: number;
  deltaBytes: number;
  deltaObjects: number;
}

/** What 'leak' carries. Bytes are live-set estimates: the lowest used heap (all spaces) after the last `windowGcs` major GCs. */
export interface LeakWatchEvent {
  /** Estimate at the GC that fired minus that at the streak's base GC. */
  growthBytes: number;
  baseBytes: number;
  currentBytes: number;
  /** The heap's own swing that the growth had to exceed on top of minGrowthBytes (0 with noiseGcs 0). */
  noiseBytes: number;
  /** Growing GCs in the streak (≥ consecutiveGrowth). */
  growingGcs: number;
  /** Major GCs from the base to this one, base excluded (growing ones plus tolerated dips). */
  gcs: number;
  /** The estimate after every major GC of the streak, base first. */
  liveEstimateBytes: number[];
  /** Each of those GCs' own post-GC heap, base first. */
  postGcBytes: number[];
  /** Time from the base GC to this one. */
  durationMs: number;
  /** growthBytes per second over the streak. */
  growthBytesPerSecond: number;
  /** Sites that grew most over the streak (diff of live profiles); null when the sampler does not run in live mode. */
  sites: LeakWatchSite[] | null;
  /**
   * The live heap at its high-water mark since the sampler started, when it runs with
   * `peak` (heap.start({ mode: 'live', peak: true })): when (ms since the sampler's
   * start), the heap used then, and its top sites; null otherwise.
   */
  peak: { at: number; usedBytes: number; sites: { site: string; bytes: number }[] } | null;
}

const DEFAULTS: Required<LeakWatchOptions> = { consecutiveGrowth: 3, minGrowthBytes: 4 * 1024 * 1024, toleranceBytes: 512 * 1024, windowGcs: 3, noiseGcs: 10, topSites: 10 };
const SCHEMA = {
  consecutiveGrowth: { kind: 'integer', min: 1, max: 1000 },
  minGrowthBytes: { kind: 'integer', min: 0, max: 2 ** 50 },
  toleranceBytes: { kind: 'integer', min: 0, max: 2 ** 50 },
  windowGcs: { kind: 'integer', min: 1, max: 100 },
  noiseGcs: { kind: 'integer', min: 0, max: 1000 },
  topSites: { kind: 'integer', min: 0, max: 10_000 },
} as const;
const GC_BUFFER = 256;


/** Watches running on this thread, and cumulative counts, for metrics.register() (allocscope_leaks_*). */
const running = new Set<LeakWatch>();
const counted = { majorGcs: 0, leakEvents: 0 };

function metricsFigures(): LeakWatchFigures {
  const figures: LeakWatchFigures = { watches: running.size, majorGcs: counted.majorGcs, leakEvents: counted.leakEvents, liveEstimateBytes: 0, streakGrowthBytes: 0, streakGrowingGcs: 0 };
  for (const w of running) {
    const s = w.streakFigures();
    figures.liveEstimateBytes = Math.max(figures.liveEstimateBytes, s.liveEstimateBytes);
    figures.streakGrowthBytes = Math.max(figures.streakGrowthBytes, s.growthBytes);
    figures.streakGrowingGcs = Math.max(figures.streakGrowingGcs, s.growingGcs);
  }
  return figures;
}

interface Streak { base: number; baseTime: number; high: number; growing: number; gcs: number; estimates: number[]; raw: number[]; profile: Profile | null }

/**
 * Emits 'leak' (LeakWatchEvent) when major GCs show the live heap climbing
 * (see the rules at the top of this file and docs/leaks.md), and 'error' if a
 * profile cannot be read. stop() or `using` ends it.
 */
export class LeakWatch extends EventEmitter {
  readonly options: Required<LeakWatchOptions>;
  #streak: Streak | undefined;
  #listener: ((event: GcEvent) => void) | undefined;
  #releaseGc: (() => void) | undefined;
  #majorGcs = 0;
  #recent: number[] = [];
  /** Post-GC heaps of the last noiseGcs + 1 major GCs, for the swing. */
  #history: number[] = [];

  constructor(options?: LeakWatchOptions) {
    super();
    this.options = resolveOptions('leaks.watch()', options, DEFAULTS, SCHEMA);
    // Shared with the metrics (and whoever else holds it): stopping this watch stops the tracker only if no one else needs it.
    this.#releaseGc = holdGcTracking({ bufferSize: GC_BUFFER });
    this.#listener = (event) => this.#onGc(event);
    gc.on('gc', this.#listener);
    running.add(this);
    if (running.size === 1) setMetricsSource('leaks', metricsFigures);
  }

  /** The current streak, for the metrics: the estimate now, its climb above the streak's base, growing GCs. */
  streakFigures(): { liveEstimateBytes: number; growthBytes: number; growingGcs: number } {
    const s = this.#streak;
    if (!s) return { liveEstimateBytes: 0, growthBytes: 0, growingGcs: 0 };
    return { liveEstimateBytes: s.estimates[s.estimates.length - 1]!, growthBytes: s.high - s.base, growingGcs: s.growing };
  }

  /** Whether the watch runs. */
  get running(): boolean { return this.#listener !== undefined; }

  /** Major GCs seen since the watch started. */
  get majorGcs(): number { return this.#majorGcs; }

  /** Stops watching; false (no-op) when stopped already. */
  stop(): boolean {
    if (!this.#listener) return false;
    gc.off('gc', this.#listener);
    this.#listener = undefined;
    this.#streak = undefined;
    running.delete(this);
    if (running.size === 0) clearMetricsSource('leaks');
    this.#releaseGc?.();
    this.#releaseGc = undefined;
    return true;
  }

  [Symbol.dispose](): void { this.stop(); }

  #onGc(event: GcEvent): void {
    if (event.type !== 'markSweepCompact' || event.depth !== 0) return;
    this.#majorGcs++;
    counted.majorGcs++;
    const raw = event.usedAfterBytes;
    this.#recent.push(raw);
    if (this.#recent.length > this.options.windowGcs) this.#recent.shift();
    this.#history.push(raw);
    if (this.#history.length > this.options.noiseGcs + 1) this.#history.shift();
    const bytes = Math.min(...this.#recent);
    const now = performance.now();
    const s = this.#streak;
    if (!s || bytes < s.high - this.options.toleranceBytes) { this.#restart(bytes, raw, now); return; }
    s.gcs++;
    s.estimates.push(bytes);
    s.raw.push(raw);
    if (bytes <= s.high) return; // a tolerated dip (or flat): the streak goes on
    s.high = bytes;
    s.growing++;
    const growthBytes = bytes - s.base;
    const noiseBytes = this.#swing();
    if (s.growing < this.options.consecutiveGrowth || growthBytes < this.options.minGrowthBytes + noiseBytes) return;
    const durationMs = now - s.baseTime;
    const leak: LeakWatchEvent = {
      growthBytes, baseBytes: s.base, currentBytes: bytes, noiseBytes, growingGcs: s.growing, gcs: s.gcs, liveEstimateBytes: s.estimates.slice(), postGcBytes: s.raw.slice(),
      durationMs, growthBytesPerSecond: durationMs > 0 ? growthBytes / (durationMs / 1000) : 0, sites: this.#sites(s.profile),
      peak: this.#peak(),
    };
    this.#restart(bytes, raw, now);
    counted.leakEvents++;
    this.emit('leak', leak);
  }

  /** The largest fall between consecutive post-GC heaps in the history (0 when it never fell). */
  #swing(): number {
    let fall = 0;
    for (let i = 1; i < this.#history.length; i++) fall = Math.max(fall, this.#history[i - 1]! - this.#history[i]!);
    return fall;
  }

  #restart(bytes: number, raw: number, now: number): void {
    this.#streak = { base: bytes, baseTime: now, high: bytes, growing: 0, gcs: 0, estimates: [bytes], raw: [raw], profile: this.#profile() };
  }

  /** The live profile now, when the sampler runs in live mode and sites are wanted. */
  #profile(): Profile | null {
    if (this.options.topSites === 0 || runningMode() !== 'live') return null;
    try {
      return heap.profile({ sourceMaps: false });
    } catch (error) {
      this.emit('error', error);
      return null;
    }
  }

  /** The peak profile's top sites, when the sampler keeps moments. */
  #peak(): LeakWatchEvent['peak'] {
    if (this.options.topSites === 0 || runningMode() !== 'live') return null;
    let p: Profile | null;
    try {
      p = peakProfile({ sourceMaps: false });
    } catch {
      return null; // the sampler runs without `peak`
    }
    if (!p?.peak) return null;
    const sites = p.top(this.options.topSites + 8).filter((r) => !isOwnFile(r.key.split('\0')[1] ?? '')).slice(0, this.options.topSites);
    return { at: p.peak.at, usedBytes: p.peak.usedBytes, sites: sites.map((r) => ({ site: r.label, bytes: Math.round(r.bytes) })) };
  }

  #sites(base: Profile | null): LeakWatchSite[] | null {
    if (!base) return null;
    const now = this.#profile();
    if (!now) return null;
    return now.diff(base, { by: 'site' }).filter((d) => d.deltaBytes > 0 && !isOwnFile(d.key.split('\0')[1] ?? '')).slice(0, this.options.topSites).map((d) => ({
      site: d.label, bytes: Math.round(d.bytes), olderBytes: Math.round(d.olderBytes), deltaBytes: Math.round(d.deltaBytes), deltaObjects: Math.round(d.deltaObjects),
    }));
  }
}

/** Starts a LeakWatch on this thread. */
export function watch(options?: LeakWatchOptions): LeakWatch {
  return new LeakWatch(options);
}
