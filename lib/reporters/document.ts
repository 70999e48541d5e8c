// A tiny document model (headings, lines, tables) so that the text and the
// markdown reports are one piece of code with two renderers.
import { table, type Align } from '../core/format';

export type Block =
  | { kind: 'heading'; text: string }
  | { kind: 'line'; text: string }
  | { kind: 'table'; header: string[]; rows: string[][]; align?: Align[] };

const BOLD = (s: string) => `\u001b[1m${s}\u001b[22m`;

export function renderText(blocks: Block[], color = false): string {
  const out: string[] = [];
  for (const b of blocks) {
    if (b.kind === 'heading') out.push('', color ? BOLD(b.text) : b.text);
    else if (b.kind === 'line') out.push(`  ${b.text}`);
    else out.push(table(b.header, b.rows, b.align).split('\n').map((l) => `  ${l}`).join('\n'));
  }
  return out.join('\n').replace(/^\n/, '');
}

const mdEscape = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/([*_`<>[\]])/g, '\\$1');

export function renderMarkdown(blocks: Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    if (b.kind === 'heading') out.push(`${out.length === 0 ? '#' : '##'} ${mdEscape(b.text)}`, '');
    else if (b.kind === 'line') out.push(mdEscape(b.text), '');
    else {
      const align = b.header.map((_, i) => ((b.align?.[i] ?? (i === 0 ? 'left' : 'right')) === 'left' ? ':--' : '--:'));
      out.push(`| ${b.header.map(mdEscape).join(' | ')} |`, `| ${align.join(' | ')} |`, ...b.rows.map((r) => `| ${r.map(mdEscape).join(' | ')} |`), '');
    }
  }
  return out.join('\n');
}
