// allocscope stats [--json] [--] [script.js [args…]]
import { collectStatsReport, renderStatsText, type StatsReport } from '../reporters/stats-report';
import { parseArgs } from './args';
import { exitStatusOf, runWithPreload } from './run-with-preload';

export const STATS_HELP = `Usage: allocscope stats [--json] [--] [script.js [args…]]

Prints V8 heap and space figures, GC pauses per type (p50/p90/p99), C allocator
statistics (glibc or jemalloc) and fragmentation as a table.

  (no script)     figures of the allocscope process itself
  script.js …     runs "node script.js …" with GC tracking from the first line and
                  prints the figures at the program's exit; its exit code passes through

Options:
  --json          print the report as JSON (schema: StatsReport in the API docs)
  -h, --help      this text`;

export async function runStats(argv: string[]): Promise<number> {
  const { options, program } = parseArgs('stats', argv, { json: { type: 'boolean' } });
  const json = options.json === true;
  if (program.length === 0) {
    print(collectStatsReport(), json);
    return 0;
  }
  const exit = await runWithPreload('stats', program, { stats: true });
  if (exit.result?.stats) {
    const report = exit.result.stats;
    report.meta.exitCode = exit.status;
    report.meta.signal = exit.signal;
    print(report, json);
  }
  return exitStatusOf(exit);
}

function print(report: StatsReport, json: boolean): void {
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${renderStatsText(report)}\n`);
}
