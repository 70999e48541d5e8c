'use strict';
// `allocscope report --format html` in a real browser (headless Chromium through
// playwright-core): the page loads nothing, runs no injected script, and its
// flame graph, tables, timeline and bars work.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { launchChromium } = require('./browser');
const { runCli, ROOT, DIST, leastCpuMs } = require('./helpers');

const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const XSS = '<img src=x onerror=alert(1)>';

// A churn-like request loop plus a method whose name is HTML. A string-literal
// key names the method at parse time, so V8's profiler reports that name (a
// computed key would not: V8 would infer "evil" from the variable instead).
const FIXTURE = `'use strict';
const cache = new Map();
let checksum = 0;
function handleRequest(i) {
  const user = { id: i, name: 'user-' + i, tags: ['a', 'b', 'c'].map((t) => t + (i % 7)) };
  const body = JSON.stringify({ user, items: Array.from({ length: 20 }, (_, k) => ({ k, v: k * i })) });
  checksum = (checksum + Buffer.from(body).length) | 0;
  cache.set(i % 2000, body);
}
const evil = {
  ${JSON.stringify(XSS)}(n) {
    const rows = [];
    for (let k = 0; k < n; k++) rows.push({ k, text: 'row ' + k, list: [k, k + 1, k + 2] });
    return rows.length;
  },
};
const name = ${JSON.stringify(XSS)};
function main() {
  for (let i = 0; i < 40000; i++) {
    handleRequest(i);
    if (i % 2 === 0) checksum = (checksum + evil[name](40)) | 0;
  }
}
main();
console.log('done ' + checksum);
`;

