// Windows over the GCs of stretches of code: count, pause time and the external
// (ArrayBuffer) memory they freed. Uses the GC tracker (two C++ callbacks per GC,
// ~0.3 µs), started for the duration when the user has not, and never drains the
// user's own `gc.events()`.
import { gc } from '../runtime/gc';

export interface GcWindowFigures {
  count: number;
  pauseMs: number;
  /** External memory freed by the window's top-level GCs (sum of before − after). */
  externalFreedBytes: number;
  /** Records overwritten before they were read (the figures are then lower bounds). */
  dropped: number;
}

/** Runs `body` with the GC tracker running (started and stopped around it if needed). */
export async function withGcTracker<T>(body: () => Promise<T>): Promise<T> {
  const owns = !gc.running;
  if (owns) gc.start({ bufferSize: 1 << 14 });
  try {
    return await body();
  } finally {
    if (owns) gc.stop();
  }
}

/** Opens a window (the tracker must be running); `close()` returns its figures. */
export function openGcWindow(): { close(): GcWindowFigures } {
  const start = gc.summary();
  const cursor = gc.eventsSince(Number.MAX_SAFE_INTEGER).nextSeq;
  return {
    close(): GcWindowFigures {
      const end = gc.summary();
      const { events, dropped } = gc.eventsSince(cursor);
      let externalFreedBytes = 0;
      for (const e of events) if (e.depth === 0) externalFreedBytes += e.externalBeforeBytes - e.externalAfterBytes;
      return { count: end.count - start.count, pauseMs: end.gcTimeMs - start.gcTimeMs, externalFreedBytes, dropped };
    },
  };
}
