// allocscope report <capture> --format <f> [-o file] [--top N] [--by g]
import { readCapture } from '../capture/file';
import type { GroupBy } from '../profile/profile';
import { DEFAULT_REPORT_OPTIONS } from '../reporters/reporter';
import { parseArgs, parseChoice, parseCount } from './args';
import { Progress } from '../core/progress';
import { chooseReporter, formatHelp } from './report-format';
import { usageError } from './usage-error';
import { reportOutput } from './write-output';

export const reportHelp = () => `Usage: allocscope report <capture> [--format <f>] [-o <file>] [--top <n>] [--by <g>]

Reads a capture written by "allocscope run" and renders it.

Options:
${formatHelp('Capture', 19)}
  -o, --output <f> write to a file (default: stdout; binary formats need -o)
  --top <n>        rows in top tables (default ${DEFAULT_REPORT_OPTIONS.top})
  --by <g>         site (default), function, file, package or stack
  --native         the native profile (run --native) in place of the heap
                   profile, in every format (pprof: native_* sample types)
  -h, --help       this text`;

const GROUPS: readonly GroupBy[] = ['site', 'function', 'file', 'package', 'stack'];

export async function runReport(argv: string[]): Promise<number> {
  const { options: o, program: rest } = parseArgs('report', argv, {
    format: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' }, top: { type: 'string', short: 'n' }, by: { type: 'string' },
    native: { type: 'boolean' },
  }, true);
  if (rest.length !== 1) throw usageError(rest.length === 0 ? 'report: no capture file given (see allocscope report --help)' : `report: one capture file at a time, got ${rest.length}`);
  const reporter = chooseReporter('report', 'Capture', o.format === undefined ? undefined : String(o.format));
  const top = o.top === undefined ? DEFAULT_REPORT_OPTIONS.top : parseCount('report', 'top', String(o.top), 1, 1_000_000);
  const by = o.by === undefined ? DEFAULT_REPORT_OPTIONS.by : parseChoice('report', 'by', String(o.by), GROUPS);
  const output = reportOutput('report', reporter, o.output === undefined ? undefined : String(o.output));
  const progress = new Progress(3);
  try {
    progress.step(`reading ${rest[0]}`);
    let capture = readCapture(rest[0]!);
    if (o.native) {
      if (!capture.nativeProfile) throw usageError(`report: --native: ${rest[0]} has no native profile (record one with allocscope run --native)`);
      // Every format renders `profile`: the native one takes its place.
      capture = { ...capture, profile: capture.nativeProfile, nativeProfile: undefined };
    }
    progress.step(`rendering ${reporter.format}`);
    const rendered = reporter.render(capture, { top, by, color: output.color });
    progress.step(output.file ? `writing ${output.file}` : 'writing');
    progress.done();
    output.write(rendered);
  } finally {
    progress.done();
  }
  return 0;
}
