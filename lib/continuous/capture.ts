// A period's capture (the `.allocscope` format `allocscope report` reads): the
// profile with the heap and GC figures taken with it, and one timeline point.
import { buildCapture, toCaptureEvent } from '../capture/build';
import type { Capture } from '../capture/capture';
import type { GcEvent } from '../runtime/gc';
import type { ProfileData } from '../profile/data';
import type { CollectionFigures } from './collection';

export function periodCapture(profile: ProfileData, figures: CollectionFigures, gcEvents: GcEvent[], fromMs: number, untilMs: number,
  options: { mode: string; intervalBytes: number; stackDepth: number; labels: Record<string, string> }): Capture {
  const h = figures.heap;
  return buildCapture({
    meta: {
      startTimeMs: fromMs, endTimeMs: untilMs, reason: 'api',
      options: { continuous: true, mode: options.mode, intervalBytes: options.intervalBytes, stackDepth: options.stackDepth, labels: options.labels },
    },
    profile,
    gc: { events: gcEvents.map(toCaptureEvent), summary: figures.gc },
    timeline: {
      periodMs: untilMs - fromMs, timeMs: [untilMs], heapUsedBytes: [h.usedHeapSizeBytes], heapCommittedBytes: [h.totalHeapSizeBytes],
      externalBytes: [h.externalMemoryBytes], rssBytes: [figures.rssBytes],
    },
    heap: h,
  });
}
