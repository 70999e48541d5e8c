// allocscope report <capture> --format <f> [-o file] [--top N] [--by g]
import { readCapture } from '../capture/file';
import { momentIndex, type MomentChoice } from '../capture/memory-over-time';
import { momentProfileData } from '../sampler/moments';
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
  --at <when>      the live heap at a moment (captures of run --mode live):
                   peak, end (default) or seconds since the start (the last
                   moment at or before it), in every format; with --native:
                   peak or end
  -h, --help       this text`;

/** --at: 'peak', 'end' or seconds (≥ 0). */
function parseMoment(value: string): MomentChoice {
  if (value === 'peak' || value === 'end') return value;
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw usageError(`report: option "--at" must be peak, end or seconds since the start (e.g. 12.5), got ${JSON.stringify(value)}`);
  return n;
}

const GROUPS: readonly GroupBy[] = ['site', 'function', 'file', 'package', 'stack'];

export async function runReport(argv: string[]): Promise<number> {
  const { options: o, program: rest } = parseArgs('report', argv, {
    format: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' }, top: { type: 'string', short: 'n' }, by: { type: 'string' },
    native: { type: 'boolean' }, at: { type: 'string' },
  }, true);
  if (rest.length !== 1) throw usageError(rest.length === 0 ? 'report: no capture file given (see allocscope report --help)' : `report: one capture file at a time, got ${rest.length}`);
  const reporter = chooseReporter('report', 'Capture', o.format === undefined ? undefined : String(o.format));
  const top = o.top === undefined ? DEFAULT_REPORT_OPTIONS.top : parseCount('report', 'top', String(o.top), 1, 1_000_000);
  const by = o.by === undefined ? DEFAULT_REPORT_OPTIONS.by : parseChoice('report', 'by', String(o.by), GROUPS);
  const at = o.at === undefined ? 'end' : parseMoment(String(o.at));
  if (o.native && at !== 'end' && at !== 'peak') throw usageError('report: --native takes --at peak or end (native memory keeps its peak, not moments over time)');
  const output = reportOutput('report', reporter, o.output === undefined ? undefined : String(o.output));
  const progress = new Progress(3);
  try {
    progress.step(`reading ${rest[0]}`);
    let capture = readCapture(rest[0]!);
    if (o.native) {
      if (!capture.nativeProfile) throw usageError(`report: --native: ${rest[0]} has no native profile (record one with allocscope run --native)`);
      if (at === 'peak' && !capture.nativePeakProfile) throw usageError(`report: --native --at peak: ${rest[0]} has no native peak (record with allocscope run --native --mode live)`);
      // Every format renders `profile`: the native one takes its place.
      capture = { ...capture, profile: at === 'peak' ? capture.nativePeakProfile! : capture.nativeProfile, nativeProfile: undefined, memoryOverTime: undefined };
    }
    const i = o.native ? null : momentIndex(capture.memoryOverTime, at);
    if (i === -1) {
      throw usageError(`report: --at ${String(o.at)}: ${rest[0]} has no moments of the live heap (record with allocscope run --mode live; ${capture.memoryOverTime ? 'no GC ran during the run' : 'it was recorded without them'})`);
    }
    if (i !== null) capture = { ...capture, profile: momentProfileData(capture.memoryOverTime!, i) };
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
