// Per-group growth between two captures (tracemalloc's compare_to), as blocks
// for text/markdown, JSON, or a small self-contained HTML page.
import type { Capture } from '../capture/capture';
import { bytes, percent } from '../core/format';
import { Profile, type DiffRow, type GroupBy } from '../profile/profile';
import { renderMarkdown, renderText, type Block } from './document';

export interface DiffOptions {
  top: number;
  by: GroupBy;
  color: boolean;
}

export interface CaptureDiff {
  older: { argv: string[]; startTimeMs: number; totalBytes: number };
  newer: { argv: string[]; startTimeMs: number; totalBytes: number };
  mode: Profile['mode'];
  by: GroupBy;
  rows: DiffRow[];
}

export function diffCaptures(older: Capture, newer: Capture, o: DiffOptions): CaptureDiff {
  if (!older.profile || !newer.profile) throw new Error('both captures need an allocation profile');
  const a = new Profile(older.profile);
  const b = new Profile(newer.profile);
  const rows = b.diff(a, { by: o.by }).filter((r) => r.deltaBytes !== 0 || r.deltaObjects !== 0);
  // Largest changes first, growth before shrinkage of the same size.
  rows.sort((x, y) => Math.abs(y.deltaBytes) - Math.abs(x.deltaBytes) || y.deltaBytes - x.deltaBytes);
  return {
    older: { argv: older.meta.argv, startTimeMs: older.meta.startTimeMs, totalBytes: a.totals().bytes },
    newer: { argv: newer.meta.argv, startTimeMs: newer.meta.startTimeMs, totalBytes: b.totals().bytes },
    mode: b.mode, by: o.by, rows: rows.slice(0, o.top),
  };
}

const signed = (n: number) => `${n > 0 ? '+' : n < 0 ? '−' : '±'}${bytes(Math.abs(n))}`;
const ratio = (r: DiffRow) => (r.olderBytes > 0 ? `${r.deltaBytes >= 0 ? '+' : '−'}${percent(Math.abs(r.deltaBytes) / r.olderBytes)}` : 'new');

function diffBlocks(d: CaptureDiff): Block[] {
  const delta = d.newer.totalBytes - d.older.totalBytes;
  return [
    { kind: 'heading', text: `allocscope diff · ${d.mode === 'live' ? 'live' : 'allocated'} bytes by ${d.by}` },
    { kind: 'line', text: `older: ${d.older.argv.join(' ')} (${new Date(d.older.startTimeMs).toISOString()}) · ${bytes(d.older.totalBytes)}` },
    { kind: 'line', text: `newer: ${d.newer.argv.join(' ')} (${new Date(d.newer.startTimeMs).toISOString()}) · ${bytes(d.newer.totalBytes)} (${signed(delta)})` },
    d.rows.length === 0
      ? { kind: 'line', text: 'No difference.' }
      : {
        kind: 'table',
        header: ['#', 'delta', 'change', 'newer', 'older', 'Δ objects', d.by],
        rows: d.rows.map((r, i) => [String(i + 1), signed(r.deltaBytes), ratio(r), bytes(r.bytes), bytes(r.olderBytes), `${r.deltaObjects >= 0 ? '+' : '−'}${Math.round(Math.abs(r.deltaObjects)).toLocaleString('en-US')}`, r.label]),
        align: ['right', 'right', 'right', 'right', 'right', 'right', 'left'],
      },
  ];
}

export const renderDiffText = (d: CaptureDiff, color = false) => `${renderText(diffBlocks(d), color)}\n`;
export const renderDiffMarkdown = (d: CaptureDiff) => renderMarkdown(diffBlocks(d));
export const renderDiffJson = (d: CaptureDiff) => `${JSON.stringify({ format: 'allocscope-diff', version: 1, ...d }, null, 2)}\n`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderDiffHtml(d: CaptureDiff): string {
  const blocks = diffBlocks(d);
  const body = blocks.map((b) => {
    if (b.kind === 'heading') return `<h1>${escapeHtml(b.text)}</h1>`;
    if (b.kind === 'line') return `<p>${escapeHtml(b.text)}</p>`;
    const head = b.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
    const rows = b.rows.map((r, i) => `<tr class="${d.rows[i]!.deltaBytes > 0 ? 'grew' : 'shrank'}">${r.map((c, j) => `<td${j === r.length - 1 ? ' class="label"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
    return `<table><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>allocscope diff</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #1d1f24; }
h1 { font-size: 1.3rem; } table { border-collapse: collapse; } th, td { padding: .25rem .6rem; text-align: right; border-bottom: 1px solid #e3e5ea; }
td.label { text-align: left; font-family: ui-monospace, monospace; } tr.grew td:nth-child(2) { color: #b3261e; } tr.shrank td:nth-child(2) { color: #1b7f3b; }
</style></head><body>
${body}
</body></html>
`;
}
