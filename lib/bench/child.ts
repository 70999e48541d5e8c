// The process `allocscope bench` starts per bench file (list) and per suite (run).
//   node <exact-counting flags> child.js list <file>
//   node <exact-counting flags> child.js run <file> <suite> <options JSON>
// Results go to fd 3 as JSON lines; fd 1 (the bench file's console.log) is the
// parent's stderr, so nothing a bench prints can corrupt the results.
import { writeSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage } from './go-lines';
import { measure, type MeasureOptions } from './measure';
import { defaultSuiteName, registry } from './registry';
import type { BenchRecord } from './results-file';

const RESULTS_FD = 3;
const emit = (value: unknown) => writeSync(RESULTS_FD, `${JSON.stringify(value)}\n`);

async function load(file: string): Promise<void> {
  const r = registry();
  r.managed = true;
  r.defaultSuiteName = defaultSuiteName(file);
  // import() loads CommonJS and ES modules alike.
  await import(pathToFileURL(path.resolve(file)).href);
}

interface RunOptions extends MeasureOptions { filter?: string }

async function main(argv: string[]): Promise<void> {
  const [command, file, suiteName, optionsJson] = argv;
  try {
    await load(file!);
  } catch (error) {
    emit({ fatal: `${file}: ${errorMessage(error)}` });
    return;
  }
  const suites = registry().suites;
  if (command === 'list') {
    emit({ suites: suites.map((s) => ({ name: s.name, benches: s.benches.map((b) => b.name) })) });
    return;
  }
  const suite = suites.find((s) => s.name === suiteName);
  if (!suite) {
    emit({ fatal: `${file}: no suite "${suiteName}"` });
    return;
  }
  const { filter, ...cliOptions } = JSON.parse(optionsJson ?? '{}') as RunOptions;
  const match = filter ? new RegExp(filter) : null;
  for (const b of suite.benches) {
    const id = `${suite.name}/${b.name}`;
    if (match && !match.test(id)) continue;
    emit({ started: id });
    let record: BenchRecord;
    try {
      const result = await measure(b.fn, { ...suite.options, ...b.options, ...cliOptions });
      record = { file, suite: suite.name, name: b.name, id, result } as BenchRecord;
    } catch (error) {
      record = { file, suite: suite.name, name: b.name, id, result: null, error: errorMessage(error) } as BenchRecord;
    }
    emit({ record });
  }
}

// Exit when done even if the bench file left handles open (servers, timers): the
// results are already written (synchronously).
main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    emit({ fatal: errorMessage(error) });
    process.exit(0);
  },
);
