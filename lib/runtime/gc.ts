// GC tracking: every GC's kind, pause and per-space before/after figures, from
// the addon's ring buffer; cumulative counters and pause percentiles per kind.
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { AllocscopeError, typeError } from '../core/errors';
import { quantile } from '../core/histogram';
import { nativeNamespace } from '../core/native';
import { resolveOptions } from '../core/options';
import { spaceNames } from './spaces';
import type { GcEvent, GcSpaceDelta, GcSummary, GcTypeName, GcTypeSummary } from './gc-types';

export type { GcEvent, GcSpaceDelta, GcSummary, GcTypeName, GcTypeSummary } from './gc-types';

export interface GcStartOptions {
  /** Ring-buffer capacity in GC records (oldest overwritten, drops counted). Default 4096. */
  bufferSize?: number;
}

/** `native.gc`: native/gc_tracker.cc. */
interface GcBinding {
  /** null when already running. originNs: uv_hrtime() at start, the clock of process.hrtime.bigint(). */
  start(capacity: number): { originNs: bigint; recordWidth: number; headerFields: number } | null;
  stop(): boolean;
  read(fromSeq: number): { records: Float64Array; nextSeq: number; oldestSeq: number };
  /** A fresh copy of the cumulative counters, laid out as `layout` says. */
  counters(): Float64Array;
  setNotify(fn: (() => void) | null): void;
  /** Runs the tracker's prologue (phase 0) or epilogue (1) as a GC would; returns the nesting depth (tests, benchmarks). */
  simulate(phase: 0 | 1, type: number, flags: number): number;
  layout: {
    /** Header fields before the per-kind counters (GcCounterField). */
    counterHeader: number;
    kindCount: number;
    /** Fields per kind (GcKindField): count, totalNs, maxNs, freedBytes. */
    kindFields: number;
    kindNames: string[];
    /** Buckets of one kind's pause histogram (native/pause_histogram.h), after all kinds' fields. */
    histogramBuckets: number;
    histogramSubBits: number;
  };
}

const binding = nativeNamespace<GcBinding>('gc');
const L = binding.layout;
const DEFAULTS: Required<GcStartOptions> = { bufferSize: 4096 };
const SCHEMA = { bufferSize: { kind: 'integer', min: 16, max: 1 << 20 } } as const;
const FORCED_FLAG = 1 << 2; // kGCCallbackFlagForced
const KIND_FIELDS = { count: 0, totalNs: 1, maxNs: 2, freedBytes: 3 };
const CNT = { elapsedNs: 0, records: 1, unmatched: 2, overflows: 3, maxDepth: 4, promoted: 5, youngBefore: 6, topLevelNs: 7 };
const HISTOGRAMS_AT = L.counterHeader + L.kindCount * L.kindFields;

/** One GC kind's counters since `gc.start()`. */
export interface GcKindCounters {
  type: GcTypeName;
  count: number;
  totalNs: number;
  maxNs: number;
  freedBytes: number;
  /** Pause histogram, ns: log-linear, 2^histogramSubBits buckets per power of two (see core/histogram.ts). */
  histogram: Float64Array;
}

/** The GC tracker's cumulative counters (they outlive ring-buffer overwrites). */
export interface GcCounters {
  elapsedNs: number;
  /** Pause time of top-level GCs (nested GCs are inside them). */
  topLevelPauseNs: number;
  promotedBytes: number;
  youngBytesBefore: number;
  unmatchedEpilogues: number;
  maxDepth: number;
  /** Every kind, in the addon's order, counted or not. */
  kinds: GcKindCounters[];
  histogramSubBits: number;
}

/** Reads the calling thread's GC counters (one copy from the addon; the histograms are views into it). */
export function readGcCounters(): GcCounters {
  const c = binding.counters();
  const kinds: GcKindCounters[] = new Array(L.kindCount);
  for (let k = 0; k < L.kindCount; k++) {
    const base = L.counterHeader + k * L.kindFields;
    const at = HISTOGRAMS_AT + k * L.histogramBuckets;
    kinds[k] = {
      type: L.kindNames[k] as GcTypeName,
      count: c[base + KIND_FIELDS.count]!,
      totalNs: c[base + KIND_FIELDS.totalNs]!,
      maxNs: c[base + KIND_FIELDS.maxNs]!,
      freedBytes: c[base + KIND_FIELDS.freedBytes]!,
      histogram: c.subarray(at, at + L.histogramBuckets),
    };
  }
  return {
    elapsedNs: c[CNT.elapsedNs]!,
    topLevelPauseNs: c[CNT.topLevelNs]!,
    promotedBytes: c[CNT.promoted]!,
    youngBytesBefore: c[CNT.youngBefore]!,
    unmatchedEpilogues: c[CNT.unmatched]!,
    maxDepth: c[CNT.maxDepth]!,
    kinds,
    histogramSubBits: L.histogramSubBits,
  };
}

