// GC tracking is needed by the metrics but may be the user's: a registration
// (or a worker reporter) starts it only when it is not running, and the last
// holder stops it only if a holder started it.
import { gc } from '../gc';

let holders = 0;
let startedByUs = false;

/** Makes sure GC tracking runs on this thread; the returned function releases the hold (idempotent). */
export function holdGcTracking(): () => void {
  if (!gc.running) {
    gc.start();
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
