// The capture: everything one run recorded, as plain data. Written by the
// recorder in the measured process, read and reported anywhere.
// The format is documented in docs/capture-format.md; bump CAPTURE_VERSION on
// any incompatible change.
import type { FragmentationReport } from '../runtime/fragmentation';
import type { GcEvent, GcSummary } from '../runtime/gc';
import type { HeapStats } from '../runtime/heap';
import type { LeakReport } from '../leaks/report';
import type { MallocStats } from '../runtime/malloc';
import type { ProfileData } from '../profile/data';
import type { SpaceStats } from '../runtime/spaces';
import type { CaptureMeta } from './meta';
import type { MemoryOverTime } from './memory-over-time';
import type { Timeline } from './timeline';

export const CAPTURE_FORMAT = 'allocscope-capture';
export const CAPTURE_VERSION = 1;

/** A GC event as stored: JSON-safe (startNs as a string) and with an epoch time. */
export type CaptureGcEvent = Omit<GcEvent, 'startNs'> & {
  startNs: string;
  /** Epoch milliseconds of the GC's start. */
  timeMs: number;
};

export type { CaptureMeta } from './meta';
export type { Timeline } from './timeline';

export interface Capture {
  format: typeof CAPTURE_FORMAT;
  version: typeof CAPTURE_VERSION;
  meta: CaptureMeta;
  /** The allocation profile, or null when the sampler did not run. */
  profile: ProfileData | null;
  /** The native allocation profile (`run --native`: malloc & co. by stack), absent when not recorded. */
  nativeProfile?: ProfileData | null;
  /** `run --native --mode live`: the native live profile at its high-water mark (malloc.peakProfile()). */
  nativePeakProfile?: ProfileData;
  /**
   * Live mode with the peak recorded (the default there): moments of the live heap,
   * the peak's among them, and the top sites' live bytes over time. Absent otherwise.
   */
  memoryOverTime?: MemoryOverTime;
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
