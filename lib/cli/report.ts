// allocscope report <capture> --format <f> [-o file] [--top N] [--by g]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCapture, writeFileAtomic } from '../capture/file';
import type { GroupBy } from '../profile/profile';
import { REPORT_FORMATS, reporterFor } from '../reporters';
import { DEFAULT_REPORT_OPTIONS } from '../reporters/reporter';
import { parseArgs, parseChoice, parseCount } from './args';
import { Progress } from '../core/progress';
import { usageError } from './usage-error';

export const REPORT_HELP = `Usage: allocscope report <capture> [--format <f>] [-o <file>] [--top <n>] [--by <g>]

Reads a capture written by "allocscope run" and renders it.

Options:
  --format <f>     ${REPORT_FORMATS.join(', ')} (default text)
                   text, markdown  top sites, GC, heap spaces, allocator, process
                   json            the same data for tools (docs/report-json.md)
                   html            one self-contained page: flame graph, tables, timeline
                   pprof           gzipped protobuf for go tool pprof / Pyroscope / Datadog
                   heapprofile     Chrome DevTools Memory panel (.heapprofile)
                   speedscope      https://www.speedscope.app JSON
  -o, --output <f> write to a file (default: stdout; binary formats need -o)
  --top <n>        rows in top tables (default ${DEFAULT_REPORT_OPTIONS.top})
  --by <g>         site (default), function, file, package or stack
  -h, --help       this text`;

const GROUPS: readonly GroupBy[] = ['site', 'function', 'file', 'package', 'stack'];

export async function runReport(argv: string[]): Promise<number> {
  const { options: o, program: rest } = parseArgs('report', argv, {
    format: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' }, top: { type: 'string', short: 'n' }, by: { type: 'string' },
  }, true);
  if (rest.length !== 1) throw usageError(rest.length === 0 ? 'report: no capture file given (see allocscope report --help)' : `report: one capture file at a time, got ${rest.length}`);
  const format = o.format === undefined ? 'text' : parseChoice('report', 'format', String(o.format), REPORT_FORMATS);
  const options = {
    top: o.top === undefined ? DEFAULT_REPORT_OPTIONS.top : parseCount('report', 'top', String(o.top), 1, 1_000_000),
    by: o.by === undefined ? DEFAULT_REPORT_OPTIONS.by : parseChoice('report', 'by', String(o.by), GROUPS),
    color: o.output === undefined && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  };
  const reporter = reporterFor(format)!;
  const output = o.output === undefined ? undefined : String(o.output);
  if (output !== undefined && !fs.existsSync(path.dirname(path.resolve(output)))) {
    throw usageError(`report: cannot write ${output}: directory ${path.dirname(path.resolve(output))} does not exist`);
  }
  const progress = new Progress(3);
  try {
    progress.step(`reading ${rest[0]}`);
    const capture = readCapture(rest[0]!);
    progress.step(`rendering ${format}`);
    const rendered = reporter.render(capture, options);
    progress.step(output ? `writing ${output}` : 'writing');
    progress.done();
    if (output) writeFileAtomic(output, rendered);
    else if (typeof rendered !== 'string') throw usageError(`report: --format ${format} is binary: write it to a file with -o <file>${reporter.extension}`);
    else process.stdout.write(rendered);
  } finally {
    progress.done();
  }
  return 0;
}
