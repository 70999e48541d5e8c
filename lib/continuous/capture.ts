// A period's capture (the `.allocscope` format `allocscope report` reads): the
// profile with the heap, space, allocator and GC figures taken with it.
import { performance } from 'node:perf_hooks';
import { CAPTURE_FORMAT, CAPTURE_VERSION, type Capture } from '../capture/capture';
import { fragmentation } from '../runtime/fragmentation';
import type { GcEvent } from '../runtime/gc';
import { malloc } from '../runtime/malloc';
import { pools } from '../pools';
import type { ProfileData } from '../profile/data';
import { v8Version } from '../runtime/isolate';
import { spaces } from '../runtime/spaces';
import type { CollectionFigures } from './collection';

export function buildCapture(profile: ProfileData, figures: CollectionFigures, gcEvents: GcEvent[], fromMs: number, untilMs: number,
  options: { mode: string; intervalBytes: number; stackDepth: number; labels: Record<string, string> }): Capture {
  const h = figures.heap;
  return {
    format: CAPTURE_FORMAT,
    version: CAPTURE_VERSION,
    meta: {
      node: process.version, v8: v8Version, platform: process.platform, arch: process.arch,
      pid: process.pid, argv: process.argv.slice(1), cwd: process.cwd(),
      startTimeMs: fromMs, endTimeMs: untilMs, reason: 'api',
      options: { continuous: true, mode: options.mode, intervalBytes: options.intervalBytes, stackDepth: options.stackDepth, labels: options.labels },
    },
    profile,
    gc: {
      events: gcEvents.map((e) => ({ ...e, startNs: e.startNs.toString(), timeMs: performance.timeOrigin + e.startTime })),
      summary: figures.gc,
    },
    timeline: {
      periodMs: untilMs - fromMs, timeMs: [untilMs], heapUsedBytes: [h.usedHeapSizeBytes], heapCommittedBytes: [h.totalHeapSizeBytes],
      externalBytes: [h.externalMemoryBytes], rssBytes: [figures.rssBytes],
    },
    heap: h,
    spaces: spaces.stats(),
    malloc: malloc.stats(),
    fragmentation: fragmentation(),
    pools: [...pools.stats(), pools.nodeBufferPool()],
  };
}
