// Preloaded (`node --require`) into a program run by the CLI. Reads what to
// collect from ALLOCSCOPE_PRELOAD (JSON), starts it before the program's first
// line, and writes the results atomically when the program ends. The CLI has
// checked the options: they are used as they are.
import { getEnvironmentData, isMainThread, setEnvironmentData } from 'node:worker_threads';
import { gc } from '../runtime/gc';
import { heap } from '../runtime/heap';
import { malloc } from '../runtime/malloc';
import type { MallocStartOptions } from '../sampler/native-profiler';
import { ownFileGlobs } from '../core/own-files';
import { startResolved as startSampler } from '../sampler/heap-profiler';
import { SAMPLER_DEFAULTS, type SamplerOptions } from '../sampler/options';
import type { ContinuousOptions } from '../continuous/options';
import type { StatsReport } from '../reporters/stats-report';
import { writeCapture, writeFileAtomic } from '../capture/file';
import { CaptureRecorder, type RecorderOptions } from './recorder';
import type { Capture } from '../capture/capture';
import { Profile, type FilterOptions } from '../profile/profile';
import { armNearHeapLimit } from './near-heap-limit';

/** Heap granted while the near-heap-limit capture is written. */
const NEAR_HEAP_LIMIT_HEADROOM = 64 * 1024 * 1024;

export interface PreloadConfig {
  /** Where to write the results (JSON), or the capture. */
  out?: string;
  /** Collect the stats report (GC tracking from the start). */
  stats?: boolean;
  /** Run the sampling heap profiler with these options. */
  heap?: SamplerOptions;
  /** Run the malloc profiler instead (`top --native`), with these options. */
  native?: MallocStartOptions;
  /** Record a capture (written to `out`) with these options. */
  capture?: RecorderOptions & { filter?: FilterOptions };
  /**
   * On SIGINT/SIGTERM: 'signal' (default) writes the capture when the signal arrives;
   * 'exit' waits for the process to exit when the program handles the signal itself
   * (its graceful shutdown is then in the capture). Without a handler of the program's,
   * the signal ends the process, so the capture is written at the signal either way.
   */
  captureAt?: 'signal' | 'exit';
  /** Continuous profiling (`run --continuous`) with these options, in every thread; nothing is written to `out`. */
  continuous?: ContinuousOptions;
}

/** Worker threads inherit the continuous options under this key (they do not see ALLOCSCOPE_PRELOAD). */
const CONTINUOUS_KEY = 'allocscope:continuous';

export interface PreloadResult {
  stats?: StatsReport;
  profile?: ReturnType<ReturnType<typeof heap.profile>['toJSON']>;
  argv: string[];
}

function onTermination(write: (reason: 'SIGINT' | 'SIGTERM') => void, captureAt: 'signal' | 'exit'): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const listener = () => {
      // The program shuts down by itself: the capture is written at its exit, shutdown included.
      if (captureAt === 'exit' && process.listenerCount(signal) > 1) {
        process.off(signal, listener);
        return;
      }
      // Still listening while the capture is written (not `once`): a second Ctrl-C or
      // a supervisor's repeated SIGTERM is then queued instead of killing the process mid-write.
      write(signal);
      process.off(signal, listener);
      // If the program handles the signal itself, leave the decision to it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, listener);
  }
}

/**
 * Runs a write of ours inside the program: if it fails (a full disk, a directory
 * removed meanwhile), one line on stderr instead of an uncaught error, so that the
 * program's exit code and its own signal handling are not changed by allocscope.
 */
function writeOrSay(what: string, write: () => void): void {
  try {
    write();
  } catch (error) {
    process.stderr.write(`allocscope: the ${what} could not be written: ${(error as Error).message.replace(/^allocscope: /, '')}\n`);
  }
}

/** `<dir>/<name>.usr2-<n><ext>`: a numbered snapshot beside the final capture. */
function snapshotPath(out: string, n: number): string {
  const ext = out.endsWith('.allocscope') ? '.allocscope' : '';
  return `${out.slice(0, out.length - ext.length)}.usr2-${n}${ext}`;
}

function startCapture(out: string, config: PreloadConfig): void {
  const { filter, ...options } = config.capture!;
  const recorder = CaptureRecorder.withCheckedOptions(options).start();
  const finish = (capture: Capture): Capture => {
    if (filter && capture.profile) capture.profile = new Profile(capture.profile).filter(filter).data;
    capture.meta.options = { ...capture.meta.options, ...(filter ? { filter } : {}) };
    return capture;
  };
  let written = false;
  const write = (reason: Capture['meta']['reason'], exitCode?: number) => {
    if (written) return;
    written = true;
    writeOrSay('capture', () => writeCapture(out, finish(recorder.snapshot(reason, exitCode === undefined ? {} : { exitCode }))));
  };
  // Before V8's out-of-memory failure (which runs no exit handler): the capture so far,
  // at the same path; a program that recovers and exits overwrites it with the full one.
  armNearHeapLimit((limits) => { try { writeCapture(out, finish(recorder.snapshot('near-heap-limit', limits))); } catch { /* the exit capture may still come */ } }, NEAR_HEAP_LIMIT_HEADROOM);
  process.on('exit', (code) => write('exit', code));
  onTermination(write, config.captureAt ?? 'signal');
  let snapshots = 0;
  process.on('SIGUSR2', () => writeOrSay('SIGUSR2 snapshot', () => writeCapture(snapshotPath(out, ++snapshots), finish(recorder.snapshot('SIGUSR2')))));
}

/** Loaded only for continuous mode: a capture run does not carry the exporters. */
function startContinuous(options: ContinuousOptions): void {
  const { startContinuousInThisThread } = require('./continuous') as typeof import('./continuous');
  startContinuousInThisThread(() => options);
}

if (isMainThread) {
  const raw = process.env.ALLOCSCOPE_PRELOAD;
  if (raw) {
    delete process.env.ALLOCSCOPE_PRELOAD; // not inherited by the program's own children
    const config = JSON.parse(raw) as PreloadConfig;
    if (config.continuous) {
      setEnvironmentData(CONTINUOUS_KEY, config.continuous);
      startContinuous(config.continuous);
    } else if (config.capture) startCapture(config.out!, config);
    else startResults(config.out!, config);
  }
} else {
  const inherited = getEnvironmentData(CONTINUOUS_KEY) as ContinuousOptions | undefined;
  if (inherited) startContinuous(inherited);
}

function startResults(out: string, config: PreloadConfig): void {
  if (config.stats) gc.start();
  if (config.heap) startSampler({ ...SAMPLER_DEFAULTS, ...config.heap });
  if (config.native) {
    try {
      malloc.start(config.native);
    } catch (error) {
      process.stderr.write(`allocscope: native allocations are not sampled: ${(error as Error).message.replace(/^allocscope: /, '')}\n`);
    }
  }
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    const result: PreloadResult = { argv: process.argv.slice(1) };
    if (config.heap && heap.running) result.profile = heap.profile().toJSON();
    if (config.native && malloc.isRunning()) result.profile = malloc.profile().filter({ exclude: ownFileGlobs(), allFrames: true }).toJSON();
    if (config.stats) {
      // Loaded here: only `allocscope stats` asks for it, a capture run never does.
      const { collectStatsReport } = require('../reporters/stats-report') as typeof import('../reporters/stats-report');
      result.stats = collectStatsReport();
      result.stats.meta.argv = result.argv;
    }
    writeOrSay('results', () => writeFileAtomic(out, JSON.stringify(result))); // the CLI never reads a half-written file
  };
  process.on('exit', write);
  onTermination(write, config.captureAt ?? 'signal');
}
