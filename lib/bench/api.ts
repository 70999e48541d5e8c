// allocscope/bench: the API of bench files.
//
//   const { bench, suite } = require('allocscope/bench');
//   suite('json', () => {
//     bench('parse', () => JSON.parse(text));
//   });
//
// `allocscope bench file.js` runs each suite in a fresh process. A bench file run
// directly (`node file.js`) runs its own suites in this process and prints the lines.
import { measure, type MeasureOptions } from './measure';
import { errorMessage, goLine } from './go-lines';
import type { Operation } from './operation';
import { declareBench, declareSuite, registry } from './registry';
import type { BenchRecord } from './results-file';

export type { MeasureOptions, MeasureResult } from './measure';

/** Declares a group of benchmarks; `body` calls bench() synchronously. */
export function suite(name: string, body: () => void, options?: MeasureOptions): void {
  declareSuite(name, body, options);
  scheduleSelfRun();
}

/** Declares one benchmark: an operation (sync or async) measured as measure() does. */
export function bench(name: string, fn: Operation, options?: MeasureOptions): void {
  declareBench(name, fn, options);
  scheduleSelfRun();
}

function scheduleSelfRun(): void {
  const r = registry();
  if (r.managed || r.selfRunScheduled) return;
  r.selfRunScheduled = true;
  setImmediate(() => {
    if (r.managed) return; // the runner claimed the file after all
    void runHere().catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    });
  });
}

/** Runs the declared suites in this process, printing a line per benchmark. */
async function runHere(): Promise<void> {
  const suites = registry().suites;
  const width = Math.max(0, ...suites.flatMap((s) => s.benches.map((b) => s.name.length + 1 + b.name.length)));
  for (const s of suites) {
    for (const b of s.benches) {
      const id = `${s.name}/${b.name}`;
      let record: BenchRecord;
      try {
        record = { file: '', suite: s.name, name: b.name, id, result: await measure(b.fn, { ...s.options, ...b.options }) };
      } catch (error) {
        record = { file: '', suite: s.name, name: b.name, id, result: null, error: errorMessage(error) };
        process.exitCode = 1;
      }
      console.log(goLine(record, width));
    }
  }
}
