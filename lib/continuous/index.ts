// continuous: always-on allocation profiling exported every period to files or
// a Pyroscope-compatible backend; workers' profiles join the main thread's.
import { resolveContinuousOptions, type ContinuousOptions } from './options';
import { alreadyStarted, ContinuousSession } from './session';
import type { ContinuousStats } from './stats';

let current: ContinuousSession | undefined;

export const continuous = {
  /**
   * Starts profiling this thread and exporting every `periodMs`. Throws a coded
   * error for bad options, an unwritable directory, or a sampler someone else owns.
   */
  start(options?: ContinuousOptions): ContinuousSession {
    if (current) throw alreadyStarted();
    const session = new ContinuousSession(resolveContinuousOptions(options), () => { if (current === session) current = undefined; });
    session.start();
    current = session;
    return session;
  },
  /** Stops this thread's session (see ContinuousSession.stop); a no-op when none runs. */
  stop(options?: { flush?: boolean }): Promise<void> {
    return current ? current.stop(options) : Promise.resolve();
  },
  /** Counters of this thread's session, or null when none runs. */
  stats(): ContinuousStats | null {
    return current ? current.stats() : null;
  },
  get running(): boolean {
    return current?.running ?? false;
  },
};

export { ContinuousSession } from './session';
export type { ContinuousOptions, ExporterSpec } from './options';
export type { ContinuousStats } from './stats';
export type { Collection, CollectionFigures, Exporter, ExporterStats } from './collection';
export type { FileExporterOptions } from './file-exporter';
export type { HttpExporterOptions } from './http-exporter';
