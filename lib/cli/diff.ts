// allocscope diff <older> <newer> [--format f] [-o file] [--top N] [--by g]
import { readCapture } from '../capture/file';
import type { GroupBy } from '../profile/profile';
import { diffCaptures } from '../reporters/capture-diff';
import { parseArgs, parseChoice, parseCount } from './args';
import { chooseReporter, formatHelp } from './report-format';
import { usageError } from './usage-error';
import { reportOutput } from './write-output';

export const diffHelp = () => `Usage: allocscope diff <older capture> <newer capture> [options]

Per-site growth between two captures (e.g. before and after a change, or two
SIGUSR2 snapshots of one process), largest change first.

Options:
${formatHelp('CaptureDiff', 19)}
  -o, --output <f> write to a file (default: stdout)
  --top <n>        rows (default 20)
  --by <g>         site (default), function, file, package or stack
  -h, --help       this text`;

const GROUPS: readonly GroupBy[] = ['site', 'function', 'file', 'package', 'stack'];

export async function runDiff(argv: string[]): Promise<number> {
  const { options: o, program: files } = parseArgs('diff', argv, {
    format: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' }, top: { type: 'string', short: 'n' }, by: { type: 'string' },
  }, true);
  if (files.length !== 2) throw usageError(`diff: needs two capture files (older, newer), got ${files.length}`);
  const reporter = chooseReporter('diff', 'CaptureDiff', o.format === undefined ? undefined : String(o.format));
  const top = o.top === undefined ? 20 : parseCount('diff', 'top', String(o.top), 1, 1_000_000);
  const by = o.by === undefined ? 'site' : parseChoice('diff', 'by', String(o.by), GROUPS);
  const output = reportOutput('diff', reporter, o.output === undefined ? undefined : String(o.output));
  const [older, newer] = files.map((f) => readCapture(f));
  if (!older!.profile || !newer!.profile) throw usageError(`diff: ${!older!.profile ? files[0] : files[1]} has no allocation profile`);
  if (older!.profile.mode !== newer!.profile.mode) throw usageError(`diff: cannot compare a "${older!.profile.mode}" capture with a "${newer!.profile.mode}" one`);
  output.write(reporter.render(diffCaptures(older!, newer!, { top, by }), { top, by, color: output.color }));
  return 0;
}
