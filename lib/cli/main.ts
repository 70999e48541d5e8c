#!/usr/bin/env node
// allocscope command line: one file per command under lib/cli/.
import { isCodedError } from '../core/errors';
import { BENCH_HELP, runBench } from './bench';
import { diffHelp, runDiff } from './diff';
import { leaksHelp, runLeaks } from './leaks';
import { reportHelp, runReport } from './report';
import { runRun, RUN_HELP } from './run';
import { runStats, statsHelp } from './stats';
import { runTop, TOP_HELP } from './top';
import { formatsOf } from '../reporters';

// A help text is a function when it is generated (the --format lists come from
// the report registry and load its reporters, so only --help pays for that).
const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; help: string | (() => string) }> = {
  run: { run: runRun, help: RUN_HELP },
  report: { run: runReport, help: reportHelp },
  diff: { run: runDiff, help: diffHelp },
  stats: { run: runStats, help: statsHelp },
  top: { run: runTop, help: TOP_HELP },
  bench: { run: runBench, help: BENCH_HELP },
  leaks: { run: runLeaks, help: leaksHelp },
};

const USAGE = `Usage: allocscope <command> [options]

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
    console.log(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(require('../../package.json').version);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`allocscope: unknown command "${name}"; commands are ${Object.keys(COMMANDS).join(', ')} (see allocscope --help)`);
    return 2;
  }
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
