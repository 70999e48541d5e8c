#!/usr/bin/env node
// allocscope command line: one file per command under lib/cli/.
import { isCodedError } from '../core/errors';
import { formatsOf } from '../reporters';

interface Command { run: (argv: string[]) => Promise<number>; help: string | (() => string) }

// Each command's module loads when that command runs, so that `allocscope --help`
// (and one command) does not load the others, nor the addon. A help text is a
// function when it is generated (the --format lists come from the report registry).
const COMMANDS: Record<string, () => Command> = {
  run: () => { const m = require('./run') as typeof import('./run'); return { run: m.runRun, help: m.RUN_HELP }; },
  report: () => { const m = require('./report') as typeof import('./report'); return { run: m.runReport, help: m.reportHelp }; },
  diff: () => { const m = require('./diff') as typeof import('./diff'); return { run: m.runDiff, help: m.diffHelp }; },
  stats: () => { const m = require('./stats') as typeof import('./stats'); return { run: m.runStats, help: m.statsHelp }; },
  top: () => { const m = require('./top') as typeof import('./top'); return { run: m.runTop, help: m.TOP_HELP }; },
  bench: () => { const m = require('./bench') as typeof import('./bench'); return { run: m.runBench, help: m.BENCH_HELP }; },
  leaks: () => { const m = require('./leaks') as typeof import('./leaks'); return { run: m.runLeaks, help: m.leaksHelp }; },
};

const usage = (): string => `Usage: allocscope <command> [options]

Commands:
  run      run a program with the profiler and write a capture
  report   render a capture: ${formatsOf('Capture').join(', ')}
  diff     per-site growth between two captures
  stats    V8 heap spaces, GC pauses, C allocator and fragmentation figures
  top      the top allocation sites of a program (sampling heap profiler)
  bench    ns/op, B/op and allocs/op of bench files (Go-style); --compare two runs
  leaks    run a scenario module repeatedly: steadily growing sites, retainer chains

Run "allocscope <command> --help" for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(require('../../package.json').version);
    return 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    console.error(`allocscope: unknown command "${name}"; commands are ${Object.keys(COMMANDS).join(', ')} (see allocscope --help)`);
    return 2;
  }
  const command = load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(typeof command.help === 'function' ? command.help() : command.help);
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    // Misuse gets one line and status 2; anything else is a bug worth a stack.
    if (isCodedError(error)) {
      console.error(error.message);
      process.exitCode = 2;
    } else {
      console.error(error);
      process.exitCode = 1;
    }
  },
);
