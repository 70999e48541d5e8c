// The capture: everything one run recorded, as plain data. Written by the
// recorder in the measured process, read and reported anywhere.
// The format is documented in docs/capture-format.md; bump CAPTURE_VERSION on
// any incompatible change.
import type { FragmentationReport } from '../runtime/fragmentation';
import type { GcEvent, GcSummary } from '../runtime/gc';
import type { HeapStats } from '../runtime/heap';
import type { InliningState } from '../sampler/inlining';
import type { LeakReport } from '../leaks/report';
import type { MallocStats } from '../runtime/malloc';
import type { ProfileData } from '../profile/data';
import type { SpaceStats } from '../runtime/spaces';

export const CAPTURE_FORMAT = 'allocscope-capture';
export const CAPTURE_VERSION = 1;

/** A GC event as stored: JSON-safe (startNs as a string) and with an epoch time. */
export type CaptureGcEvent = Omit<GcEvent, 'startNs'> & {
  startNs: string;
  /** Epoch milliseconds of the GC's start. */
  timeMs: number;
};

/** Heap/process figures sampled every `periodMs`, as columns. */
export interface Timeline {
  periodMs: number;
  /** Epoch milliseconds of each sample. */
  timeMs: number[];
  heapUsedBytes: number[];
  heapCommittedBytes: number[];
  externalBytes: number[];
  rssBytes: number[];
  /**
   * RSS sampled every `periodMs` by a background thread, which also runs while
   * JavaScript keeps the event loop busy (when the columns above get no sample).
   * Optional: absent in captures of platforms without /proc.
   */
  rss?: { timeMs: number[]; bytes: number[] };
}

export interface CaptureMeta {
  node: string;
  v8: string;
  platform: string;
  arch: string;
  pid: number;
  /** The program's argv (script and arguments). */
  argv: string[];
  cwd: string;
  startTimeMs: number;
  endTimeMs: number;
  /** What made this capture: the program's end, a signal, SIGUSR2, or an API call. */
  reason: 'exit' | 'SIGINT' | 'SIGTERM' | 'SIGUSR2' | 'api' | 'near-heap-limit';
  /** reason 'near-heap-limit': V8's heap limit when it ran out, and the limit it started with, bytes. */
  heapLimitBytes?: number;
  initialHeapLimitBytes?: number;
  exitCode?: number | null;
  /**
   * V8's inlining during the run: `off` when neither Turbofan nor Maglev inlined
   * (`allocscope run`'s default, or the program's own flags), so that each
   * allocation is charged to the function that made it; `on` when V8 inlined (an
   * inlined function's allocations then count at its caller). Absent in older captures.
   */
  inlining?: InliningState;
  /** The options the recorder ran with. */
  options: Record<string, unknown>;
}

export interface Capture {
  format: typeof CAPTURE_FORMAT;
  version: typeof CAPTURE_VERSION;
  meta: CaptureMeta;
  /** The allocation profile, or null when the sampler did not run. */
  profile: ProfileData | null;
  gc: {
    /** The newest events (bounded by the tracker's buffer). */
    events: CaptureGcEvent[];
    summary: GcSummary | null;
  };
  timeline: Timeline;
  /** Figures at capture time. */
  heap: HeapStats;
  spaces: SpaceStats[];
  malloc: MallocStats | null;
  fragmentation: FragmentationReport | null;
  /** Statistics of the pools registered in the program (pools.track, ObjectPool), with recommendations. */
  pools: unknown[];
  /** What `allocscope leaks` found (absent in other captures). Schema: docs/leaks.md. */
  leaks?: LeakReport;
}
