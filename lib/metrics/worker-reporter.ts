// metrics.reportToMainThread(): a worker posts its figures every intervalMs;
// the main thread's registrations export them labelled with the worker's
// thread_id (see worker-channel.ts for the bounds).
import { isMainThread, threadId } from 'node:worker_threads';
import { AllocscopeError } from '../core/errors';
import { resolveOptions } from '../core/options';
import { holdGcTracking } from './gc-hold';
import { WORKER_DEFAULTS, WORKER_SCHEMA, type WorkerReportOptions } from './options';
import { readThreadFigures } from './thread-figures';
import { postToMain } from './worker-channel';

export interface WorkerReporter {
  readonly intervalMs: number;
  /** Posts the figures now (also done every intervalMs). */
  report(): void;
  /** Stops reporting; the main thread drops this worker's figures at once. False if already stopped. */
  stop(): boolean;
  [Symbol.dispose](): void;
}

let active: WorkerReporter | undefined;

export function reportToMainThread(options?: WorkerReportOptions): WorkerReporter {
  const o = resolveOptions('metrics.reportToMainThread()', options, WORKER_DEFAULTS, WORKER_SCHEMA);
  if (isMainThread) {
    throw new AllocscopeError('ERR_ALLOCSCOPE_UNSUPPORTED', 'metrics.reportToMainThread() is for worker threads; on the main thread use metrics.register(registry)');
  }
  if (active) throw new AllocscopeError('ERR_ALLOCSCOPE_ALREADY_STARTED', 'metrics.reportToMainThread() is running already in this worker; call stop() on it first');
  const releaseGc = o.gc ? holdGcTracking() : undefined;
  const figureOptions = { gc: o.gc, pools: o.pools, poolSizeClasses: o.poolSizeClasses, maxPools: o.maxPools };
  const report = () => postToMain({ v: 1, kind: 'figures', figures: readThreadFigures(figureOptions), intervalMs: o.intervalMs });
  const timer = setInterval(() => {
    try { report(); } catch { /* a failed reading must not kill the worker: the main thread expires stale figures */ }
  }, o.intervalMs);
  timer.unref();
  let running = true;
  const reporter: WorkerReporter = {
    intervalMs: o.intervalMs,
    report,
    stop(): boolean {
      if (!running) return false;
      running = false;
      clearInterval(timer);
      active = undefined;
      postToMain({ v: 1, kind: 'gone', threadId });
      releaseGc?.();
      return true;
    },
    [Symbol.dispose]() {
      this.stop();
    },
  };
  active = reporter;
  report();
  return reporter;
}
