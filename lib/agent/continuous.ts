// Continuous profiling started inside the profiled process, on every thread:
// the main thread exports, a worker profiles itself and forwards to the main
// thread. A bad configuration prints one line (code and reason) on the main
// thread and leaves profiling off: a profiler must never take the service down.
import { isMainThread } from 'node:worker_threads';
import { isCodedError } from '../core/errors';
import { continuous } from '../continuous';
import type { ContinuousOptions } from '../continuous/options';

/** @param options read here, so that a failure to read them is reported like one to start. */
export function startContinuousInThisThread(options: () => ContinuousOptions | null): void {
  try {
    let o = options();
    if (!o) return;
    if (!isMainThread) {
      if (o.workers === false) return;
      o = { ...o, exporters: [] }; // forward to the main thread
    }
    const session = continuous.start(o);
    // The last partial period goes out when the program ends by itself.
    if (isMainThread) process.once('beforeExit', () => { void session.stop(); });
  } catch (error) {
    if (!isMainThread) return; // the main thread has said it already
    const message = error instanceof Error ? error.message.replace(/^allocscope: /, '') : String(error);
    const code = isCodedError(error) ? error.code : 'ERR_ALLOCSCOPE_UNEXPECTED';
    process.stderr.write(`allocscope: continuous profiling is off: ${code}: ${message}\n`);
  }
}
