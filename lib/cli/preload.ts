// Preloaded (`node --require`) into a program run by the CLI. Reads what to
// collect from ALLOCSCOPE_PRELOAD (JSON), starts it before the program's first
// line, and writes the results atomically when the program ends.
import * as fs from 'node:fs';
import { gc } from '../gc';
import { heap } from '../heap';
import type { HeapStartOptions } from '../heap-profiler';
import { collectStatsReport } from '../stats-report';

export interface PreloadConfig {
  /** Where to write the results (JSON). */
  out: string;
  /** Collect the stats report (GC tracking from the start). */
  stats?: boolean;
  /** Run the sampling heap profiler with these options. */
  heap?: HeapStartOptions;
}

export interface PreloadResult {
  stats?: ReturnType<typeof collectStatsReport>;
  profile?: ReturnType<ReturnType<typeof heap.profile>['toJSON']>;
  argv: string[];
}

const raw = process.env.ALLOCSCOPE_PRELOAD;
if (raw) {
  delete process.env.ALLOCSCOPE_PRELOAD; // not inherited by the program's own children
  const config = JSON.parse(raw) as PreloadConfig;
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
    const tmp = `${config.out}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(result));
    fs.renameSync(tmp, config.out); // the CLI never reads a half-written file
  };
  process.on('exit', write);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      write();
      // If the program handles the signal itself, leave the decision to it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}
