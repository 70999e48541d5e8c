// The --format option of report, diff, leaks and stats, from the report
// registry: the choice it accepts and the lines --help shows for it.
import { formatsOf, reporterFor, reportersOf } from '../reporters';
import type { DocumentName, Reporter } from '../reporters/reporter';
import { parseChoice } from './args';

/** The reporter that `--format <text>` names (the document's default when absent). */
export function chooseReporter<D extends DocumentName>(command: string, document: D, text: string | undefined): Reporter<D> {
  const formats = formatsOf(document);
  const format = text === undefined ? formats[0]! : parseChoice(command, 'format', text, formats);
  return reporterFor(document, format)!;
}

/** Help lines are wrapped at this width (the widest hand-written ones). */
const HELP_WIDTH = 88;

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line];
}

/**
 * The --format entry of a command's help: the choices on the option's line,
 * then one line per format from its reporter's description.
 * @param column where the option descriptions start in that help text
 */
export function formatHelp(document: DocumentName, column: number): string {
  const reporters = reportersOf(document);
  const names = reporters.map((r, i) => (i === 0 ? `${r.format} (default)` : r.format));
  const nameWidth = Math.max(...reporters.map((r) => r.format.length)) + 2;
  const indent = ' '.repeat(column + nameWidth);
  const lines = [`${'  --format <f>'.padEnd(column)}${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`];
  for (const r of reporters) {
    const text = r.binary || r.needsFile ? `${r.description} (needs -o)` : r.description;
    const [first, ...rest] = wrap(text, HELP_WIDTH - indent.length);
    lines.push(`${' '.repeat(column)}${r.format.padEnd(nameWidth)}${first}`, ...rest.map((l) => `${indent}${l}`));
  }
  return lines.join('\n');
}
