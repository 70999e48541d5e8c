// One self-contained HTML page: an icicle flame graph of the allocation stacks
// (zoom, search, tooltips), the top-sites table (sortable), a heap/RSS timeline
// with GC pauses (uPlot, inlined), heap-space and fragmentation bars, pools.
// It loads nothing: the data is a JSON element, the code and styles are inline
// (the page's code is the TypeScript in html/client, bundled at build time),
// and a Content-Security-Policy with script hashes forbids everything else
// (no network, no inline event handlers even if markup ever slipped in).
import { createHash } from 'node:crypto';
import { clientScript } from './html/client-script';
import { pageData, scriptJson } from './html/data';
import { STYLE } from './html/style';
import { inlineSafe, vendor } from './html/vendor';
import type { Reporter } from './reporter';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

const BODY = `<main>
<header>
  <h1><span class="brand">allocscope</span> memory report</h1>
  <div class="cmd" id="cmd"></div>
  <div class="meta" id="meta"></div>
  <div class="cards" id="cards"></div>
</header>
<section id="leaks-section">
  <h2>Leak suspects<span class="sub" id="leaks-sub"></span></h2>
  <div id="leaks"></div>
</section>
<section id="flame-section">
  <h2>Allocation flame graph<span class="sub" id="flame-sub"></span></h2>
  <div class="views" id="views" role="group" aria-label="Which memory the flame graph and the top table show" hidden></div>
  <div class="toolbar">
    <input type="search" id="search" placeholder="Search functions or files…" aria-label="Search functions or files" autocomplete="off" spellcheck="false">
    <button type="button" id="reset" disabled>Reset zoom</button>
    <button type="button" id="focus" disabled title="Re-root the graph at the zoomed frame's function: every call of it, merged">Focus on frame</button>
    <button type="button" id="unfocus" hidden>Clear focus</button>
    <label class="toggle" title="Node's own frames (the module loader, node:internal/*, node:buffer, …) and allocscope's are collapsed into one marker per run unless this is ticked"><input type="checkbox" id="show-internals"> Node internals</label>
    <label class="toggle" title="A function called again deeper on its own stack (recursion) folds into its first call"><input type="checkbox" id="merge-functions"> Merge by function</label>
    <span class="matches" id="matches" aria-live="polite"></span>
  </div>
  <div class="crumbs" id="crumbs"></div>
  <div class="flame-scroll"><div class="flame" id="flame" role="img" aria-label="Icicle graph of allocation stacks"></div></div>
  <div class="legend" id="flame-legend"></div>
  <div class="meta" id="flame-status"></div>
</section>
<section id="sites-section">
  <h2 id="sites-title">Top allocation sites</h2>
  <div class="meta" id="sites-sub"></div>
  <div class="toolbar"><label class="toggle" title="Sites at the innermost frame, Node's own JavaScript included, instead of the program's function that called it"><input type="checkbox" id="sites-internals"> Node internals</label></div>
  <div id="sites"></div>
</section>
<section id="timeline-section">
  <h2>Heap and RSS over time<span class="sub">GC pauses marked</span></h2>
  <div class="chart" id="timeline"></div>
  <div class="gc-key" id="gc-key"></div>
</section>
<section id="gc-section">
  <h2>Garbage collection<span class="sub" id="gc-sub"></span></h2>
  <div id="gc"></div>
</section>
<section id="memory-section">
  <div class="two">
    <div><h2>Heap spaces<span class="sub">used and committed per V8 space</span></h2><div id="spaces"></div></div>
    <div><h2>Fragmentation<span class="sub">C allocator and process RSS</span></h2><div id="alloc"></div></div>
  </div>
</section>
<section id="pools-section">
  <h2>Pools<span class="sub" id="pools-sub"></span></h2>
  <div id="pools"></div>
</section>
<footer>allocscope · a self-contained report: it loads nothing from the network · timeline chart by uPlot (MIT)</footer>
</main>
<div class="tip" id="tip" role="tooltip"></div>`;

export const htmlReporter: Reporter = {
  document: 'Capture',
  format: 'html',
  description: 'one self-contained page: flame graph, top sites, timeline, heap spaces, fragmentation, pools',
  extension: '.html',
  render(capture, options) {
    const v = vendor();
    const client = inlineSafe(clientScript(), 'script', 'the report script');
    const style = inlineSafe(STYLE, 'style', 'the report stylesheet');
    const csp = `default-src 'none'; script-src ${sha256(v.uplotJs)} ${sha256(client)}; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;
    return [
      '<!DOCTYPE html>',
      '<html lang="en">',
      '<head>',
      '<meta charset="utf-8">',
      `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
      '<meta name="generator" content="allocscope">',
      '<title>allocscope report</title>',
      `<style>${v.uplotCss}</style>`,
      `<style>${style}</style>`,
      '</head>',
      '<body>',
      BODY,
      `<script type="application/json" id="allocscope-data">${scriptJson(pageData(capture, options))}</script>`,
      `<script>${v.uplotJs}</script>`,
      `<script>${client}</script>`,
      '</body>',
      '</html>',
      '',
    ].join('\n');
  },
};
