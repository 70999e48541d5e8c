// The diff as a small self-contained HTML page (no script, nothing loaded).
import type { Reporter } from '../reporter';
import { diffBlocks } from './blocks';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const diffHtmlReporter: Reporter<'CaptureDiff'> = {
  document: 'CaptureDiff',
  format: 'html',
  description: 'one small self-contained page, growth in red and shrinkage in green',
  extension: '.html',
  render(diff) {
    const body = diffBlocks(diff).map((b) => {
      if (b.kind === 'heading') return `<h1>${escapeHtml(b.text)}</h1>`;
      if (b.kind === 'line') return `<p>${escapeHtml(b.text)}</p>`;
      const head = b.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
      const rows = b.rows.map((r, i) => `<tr class="${diff.rows[i]!.deltaBytes > 0 ? 'grew' : 'shrank'}">${r.map((c, j) => `<td${j === r.length - 1 ? ' class="label"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
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
  },
};
