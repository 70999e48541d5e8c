// allocscope stats [--json | --format f] [-o file] [--] [script.js [args…]]
import { collectStatsReport, type StatsReport } from '../reporters/stats-report';
import { DEFAULT_REPORT_OPTIONS } from '../reporters/reporter';
import { parseArgs } from './args';
import { chooseReporter, formatHelp } from './report-format';
import { exitStatusOf, runWithPreload } from './run-with-preload';
import { usageError } from './usage-error';
import { reportOutput } from './write-output';

export const statsHelp = () => `Usage: allocscope stats [--json] [--format <f>] [-o <file>] [--] [script.js [args…]]

Prints V8 heap and space figures, GC pauses per type (p50/p90/p99), C allocator
statistics (glibc or jemalloc) and fragmentation as a table.

  (no script)     figures of the allocscope process itself
  script.js …     runs "node script.js …" with GC tracking from the first line and
                  prints the figures at the program's exit; its exit code passes through

Options:
${formatHelp('StatsReport', 19)}
  --json           the same as --format json
  -o, --output <f> write to a file (default: stdout)
  -h, --help       this text`;

export async function runStats(argv: string[]): Promise<number> {
  const { options: o, program } = parseArgs('stats', argv, {
    json: { type: 'boolean' }, format: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' },
  });
  if (o.json === true && o.format !== undefined && o.format !== 'json') throw usageError(`stats: --json and --format ${String(o.format)} disagree`);
  const reporter = chooseReporter('stats', 'StatsReport', o.json === true ? 'json' : o.format === undefined ? undefined : String(o.format));
  const output = reportOutput('stats', reporter, o.output === undefined ? undefined : String(o.output));
  const print = (report: StatsReport) => output.write(reporter.render(report, { ...DEFAULT_REPORT_OPTIONS, color: output.color }));
  if (program.length === 0) {
    print(collectStatsReport());
    return 0;
  }
  const exit = await runWithPreload('stats', program, { stats: true });
  if (exit.result?.stats) {
    const report = exit.result.stats;
    report.meta.exitCode = exit.status;
    report.meta.signal = exit.signal;
    print(report);
  }
  return exitStatusOf(exit);
}
