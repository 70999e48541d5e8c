// Builds a Capture in the measured process: the caller brings what it recorded
// (profile, GC events, timeline, when and why); the process' identity and the
// figures read at capture time (spaces, allocator, fragmentation, pools) are
// filled in here, the same for `allocscope run`'s recorder and continuous mode.
import { performance } from 'node:perf_hooks';
import { fragmentation } from '../runtime/fragmentation';
import type { GcEvent, GcSummary } from '../runtime/gc';
import type { HeapStats } from '../runtime/heap';
import { malloc } from '../runtime/malloc';
import { v8Version } from '../runtime/isolate';
import { spaces } from '../runtime/spaces';
import type { ProfileData } from '../profile/data';
import type { MemoryOverTime } from './memory-over-time';
import { CAPTURE_FORMAT, CAPTURE_VERSION, type Capture, type CaptureGcEvent, type CaptureMeta, type Timeline } from './capture';

export interface RecordedParts {
  /** When and why, and the options the recording ran with; the process' identity is added. */
  meta: Omit<CaptureMeta, 'node' | 'v8' | 'platform' | 'arch' | 'pid' | 'argv' | 'cwd'>;
  profile: ProfileData | null;
  nativeProfile?: ProfileData | null;
  memoryOverTime?: MemoryOverTime;
  nativePeakProfile?: ProfileData;
  gc: { events: CaptureGcEvent[]; summary: GcSummary | null };
  timeline: Timeline;
  heap: HeapStats;
}

export function buildCapture(recorded: RecordedParts): Capture {
  // Loaded when a capture is built (at exit, for `allocscope run`), not for the whole run;
  // a program that registers pools has loaded the module already.
  const { pools } = require('../pools') as typeof import('../pools');
  return {
    format: CAPTURE_FORMAT,
    version: CAPTURE_VERSION,
    meta: {
      node: process.version, v8: v8Version, platform: process.platform, arch: process.arch,
      pid: process.pid, argv: process.argv.slice(1), cwd: process.cwd(),
      ...recorded.meta,
    },
    profile: recorded.profile,
    ...(recorded.nativeProfile !== undefined ? { nativeProfile: recorded.nativeProfile } : {}),
    ...(recorded.memoryOverTime ? { memoryOverTime: recorded.memoryOverTime } : {}),
    ...(recorded.nativePeakProfile ? { nativePeakProfile: recorded.nativePeakProfile } : {}),
    gc: recorded.gc,
    timeline: recorded.timeline,
    heap: recorded.heap,
    spaces: spaces.stats(),
    malloc: malloc.stats(),
    fragmentation: fragmentation(),
    pools: [...pools.stats(), pools.nodeBufferPool()],
  };
}

/** A GC event as a capture stores it: the start as a decimal string (a bigint does not survive JSON), and wall-clock time. */
export function toCaptureEvent(e: GcEvent): CaptureGcEvent {
  return { ...e, startNs: e.startNs.toString(), timeMs: performance.timeOrigin + e.startTime };
}
