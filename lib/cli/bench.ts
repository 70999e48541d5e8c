// allocscope bench <file…>: runs bench files (allocscope/bench), one fresh process per
// suite, and prints Go-style lines; --compare old.json new.json prints benchstat's table.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { AllocscopeError } from '../core/errors';
import { writeFileAtomic } from '../capture/file';
import { outputProblem } from '../core/output-target';
import { compareResults, noisyWarning, renderComparisonTables } from '../bench/benchstat';
import { goLine } from '../bench/go-lines';
import type { MeasureOptions } from '../bench/measure';
import { BENCH_FORMAT, BENCH_VERSION, environment, parseBenchResults, type BenchRecord, type BenchResults } from '../bench/results-file';
import { EXACT_COUNTING_FLAGS } from '../bench/v8-flags';
import { parseArgs, parseCount } from './args';
import { Progress } from '../core/progress';
import { usageError } from './usage-error';

export const BENCH_HELP = `Usage: allocscope bench [options] <file…>
       allocscope bench --compare <old.json> <new.json>

Runs bench files written with allocscope/bench (bench('name', fn), suite(...)),
each suite in a fresh node process, and prints one Go-style line per benchmark:
  name  N  812.4 ns/op  ± 2.1%  1184 B/op  14 allocs/op  0.41 GCs/kop
(N: ops timed; ±: spread of the timed rounds; B/op and allocs/op: JS heap, exact;
ext-B/op: ArrayBuffer memory, shown when not 0; GCs/kop: GCs per 1,000 ops.)

Options:
  --out <file>       also write the results as JSON (for --compare), atomically
  --json             print the results as JSON instead of lines
  --filter <regex>   only benchmarks whose "suite/name" matches
  --rounds <n>       timed rounds per benchmark (default 10)
  --round-ms <n>     target duration of a timed round in ms (default 100)
  --count-rounds <n> counting rounds per benchmark (default 5)
  --no-count         skip the counting pass (ns/op only)
  --no-time          skip the timing pass (B/op and allocs/op only)
  --compare          compare two results files (benchstat): median deltas and a
                     Mann-Whitney U test over the rounds; "~" = not significant,
                     "noisy" = significant but no larger than the spread (±) of
                     either side's rounds (with --json: the comparison as JSON)
  --alpha <p>        significance level for --compare (default 0.05)
  -h, --help         this text`;

const CHILD = path.join(__dirname, '..', 'bench', 'child.js');

interface ChildMessage { fatal?: string; suites?: { name: string; benches: string[] }[]; started?: string; record?: BenchRecord }

/** Runs the child runner and yields its result lines; `exit` resolves with its status. */
function runChild(args: string[]): { messages: AsyncIterable<string>; exit: Promise<number | null> } {
  // stdout of the bench file → our stderr; results on fd 3.
  const child = spawn(process.execPath, [...EXACT_COUNTING_FLAGS, CHILD, ...args], { stdio: ['ignore', 2, 'inherit', 'pipe'] });
  const exit = new Promise<number | null>((resolve) => child.on('close', (code, signal) => resolve(signal ? null : code)));
  return { messages: createInterface({ input: child.stdio[3] as NodeJS.ReadableStream }), exit };
}

const benchFileError = (message: string) => new AllocscopeError('ERR_ALLOCSCOPE_BENCH_FILE', `bench: ${message}`);

async function listSuites(file: string): Promise<{ name: string; benches: string[] }[]> {
  const { messages, exit } = runChild(['list', file]);
  let suites: { name: string; benches: string[] }[] | undefined;
  for await (const line of messages) {
    const m = JSON.parse(line) as ChildMessage;
    if (m.fatal) throw benchFileError(m.fatal);
    if (m.suites) suites = m.suites;
  }
  const status = await exit;
  if (!suites) throw benchFileError(`${file}: the file did not load (node exited with ${status === null ? 'a signal' : `status ${status}`})`);
  if (suites.every((s) => s.benches.length === 0)) throw benchFileError(`${file}: declares no benchmarks (use bench('name', fn) from allocscope/bench)`);
  return suites;
}

function readResults(file: string): BenchResults {
  if (!existsSync(file) || !statSync(file).isFile()) throw benchFileError(`no such file "${file}"`);
  return parseBenchResults(readFileSync(file, 'utf8'), file);
}

function runCompare(files: string[], alphaText: string | undefined, json: boolean): number {
  if (files.length !== 2) throw usageError(`bench --compare takes two results files (old.json new.json), got ${files.length}`);
  const alpha = alphaText === undefined ? 0.05 : Number(alphaText);
  if (!(alpha > 0 && alpha < 1)) throw usageError(`bench: option "--alpha" must be a number between 0 and 1, got "${alphaText}"`);
  const [older, newer] = files.map(readResults) as [BenchResults, BenchResults];
  const tables = compareResults(older, newer, alpha);
  if (tables.length === 0) throw benchFileError(`${files[0]} and ${files[1]} have no benchmark results to compare`);
  const warning = noisyWarning(tables);
  if (json) process.stdout.write(`${JSON.stringify({ format: 'allocscope-bench-compare', version: 1, old: files[0], new: files[1], alpha, noisy: warning !== null, tables }, null, 1)}\n`);
  else process.stdout.write(`${renderComparisonTables(tables, path.basename(files[0]!), path.basename(files[1]!))}\n`);
  if (warning) console.error(`allocscope: bench: ${warning}`);
  return 0;
}

