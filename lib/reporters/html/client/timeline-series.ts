// The timeline chart's data: heap samples, RSS from the background thread, and
// each top-level GC pause as two points (before and after) plus a shaded span.
import type { PageGcEvent, PageTimeline } from './page-data';

/** x (seconds since the start), heap used, heap committed, external, RSS. */
export type TimelineColumns = [number[], (number | null)[], (number | null)[], (number | null)[], (number | null)[]];

export interface GcPause {
  /** Seconds since the start. */
  start: number;
  end: number;
  type: string;
}

export interface TimelineSeries {
  columns: TimelineColumns;
  pauses: GcPause[];
  hasRss: boolean;
}

/** Young-generation collections are minor; everything else (mark-compact, incremental marking, …) is major. */
export function isMajorGc(type: string): boolean {
  return type !== 'scavenge' && type !== 'minorMarkCompact' && type !== 'minorMarkSweep';
}

/** The chart's columns, sorted by time with strictly increasing x; null when there is nothing to draw. */
export function timelineSeries(timeline: PageTimeline, gcEvents: readonly PageGcEvent[], startTimeMs: number): TimelineSeries | null {
  type Point = [number, number | null, number | null, number | null, number | null];
  const points: Point[] = [];
  const seconds = (epochMs: number) => (epochMs - startTimeMs) / 1000;
  for (let i = 0; i < timeline.timeMs.length; i++) {
    points.push([seconds(timeline.timeMs[i]!), timeline.heapUsedBytes[i]!, timeline.heapCommittedBytes[i]!, timeline.externalBytes[i]!, timeline.rssBytes[i]!]);
  }
  // RSS from the background thread: points even while the program kept the event loop busy.
  const rss = timeline.rss;
  if (rss) for (let i = 0; i < rss.timeMs.length; i++) points.push([seconds(rss.timeMs[i]!), null, null, null, rss.bytes[i]!]);
  const pauses: GcPause[] = [];
  for (const e of gcEvents) {
    if (e[3] !== 0) continue; // nested GCs are inside their parent's pause
    const start = seconds(e[0]), end = start + e[1] / 1000;
    points.push([start, e[4], e[6], e[8], null], [end, e[5], e[7], e[9], null]);
    pauses.push({ start, end, type: e[2] });
  }
  if (points.length === 0) return null;
  points.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < points.length; i++) if (points[i]![0] <= points[i - 1]![0]) points[i]![0] = points[i - 1]![0] + 1e-9;
  const columns: TimelineColumns = [points.map((p) => p[0]), points.map((p) => p[1]), points.map((p) => p[2]), points.map((p) => p[3]), points.map((p) => p[4])];
  return { columns, pauses, hasRss: columns[4].some((v) => v !== null) };
}
