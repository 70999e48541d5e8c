// allocscope leaks [options] <scenario.js>: runs a scenario module repeatedly and
// reports the allocation sites that grow steadily, with retainer chains.
import { CaptureRecorder } from '../agent/recorder';
import { find } from '../leaks/find';
import type { LeakReport } from '../leaks/report';
import { ScenarioStuckError } from '../leaks/scenario-deadline';
import { ScenarioError } from '../leaks/scenario-error';
import { loadScenarioModule } from '../leaks/scenario-module';
import { DEFAULT_REPORT_OPTIONS } from '../reporters/reporter';
import { parseArgs, parseCount } from './args';
import { parseInterval } from './sampler-flags';
import { chooseReporter, formatHelp } from './report-format';
import { usageError } from './usage-error';
import { reportOutput } from './write-output';

export const leaksHelp = () => `Usage: allocscope leaks [options] <scenario.js>

Runs the scenario a module exports many times, takes a live allocation profile
after a full GC each time, and reports the allocation sites whose live bytes grow
steadily (slope per iteration, R², confidence), the constructors that gained
instances and the retainer chain that keeps them (heap snapshots).

The module (CommonJS or ESM) exports the scenario function
(module.exports = fn, export default fn) or { scenario, setup, teardown };
the scenario may be async. See docs/leaks.md.

Options:
  -n, --iterations <n>  runs of the scenario, warm-up included (default 20, at least 2)
  --warmup <n>          runs before measuring (default min(5, iterations / 4))
  --interval <n>        sampling interval, e.g. 16k (default), 4k for small leaks
  --no-snapshots        skip heap snapshots (no constructor counts, no retainer chains)
  --timeout <ms>        most time one run of the scenario (or setup, teardown) may
                        take to settle (default 60000); a promise still pending when
                        the event loop runs out of work fails at once (exit 2)
${formatHelp('LeakReport', 24)}
  -o, --output <file>   write to a file (default: stdout)
  --keep-inlining       keep V8's inlining. It is turned off by
                        default (Turbofan and Maglev), so that an inlined function's
                        allocations are not charged to its caller (docs/leaks.md)
  -h, --help            this text`;

export async function runLeaks(argv: string[]): Promise<number> {
  const { options: o, program } = parseArgs('leaks', argv, {
    iterations: { type: 'string', short: 'n' }, warmup: { type: 'string' }, interval: { type: 'string' },
    'no-snapshots': { type: 'boolean' }, format: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' },
    'keep-inlining': { type: 'boolean' }, timeout: { type: 'string' },
  }, true);
  if (program.length !== 1) throw usageError(program.length === 0 ? 'leaks: no scenario module given (see allocscope leaks --help)' : `leaks: one scenario module at a time, got ${program.length}`);
  const iterations = o.iterations === undefined ? undefined : parseCount('leaks', 'iterations', String(o.iterations), 2, 1_000_000);
  const warmup = o.warmup === undefined ? undefined : parseCount('leaks', 'warmup', String(o.warmup), 0, 1_000_000);
  const intervalBytes = o.interval === undefined ? undefined : parseInterval('leaks', String(o.interval));
  const timeoutMs = o.timeout === undefined ? undefined : parseCount('leaks', 'timeout', String(o.timeout), 1, 2 ** 31 - 1);
  const reporter = chooseReporter('leaks', 'LeakReport', o.format === undefined ? undefined : String(o.format));
  const output = reportOutput('leaks', reporter, o.output === undefined ? undefined : String(o.output));
  const file = program[0]!;
  const module = await loadScenarioModule(file);

  const recorder = new CaptureRecorder({ profile: false, timelinePeriodMs: 50 }).start();
  let report: LeakReport;
  try {
    report = await find(module.scenario, {
      ...(iterations !== undefined ? { iterations } : {}), ...(warmup !== undefined ? { warmup } : {}),
      ...(intervalBytes !== undefined ? { intervalBytes } : {}), snapshots: !o['no-snapshots'],
      ...(module.setup ? { setup: module.setup } : {}), ...(module.teardown ? { teardown: module.teardown } : {}), progress: true,
      ...(o['keep-inlining'] ? { keepInlining: true } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
  } catch (error) {
    recorder.stop();
    if (error instanceof ScenarioError) {
      // The scenario's own failure: our line, then its stack (the user's bug, worth a stack).
      console.error(error.message);
      if (error.cause instanceof Error && error.cause.stack) console.error(error.cause.stack.split('\n').slice(1).join('\n'));
      return 1;
    }
    if (error instanceof ScenarioStuckError) {
      // One line, exit 2, now: the scenario's pending work (a server, a timer) would keep the process alive.
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  // The inlining of the scenario's run (find() restores V8's setting before this snapshot).
  const capture = { ...recorder.snapshot('api', { argv: ['allocscope leaks', file], ...(report.inlining ? { inlining: report.inlining } : {}) }), leaks: report };
  recorder.stop();

  output.write(reporter.render(capture, { ...DEFAULT_REPORT_OPTIONS, color: output.color }));
  if (output.file) console.error(`allocscope: wrote ${output.file}: ${report.suspects.length === 0 ? 'no leak suspect' : `${report.suspects.length} leak suspect${report.suspects.length > 1 ? 's' : ''}, top: ${report.suspects[0]!.site}`}`);
  return 0;
}