/** Top-level GC pause time so far on this thread, ns (0 before the first `gc.start()`). */
export function gcPauseNs(): number {
  return binding.counters()[CNT.topLevelNs]!;
}

// performance.now() = (hrtime − timeOrigin) / 1e6; recover timeOrigin once.
const hrtimeAtPerfZeroNs = process.hrtime.bigint() - BigInt(Math.round(performance.now() * 1e6));

function typeName(kind: number): GcTypeName {
  const bits = kind >>> 0;
  const index = bits !== 0 && (bits & (bits - 1)) === 0 ? 31 - Math.clz32(bits) : -1;
  return (L.kindNames[index] ?? 'other') as GcTypeName;
}

interface Session { originNs: bigint; recordWidth: number; headerFields: number }

/**
 * The GC tracker of the calling thread. `gc.on('gc', listener)` receives each
 * event shortly after the GC (never inside it); `events.on(gc, 'gc')` gives an
 * async iterator.
 */
class GcTracker extends EventEmitter {
  #session: Session | undefined;
  #running = false;
  #eventsCursor = 0;
  #eventsDropped = 0;
  #listenerCursor = 0;

  constructor() {
    super();
    this.on('newListener', (name) => {
      if (name === 'gc' && this.listenerCount('gc') === 0) {
        this.#listenerCursor = this.#running ? binding.read(Number.MAX_SAFE_INTEGER).nextSeq : 0;
        binding.setNotify(() => this.#deliver());
      }
    });
    this.on('removeListener', (name) => {
      if (name === 'gc' && this.listenerCount('gc') === 0) binding.setNotify(null);
    });
  }

  /** Whether tracking is running. */
  get running(): boolean {
    return this.#running;
  }

  /**
   * Starts tracking GCs of this thread's isolate. Throws ERR_ALLOCSCOPE_ALREADY_STARTED
   * if it runs already. Counters and the buffer start empty.
   */
  start(options?: GcStartOptions): void {
    const { bufferSize } = resolveOptions('gc.start()', options, DEFAULTS, SCHEMA);
    const started = binding.start(bufferSize);
    if (!started) throw new AllocscopeError('ERR_ALLOCSCOPE_ALREADY_STARTED', 'gc.start() was called while GC tracking is running; call gc.stop() first');
    this.#session = started;
    this.#running = true;
    this.#eventsCursor = 0;
    this.#eventsDropped = 0;
    this.#listenerCursor = 0;
  }

  /**
   * Stops tracking. Returns false (and does nothing) when not running. Events not
   * yet read and the summary stay available until the next `gc.start()`.
   */
  stop(): boolean {
    if (!this.#running) return false;
    if (this.listenerCount('gc') > 0) this.#deliver(); // flush before the callbacks go
    binding.stop();
    this.#running = false;
    return true;
  }

  /** Drains and returns the GC events recorded since the last call (oldest first). */
  events(): GcEvent[] {
    const session = this.#requireSession('gc.events()');
    const { events, nextSeq, dropped } = this.#read(session, this.#eventsCursor);
    this.#eventsCursor = nextSeq;
    this.#eventsDropped += dropped;
    return events;
  }

  /**
   * The events from sequence number `fromSeq` on (oldest first), without draining
   * `events()`: for tools that read a window of GCs while another reader uses
   * `events()`. `nextSeq` is where the next window starts.
   */
  eventsSince(fromSeq: number): { events: GcEvent[]; nextSeq: number; dropped: number } {
    if (!(Number.isSafeInteger(fromSeq) && fromSeq >= 0)) throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `gc.eventsSince() takes a sequence number (an integer >= 0), got ${JSON.stringify(fromSeq)}`);
    return this.#read(this.#requireSession('gc.eventsSince()'), fromSeq);
  }

  /** Counts, pause percentiles per kind, GC time share, freed and promoted bytes since start. */
  summary(): GcSummary {
    this.#requireSession('gc.summary()');
    const counters = readGcCounters();
    const byType: Partial<Record<GcTypeName, GcTypeSummary>> = {};
    let count = 0;
    let freedBytes = 0;
    for (const { type, count: n, totalNs, maxNs, freedBytes: freed, histogram } of counters.kinds) {
      if (n === 0) continue;
      const q = (p: number) => quantile(histogram, 0, histogram.length, counters.histogramSubBits, p, maxNs) / 1e6;
      byType[type] = {
        count: n, totalMs: totalNs / 1e6, meanMs: totalNs / n / 1e6, maxMs: maxNs / 1e6,
        p50Ms: q(0.5), p90Ms: q(0.9), p99Ms: q(0.99), freedBytes: freed,
      };
      count += n;
      freedBytes += freed;
    }
    const elapsedMs = counters.elapsedNs / 1e6;
    const gcTimeMs = counters.topLevelPauseNs / 1e6;
    const { promotedBytes, youngBytesBefore: youngBefore } = counters;
    // Records the events() reader has not seen and that are already overwritten.
    const { oldestSeq } = binding.read(Number.MAX_SAFE_INTEGER);
    const pendingDrops = Math.max(0, oldestSeq - this.#eventsCursor);
    return {
      running: this.#running,
      elapsedMs,
      count,
      gcTimeMs,
      gcTimeShare: elapsedMs > 0 ? gcTimeMs / elapsedMs : 0,
      freedBytes,
      promotedBytes,
      promotionRatio: youngBefore > 0 ? promotedBytes / youngBefore : 0,
      promotedBytesPerSecond: elapsedMs > 0 ? promotedBytes / (elapsedMs / 1e3) : 0,
      droppedEvents: this.#eventsDropped + pendingDrops,
      unmatchedCallbacks: counters.unmatchedEpilogues,
      maxNestingDepth: counters.maxDepth,
      byType,
    };
  }

  #requireSession(where: string): Session {
    if (!this.#session) throw new AllocscopeError('ERR_ALLOCSCOPE_NOT_STARTED', `${where} needs gc.start() first: no GC has been tracked yet`);
    return this.#session;
  }

  #read(session: Session, from: number): { events: GcEvent[]; nextSeq: number; dropped: number } {
    const { records, nextSeq, oldestSeq } = binding.read(from);
    const width = session.recordWidth;
    const n = records.length / width;
    const events: GcEvent[] = new Array(n);
    for (let i = 0; i < n; i++) events[i] = decode(records, i * width, session);
    return { events, nextSeq, dropped: Math.max(0, oldestSeq - from) };
  }

  #deliver(): void {
    if (!this.#session) return;
    let batch: { events: GcEvent[]; nextSeq: number };
    try {
      batch = this.#read(this.#session, this.#listenerCursor);
    } catch (error) {
      this.emit('error', error);
      return;
    }
    this.#listenerCursor = batch.nextSeq;
    // A throwing listener must not stop the others, nor throw into the addon:
    // rethrow on the next tick, where it is an ordinary uncaught exception.
    for (const event of batch.events) {
      try {
        this.emit('gc', event);
      } catch (error) {
        process.nextTick(() => { throw error; });
      }
    }
  }
}

function decode(r: Float64Array, at: number, session: Session): GcEvent {
  const n = spaceNames.length;
  const h = at + session.headerFields;
  const spaces: Record<string, GcSpaceDelta> = {};
  let usedBefore = 0, usedAfter = 0, committedBefore = 0, committedAfter = 0;
  for (let s = 0; s < n; s++) {
    const delta: GcSpaceDelta = {
      usedBeforeBytes: r[h + s]!,
      usedAfterBytes: r[h + n + s]!,
      committedBeforeBytes: r[h + 2 * n + s]!,
      committedAfterBytes: r[h + 3 * n + s]!,
    };
    spaces[spaceNames[s]!] = delta;
    usedBefore += delta.usedBeforeBytes;
    usedAfter += delta.usedAfterBytes;
    committedBefore += delta.committedBeforeBytes;
    committedAfter += delta.committedAfterBytes;
  }
  const kind = r[at + 1]!;
  const flags = r[at + 2]!;
  const startNs = session.originNs + BigInt(r[at + 4]!);
  const pauseNs = r[at + 5]!;
  return {
    seq: r[at]!,
    type: typeName(kind),
    kind,
    flags,
    forced: (flags & FORCED_FLAG) !== 0,
    depth: r[at + 3]!,
    startNs,
    startTime: Number(startNs - hrtimeAtPerfZeroNs) / 1e6,
    pauseNs,
    duration: pauseNs / 1e6,
    usedBeforeBytes: usedBefore,
    usedAfterBytes: usedAfter,
    committedBeforeBytes: committedBefore,
    committedAfterBytes: committedAfter,
    freedBytes: usedBefore - usedAfter,
    externalBeforeBytes: r[at + 6]!,
    externalAfterBytes: r[at + 7]!,
    spaces,
  };
}

export type { GcTracker };
/** The GC tracker of the calling thread (each worker has its own). */
export const gc = new GcTracker();