export async function runBench(argv: string[]): Promise<number> {
  const { options: o, program: files } = parseArgs('bench', argv, {
    out: { type: 'string' }, json: { type: 'boolean' }, filter: { type: 'string' }, rounds: { type: 'string' },
    'round-ms': { type: 'string' }, 'count-rounds': { type: 'string' }, 'no-count': { type: 'boolean' }, 'no-time': { type: 'boolean' },
    compare: { type: 'boolean' }, alpha: { type: 'string' },
  }, true);
  if (o.compare) return runCompare(files, o.alpha === undefined ? undefined : String(o.alpha), Boolean(o.json));
  if (files.length === 0) throw usageError('bench: no bench file given (see allocscope bench --help)');
  const measureOptions: MeasureOptions & { filter?: string } = {};
  if (o.rounds !== undefined) measureOptions.rounds = parseCount('bench', 'rounds', String(o.rounds), 1, 10_000);
  if (o['round-ms'] !== undefined) measureOptions.roundMs = parseCount('bench', 'round-ms', String(o['round-ms']), 1, 3_600_000);
  if (o['count-rounds'] !== undefined) measureOptions.countRounds = parseCount('bench', 'count-rounds', String(o['count-rounds']), 1, 10_000);
  if (o['no-count']) measureOptions.count = false;
  if (o['no-time']) measureOptions.time = false;
  if (o['no-count'] && o['no-time']) throw usageError('bench: --no-count and --no-time together leave nothing to measure');
  if (o.filter !== undefined) {
    try { new RegExp(String(o.filter)); } catch { throw usageError(`bench: option "--filter" is not a valid regular expression: ${String(o.filter)}`); }
    measureOptions.filter = String(o.filter);
  }
  for (const f of files) if (!existsSync(f) || !statSync(f).isFile()) throw benchFileError(`no such file "${f}"`);
  const out = o.out === undefined ? undefined : String(o.out);
  const outProblem = out === undefined ? undefined : outputProblem(out);
  if (outProblem) throw new AllocscopeError('ERR_ALLOCSCOPE_OUTPUT', `bench: cannot write --out "${out}": ${outProblem}`);

  // Every file is listed first, so that a broken file fails before any long run.
  const plan: { file: string; suites: { name: string; benches: string[] }[] }[] = [];
  for (const file of files) plan.push({ file, suites: await listSuites(file) });
  const filter = measureOptions.filter ? new RegExp(measureOptions.filter) : null;
  const selected = (suite: string, name: string) => !filter || filter.test(`${suite}/${name}`);
  const total = plan.reduce((a, p) => a + p.suites.reduce((b, s) => b + s.benches.filter((n) => selected(s.name, n)).length, 0), 0);
  if (total === 0) throw usageError(`bench: no benchmark matches --filter ${String(o.filter)}`);
  const nameWidth = Math.max(...plan.flatMap((p) => p.suites.flatMap((s) => s.benches.map((b) => s.name.length + 1 + b.length))));

  const results: BenchResults = { format: BENCH_FORMAT, version: BENCH_VERSION, createdAt: new Date().toISOString(), environment: environment(), benchmarks: [] };
  const env = results.environment;
  if (!o.json) console.log(`node: ${env.node}  v8: ${env.v8}  ${env.platform}/${env.arch}  cpu: ${env.cpuModel} × ${env.cpus}`);
  const progress = new Progress(total);
  let failed = 0;
  for (const { file, suites } of plan) {
    for (const suite of suites) {
      if (!suite.benches.some((n) => selected(suite.name, n))) continue;
      const { messages, exit } = runChild(['run', file, suite.name, JSON.stringify(measureOptions)]);
      const done = new Set<string>();
      let fatal: string | undefined;
      for await (const line of messages) {
        const m = JSON.parse(line) as ChildMessage;
        if (m.started) progress.step(m.started);
        if (m.fatal) fatal = m.fatal;
        if (m.record) {
          done.add(m.record.name);
          results.benchmarks.push(m.record);
          if (!m.record.result) failed++;
          if (!o.json) { progress.clear(); console.log(goLine(m.record, nameWidth)); }
        }
      }
      const status = await exit;
      // A suite process that died (OOM, a crash, process.exit in the bench) fails the rest of it.
      for (const name of suite.benches) {
        if (done.has(name) || !selected(suite.name, name)) continue;
        const record: BenchRecord = { file, suite: suite.name, name, id: `${suite.name}/${name}`, result: null, error: fatal ?? `the suite's process ended early (${status === null ? 'killed by a signal' : `status ${status}`})` };
        results.benchmarks.push(record);
        failed++;
        if (!o.json) { progress.clear(); console.log(goLine(record, nameWidth)); }
      }
      // Written after every suite: an interrupted run keeps what it measured.
      if (out !== undefined) writeFileAtomic(out, `${JSON.stringify(results, null, 1)}\n`);
    }
  }
  progress.done();
  if (o.json) process.stdout.write(`${JSON.stringify(results, null, 1)}\n`);
  else console.log(failed === 0 ? 'ok' : `FAIL (${failed} benchmark${failed === 1 ? '' : 's'} failed)`);
  return failed === 0 ? 0 : 1;
}
