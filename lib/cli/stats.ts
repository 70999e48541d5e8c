// allocscope stats [--json] [--] [script.js [args…]]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { collectStatsReport, renderStatsText, type StatsReport } from '../stats-report';
import { usageError } from './usage-error';

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
  let json = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') { i++; break; }
    if (arg === '--json') { json = true; continue; }
    if (arg.startsWith('-')) throw usageError(`stats: unknown option "${arg}" (see allocscope stats --help)`);
    break;
  }
  const program = argv.slice(i);
  if (program.length === 0) {
    print(collectStatsReport(), json);
    return 0;
  }
  const script = program[0]!;
  if (!fs.existsSync(script)) throw usageError(`stats: no such script "${script}"`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-stats-'));
  const outPath = path.join(dir, 'report.json');
  try {
    const child = spawnSync(process.execPath, ['--require', path.join(__dirname, 'stats-preload.js'), ...program], {
      stdio: 'inherit',
      env: { ...process.env, ALLOCSCOPE_STATS_OUT: outPath },
    });
    if (child.error) throw usageError(`stats: could not run ${script}: ${child.error.message}`);
    if (!fs.existsSync(outPath)) {
      console.error(`allocscope: stats: ${script} ended (${child.signal ?? `exit code ${child.status}`}) before its figures could be written`);
      return child.status ?? 1;
    }
    const report = JSON.parse(fs.readFileSync(outPath, 'utf8')) as StatsReport;
    report.meta.exitCode = child.status;
    report.meta.signal = child.signal;
    print(report, json);
    return child.status ?? 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function print(report: StatsReport, json: boolean): void {
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${renderStatsText(report)}\n`);
}
