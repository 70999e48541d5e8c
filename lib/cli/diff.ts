// allocscope diff <older> <newer> [--format text|markdown|json|html] [-o file] [--top N] [--by g]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCapture, writeFileAtomic } from '../capture/file';
import type { GroupBy } from '../profile/profile';
import { diffCaptures, renderDiffHtml, renderDiffJson, renderDiffMarkdown, renderDiffText } from '../reporters/diff';
import { parseArgs, parseChoice, parseCount } from './args';
import { usageError } from './usage-error';

export const DIFF_HELP = `Usage: allocscope diff <older capture> <newer capture> [options]

Per-site growth between two captures (e.g. before and after a change, or two
SIGUSR2 snapshots of one process), largest change first.

Options:
  --format <f>     text (default), markdown, json or html
  -o, --output <f> write to a file (default: stdout)
  --top <n>        rows (default 20)
  --by <g>         site (default), function, file, package or stack
  -h, --help       this text`;

const FORMATS = ['text', 'markdown', 'json', 'html'] as const;
const GROUPS: readonly GroupBy[] = ['site', 'function', 'file', 'package', 'stack'];

export async function runDiff(argv: string[]): Promise<number> {
  const { options: o, program: files } = parseArgs('diff', argv, {
    format: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' }, top: { type: 'string', short: 'n' }, by: { type: 'string' },
  }, true);
  if (files.length !== 2) throw usageError(`diff: needs two capture files (older, newer), got ${files.length}`);
  const format = o.format === undefined ? 'text' : parseChoice('diff', 'format', String(o.format), FORMATS);
  const top = o.top === undefined ? 20 : parseCount('diff', 'top', String(o.top), 1, 1_000_000);
  const by = o.by === undefined ? 'site' : parseChoice('diff', 'by', String(o.by), GROUPS);
  const output = o.output === undefined ? undefined : String(o.output);
  if (output !== undefined && !fs.existsSync(path.dirname(path.resolve(output)))) {
    throw usageError(`diff: cannot write ${output}: directory ${path.dirname(path.resolve(output))} does not exist`);
  }
  const [older, newer] = files.map((f) => readCapture(f));
  if (!older!.profile || !newer!.profile) throw usageError(`diff: ${!older!.profile ? files[0] : files[1]} has no allocation profile`);
  if (older!.profile.mode !== newer!.profile.mode) throw usageError(`diff: cannot compare a "${older!.profile.mode}" capture with a "${newer!.profile.mode}" one`);
  const d = diffCaptures(older!, newer!, { top, by, color: false });
  const color = output === undefined && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  const rendered = format === 'html' ? renderDiffHtml(d) : format === 'json' ? renderDiffJson(d) : format === 'markdown' ? renderDiffMarkdown(d) : renderDiffText(d, color);
  if (output) writeFileAtomic(output, rendered);
  else process.stdout.write(rendered);
  return 0;
}