let tmp, capture, reportFile, browser;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-html-'));
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const fixture = path.join(tmp, 'xss-names.js');
  fs.writeFileSync(fixture, FIXTURE);
  capture = path.join(tmp, 'xss.allocscope');
  const run = runCli(['run', '-q', '--interval', '16k', '-o', capture, fixture]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^done -?\d+$/m);

  const text = runCli(['report', capture, '--format', 'text', '--top', '50']);
  assert.equal(text.status, 0, text.stderr);
  assert.ok(text.stdout.includes(XSS), `the text report should name the function ${XSS}:\n${text.stdout}`);
  assert.match(text.stdout, /handleRequest \(/);

  reportFile = path.join(tmp, 'report.html');
  const html = runCli(['report', capture, '--format', 'html', '-o', reportFile]);
  assert.equal(html.status, 0, html.stderr);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Opens a report page; every request other than the file itself is aborted and recorded. */
async function open(file, viewport = { width: 1360, height: 900 }) {
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const seen = { errors: [], dialogs: [], foreign: [] };
  page.on('console', (m) => { if (m.type() === 'error') seen.errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => seen.errors.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => { seen.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  page.on('request', (r) => { if (r.url() !== url) seen.foreign.push(r.url()); });
  await context.route(() => true, (route) => {
    if (route.request().url() === url) return route.continue();
    seen.foreign.push(route.request().url());
    return route.abort();
  });
  await page.goto(url);
  await page.waitForSelector('html[data-ready="1"]', { timeout: 10_000 });
  return { page, seen, close: () => context.close() };
}

function assertClean(seen) {
  assert.deepEqual(seen.foreign, [], 'the page requested something besides its own file');
  assert.deepEqual(seen.errors, [], 'the page logged errors');
  assert.deepEqual(seen.dialogs, [], 'a dialog opened: injected script ran');
}

test('the page is one file that loads nothing and shows a function named like HTML as text', async () => {
  const html = fs.readFileSync(reportFile, 'utf8');
  assert.ok(!html.includes(XSS), 'the raw name must not appear in the file (it is escaped in the JSON element)');
  assert.doesNotMatch(html, /<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=/i, 'no element loads a resource');
  const { page, seen, close } = await open(reportFile);
  try {
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(await page.evaluate(() => document.querySelectorAll('img[src="x"]').length), 0);
    const cell = page.locator('#sites td.fn', { hasText: XSS });
    assert.ok(await cell.count() >= 1, 'the name is in the top table');
    assert.ok(await cell.first().isVisible());
    assert.ok(await page.locator('#flame .frame', { hasText: XSS }).count() >= 1, 'the name labels a frame');
    await page.waitForTimeout(100); // a late onerror would fire now
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-html.png'), fullPage: true });
    assertClean(seen);
  } finally {
    await close();
  }
});

test('flame graph: the top site has frames, search highlights it, a click zooms and a breadcrumb zooms out', async () => {
  const { page, seen, close } = await open(reportFile);
  try {
    const flameWidth = (await page.locator('#flame').boundingBox()).width;
    const site = page.locator('#flame .frame', { hasText: /^handleRequest(\s|$)/ });
    assert.ok(await site.count() >= 1, 'handleRequest is drawn');

    await page.fill('#search', 'handleRequest');
    assert.ok(await page.locator('#flame .frame.hit').count() >= 1, 'search highlights frames');
    assert.match(await page.textContent('#matches'), /frames? · .* \([\d.]+ % of all\)/);
    assert.equal(await page.locator('#flame .frame.hit', { hasText: XSS }).count(), 0, 'only matches are highlighted');
    await page.fill('#search', '');
    assert.equal(await page.locator('#flame .frame.hit').count(), 0);

    const index = await site.first().getAttribute('data-i');
    const before = (await site.first().boundingBox()).width;
    assert.ok(before < flameWidth - 2, 'handleRequest is not the whole profile');
    await site.first().click();
    const zoomed = page.locator(`#flame .frame[data-i="${index}"]`);
    assert.ok(Math.abs((await zoomed.boundingBox()).width - flameWidth) <= 1.5, 'the zoomed frame spans the full width');
    assert.match(await page.textContent('#crumbs'), /all.*›.*handleRequest/);
    assert.equal(await page.isDisabled('#reset'), false);
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-html-zoomed.png') });

    await page.locator('#crumbs button', { hasText: /^all$/ }).click();
    assert.ok(Math.abs((await zoomed.boundingBox()).width - before) <= 1.5, 'zoomed out again');
    assert.equal(await page.isDisabled('#reset'), true);

    await page.locator(`#flame .frame[data-i="${index}"]`).hover();
    const tip = await page.textContent('#tip');
    assert.match(tip, /handleRequest.*total.*of all.*self.*objects/s);
    assertClean(seen);
  } finally {
    await close();
  }
});

test('top-sites table sorts when a header is clicked', async () => {
  const { page, seen, close } = await open(reportFile);
  try {
    const column = async (label) => {
      const headers = await page.locator('#sites th').allTextContents();
      const at = headers.findIndex((h) => h.replace(/[▾▴]/g, '').trim() === label);
      assert.ok(at >= 0, `no ${label} column in ${headers}`);
      return page.locator(`#sites tbody tr td:nth-child(${at + 1})`).evaluateAll((tds) => tds.map((td) => Number(td.dataset.v)));
    };
    const isSorted = (xs, desc) => xs.every((x, i) => i === 0 || (desc ? xs[i - 1] >= x : xs[i - 1] <= x));
    const bytes = await column('bytes');
    assert.ok(bytes.length >= 3, 'several sites');
    assert.ok(isSorted(bytes, true), 'largest first by default');

    await page.locator('#sites th', { hasText: 'objects' }).click();
    const desc = await column('objects');
    assert.ok(isSorted(desc, true), `objects descending: ${desc}`);
    assert.equal(await page.locator('#sites th', { hasText: 'objects' }).getAttribute('aria-sort'), 'descending');
    await page.locator('#sites th', { hasText: 'objects' }).click();
    const asc = await column('objects');
    assert.ok(isSorted(asc, false), `objects ascending: ${asc}`);
    assert.notDeepEqual(asc, desc);

    await page.locator('#sites th', { hasText: 'function' }).click();
    // The cell's text ends with its search button (⌕); the page sorts by the name alone.
    const names = (await page.locator('#sites tbody td.fn').allTextContents()).map((text) => text.replace(/⌕$/, ''));
    assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b)), 'text columns sort alphabetically');
    assertClean(seen);
  } finally {
    await close();
  }
});

test('timeline chart, GC table, heap-space and fragmentation bars, and the pools note are drawn', async () => {
  const { page, seen, close } = await open(reportFile);
  try {
    const inked = await page.$eval('#timeline canvas', (canvas) => {
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return { n, of: canvas.width * canvas.height };
    });
    assert.ok(inked.n > 2000, `the chart drew something (${inked.n} of ${inked.of} pixels)`);
    const legend = await page.textContent('#timeline');
    for (const label of ['heap used', 'heap committed', 'external']) assert.ok(legend.includes(label), label);
    assert.match(await page.textContent('#gc-key'), /GC pause \(\d+\)/);
    assert.ok(await page.locator('#gc tbody tr').count() >= 1, 'GC table');
    assert.ok(await page.locator('#spaces .track').count() >= 2, 'heap-space bars');
    assert.ok(await page.locator('#alloc .stack').count() >= 1, 'fragmentation bars');
    // Every capture lists the engine's own Buffer pool beside any the program registered.
    assert.match(await page.textContent('#pools'), /engine.*node:Buffer\.poolSize/);
    assertClean(seen);
  } finally {
    await close();
  }
});

test('pools render as a table of their keys; names anywhere in the capture stay text', async () => {
  const data = JSON.parse(fs.readFileSync(capture, 'utf8'));
  data.meta.argv = [...data.meta.argv, `--title=${XSS}`];
  data.pools = [
    { name: XSS, slotBytes: 4096, slots: 64, hits: 1200, misses: 3 },
    { name: 'small', slotBytes: 64, slots: 1024, hits: 90000, misses: 120, extra: { note: '</script><script>alert(2)</script>' } },
  ];
  const file = path.join(tmp, 'pools.allocscope');
  fs.writeFileSync(file, JSON.stringify(data));
  const out = path.join(tmp, 'pools.html');
  const r = runCli(['report', file, '--format', 'html', '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  const { page, seen, close } = await open(out);
  try {
    const headers = (await page.locator('#pools th').allTextContents()).map((h) => h.replace(/[▾▴]/g, '').trim());
    assert.deepEqual(headers, ['name', 'slotBytes', 'slots', 'hits', 'misses', 'extra']);
    const cells = await page.locator('#pools tbody tr:first-child td').allTextContents();
    assert.deepEqual(cells.slice(0, 2), [XSS, '4.00 KiB']);
    assert.match(await page.textContent('#pools'), /<\/script><script>alert\(2\)<\/script>/);
    assert.ok((await page.textContent('#cmd')).includes(XSS));
    assert.equal(await page.locator('img').count(), 0);
    await page.waitForTimeout(100);
    assertClean(seen);
  } finally {
    await close();
  }
});

test('a capture with no profile, GC, timeline or fragmentation figures renders notes, not errors', async () => {
  const data = JSON.parse(fs.readFileSync(capture, 'utf8'));
  data.profile = null;
  data.gc = { events: [], summary: null };
  data.timeline = { periodMs: 100, timeMs: [], heapUsedBytes: [], heapCommittedBytes: [], externalBytes: [], rssBytes: [] };
  data.fragmentation = null;
  data.malloc = null;
  const file = path.join(tmp, 'bare.allocscope');
  fs.writeFileSync(file, JSON.stringify(data));
  const out = path.join(tmp, 'bare.html');
  const r = runCli(['report', file, '--format', 'html', '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  const { page, seen, close } = await open(out);
  try {
    assert.match(await page.textContent('#flame'), /No allocation profile/);
    assert.match(await page.textContent('#sites'), /No allocation profile/);
    assert.match(await page.textContent('#timeline'), /No heap samples or GC events/);
    assert.match(await page.textContent('#gc'), /No garbage collection/);
    assert.ok(await page.locator('#spaces .track').count() >= 1, 'heap spaces come from capture.spaces');
    assert.match(await page.textContent('#alloc'), /No fragmentation figures/);
    assertClean(seen);
  } finally {
    await close();
  }
});

/** A deterministic synthetic profile: `n` nodes, deep stacks, a few thousand distinct frames. */
function syntheticProfile(n) {
  let seed = 42;
  const random = () => { seed = (seed + 0x6d2b79f5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed); t ^= t + Math.imul(t ^ (t >>> 7), 61 | t); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  const strings = ['(root)', '', 'handleRequest', '/srv/app/server.js'];
  const frames = { name: [0, 2], script: [1, 3], line: [0, 10], column: [0, 1], scriptId: [0, 1] };
  for (let f = 2; f < 3000; f++) {
    strings.push(`fn${f}`, f % 5 === 0 ? `/srv/app/node_modules/pkg${f % 40}/index.js` : `/srv/app/lib/mod${f % 120}.js`);
    frames.name.push(strings.length - 2); frames.script.push(strings.length - 1); frames.line.push(f); frames.column.push(3); frames.scriptId.push(f);
  }
  const nodes = { parent: [-1], frame: [0], selfBytes: [0], selfCount: [0] };
  for (let i = 1; i < n; i++) {
    const back = Math.floor(random() ** 3 * Math.min(i, 5000));
    nodes.parent.push(i < 4 ? i - 1 : Math.max(0, i - 1 - back));
    nodes.frame.push(i < 4 ? 1 : 2 + Math.floor(random() * 2998));
    const b = random() < 0.6 ? 0 : Math.round(16384 * random() * random() * 40);
    nodes.selfBytes.push(b);
    nodes.selfCount.push(b / 48);
  }
  return { version: 1, mode: 'allocated', intervalBytes: 16384, stackDepth: 128, startTimeMs: 0, endTimeMs: 1, threadIds: [0], strings, frames, nodes };
}

test('a 60,000-node profile renders in time linear in its size and the page draws it without freezing', async (t) => {
  const data = JSON.parse(fs.readFileSync(capture, 'utf8'));
  data.profile = syntheticProfile(60_000);
  const { htmlReporter } = require(path.join(DIST, 'reporters', 'html.js'));
  const render = (capture) => htmlReporter.render(capture, { top: 20, by: 'site', color: false });
  const html = render(data); // also warms the code up
  // Rendering: not a speed test (the 1 s target is measured in benchmarks/reports;
  // wall time on a loaded machine says little): how the work grows. CPU time on
  // this thread's clock, least of 3 (helpers.leastCpuMs), for 4× the nodes: linear
  // reads ×4, one quadratic step ×16 and fails the ×8 bound; 5 s of CPU for 60,000
  // nodes (≥ 20× what it takes) catches a pathological constant-factor slowdown.
  const small = { ...data, profile: syntheticProfile(15_000) };
  const smallMs = leastCpuMs(render, small);
  const renderMs = leastCpuMs(render, data);
  const ratio = renderMs / smallMs;
  t.diagnostic(`html render: ${smallMs.toFixed(0)} ms CPU for 15,000 nodes, ${renderMs.toFixed(0)} ms for 60,000 (×${ratio.toFixed(2)}), ${(html.length / 1048576).toFixed(1)} MiB`);
  assert.ok(ratio < 8, `4× the nodes took ×${ratio.toFixed(2)} the CPU time (${smallMs.toFixed(0)} → ${renderMs.toFixed(0)} ms): worse than linear`);
  assert.ok(renderMs < 5_000, `rendering took ${renderMs.toFixed(0)} ms of CPU`);
  const out = path.join(tmp, 'big.html');
  fs.writeFileSync(out, html);

  const loadStarted = Date.now();
  const { page, seen, close } = await open(out);
  try {
    const loadMs = Date.now() - loadStarted;
    const flame = await page.$eval('#flame', (e) => ({ ms: Number(e.dataset.renderMs), frames: Number(e.dataset.frames) }));
    t.diagnostic(`page ready in ${loadMs} ms, flame graph drawn in ${flame.ms} ms (${flame.frames} frames)`);
    assert.ok(flame.frames > 100, `frames drawn: ${flame.frames}`);
    assert.ok(flame.frames <= 12_000 + 64, `at most the frame budget is drawn: ${flame.frames}`);
    assert.ok(flame.ms < 1000, `the flame graph drew in ${flame.ms} ms`);
    assert.ok(loadMs < 8000, `the page was ready in ${loadMs} ms`);
    await page.fill('#search', 'fn12');
    assert.ok(await page.locator('#flame .frame.hit').count() > 0);
    await page.locator('#flame .frame:not([data-i="0"])').first().click();
    assert.ok(Number(await page.$eval('#flame', (e) => e.dataset.renderMs)) < 1000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-html-60k.png') });
    assertClean(seen);
  } finally {
    await close();
  }
});

// Regenerates docs/report-html.png from examples/churn.js (run with ALLOCSCOPE_UPDATE_DOCS_SCREENSHOT=1).
if (process.env.ALLOCSCOPE_UPDATE_DOCS_SCREENSHOT === '1') {
  test('docs screenshot of the churn example', async () => {
    const cap = path.join(tmp, 'churn.allocscope');
    const out = path.join(tmp, 'churn.html');
    assert.equal(runCli(['run', '-q', '--interval', '64k', '-o', cap, path.join(ROOT, 'examples', 'churn.js')]).status, 0);
    assert.equal(runCli(['report', cap, '--format', 'html', '-o', out]).status, 0);
    const { page, seen, close } = await open(out, { width: 1280, height: 900 });
    try {
      await page.screenshot({ path: path.join(ROOT, 'docs', 'report-html.png'), fullPage: true });
      assertClean(seen);
    } finally {
      await close();
    }
  });
}
