// Preloaded (`node --require`) into a program run by the CLI. Reads what to
// collect from ALLOCSCOPE_PRELOAD (JSON), starts it before the program's first
// line, and writes the results atomically when the program ends.
import { gc } from '../runtime/gc';
import { heap } from '../runtime/heap';
import type { HeapStartOptions } from '../sampler/heap-profiler';
import { collectStatsReport } from '../reporters/stats-report';
import { writeCapture, writeFileAtomic } from '../capture/file';
import { CaptureRecorder, type RecorderOptions } from './recorder';
import type { Capture } from '../capture/capture';
import { Profile, type FilterOptions } from '../profile/profile';
import { armNearHeapLimit } from './near-heap-limit';

/** Heap granted while the near-heap-limit capture is written. */
const NEAR_HEAP_LIMIT_HEADROOM = 64 * 1024 * 1024;

export interface PreloadConfig {
  /** Where to write the results (JSON). */
  out: string;
  /** Collect the stats report (GC tracking from the start). */
  stats?: boolean;
  /** Run the sampling heap profiler with these options. */
  heap?: HeapStartOptions;
  /** Record a capture (written to `out`) with these options. */
  capture?: RecorderOptions & { filter?: FilterOptions };
}

export interface PreloadResult {
  stats?: ReturnType<typeof collectStatsReport>;
  profile?: ReturnType<ReturnType<typeof heap.profile>['toJSON']>;
  argv: string[];
}

function onTermination(write: (reason: 'SIGINT' | 'SIGTERM') => void): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      write(signal);
      // If the program handles the signal itself, leave the decision to it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** `<dir>/<name>.usr2-<n><ext>`: a numbered snapshot beside the final capture. */
function snapshotPath(out: string, n: number): string {
  const ext = out.endsWith('.allocscope') ? '.allocscope' : '';
  return `${out.slice(0, out.length - ext.length)}.usr2-${n}${ext}`;
}

function startCapture(config: PreloadConfig): void {
  const { filter, ...options } = config.capture!;
  const recorder = new CaptureRecorder(options).start();
  const finish = (capture: Capture): Capture => {
    if (filter && capture.profile) capture.profile = new Profile(capture.profile).filter(filter).toJSON();
    capture.meta.options = { ...capture.meta.options, ...(filter ? { filter } : {}) };
    return capture;
  };
  let written = false;
  const write = (reason: Capture['meta']['reason'], exitCode?: number) => {
    if (written) return;
    written = true;
    writeCapture(config.out, finish(recorder.snapshot(reason, exitCode === undefined ? {} : { exitCode })));
  };
  // Before V8's out-of-memory failure (which runs no exit handler): the capture so far,
  // at the same path; a program that recovers and exits overwrites it with the full one.
  armNearHeapLimit((limits) => { try { writeCapture(config.out, finish(recorder.snapshot('near-heap-limit', limits))); } catch { /* the exit capture may still come */ } }, NEAR_HEAP_LIMIT_HEADROOM);
  process.on('exit', (code) => write('exit', code));
  onTermination(write);
  let snapshots = 0;
  process.on('SIGUSR2', () => writeCapture(snapshotPath(config.out, ++snapshots), finish(recorder.snapshot('SIGUSR2'))));
}

const raw = process.env.ALLOCSCOPE_PRELOAD;
if (raw) {
  delete process.env.ALLOCSCOPE_PRELOAD; // not inherited by the program's own children
  const config = JSON.parse(raw) as PreloadConfig;
  if (config.capture) startCapture(config);
  else startResults(config);
}

function startResults(config: PreloadConfig): void {
  if (config.stats) gc.start();
  if (config.heap) heap.start(config.heap);
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    const result: PreloadResult = { argv: process.argv.slice(1) };
    if (config.heap && heap.running) result.profile = heap.profile().toJSON();
    if (config.stats) {
      result.stats = collectStatsReport();
      result.stats.meta.argv = result.argv;
    }
    writeFileAtomic(config.out, JSON.stringify(result)); // the CLI never reads a half-written file
  };
  process.on('exit', write);
  onTermination(write);
}
