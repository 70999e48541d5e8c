// GC tracking is shared: the metrics, leak watch (and continuous mode) need it
// and it may be the user's. A holder starts it only when it is not running, and
// the last holder stops it only if a holder started it; so one module stopping
// cannot take the tracker away from another that still reads it.
import { gc, type GcStartOptions } from '../runtime/gc';

let holders = 0;
let startedByUs = false;

/**
 * Makes sure GC tracking runs on this thread; the returned function releases the
 * hold (idempotent). `options` apply only if this call starts the tracker.
 */
export function holdGcTracking(options?: GcStartOptions): () => void {
  if (!gc.running) {
    gc.start(options);
    startedByUs = true;
  }
  holders++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0 && startedByUs) {
      startedByUs = false;
      gc.stop();
    }
  };
}
