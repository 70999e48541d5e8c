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
const { syntheticDeepProfile } = require('./fixtures/synthetic-profiles');

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
  const run = runCli(['run', '-q', '--mode', 'allocated', '--interval', '16k', '-o', capture, fixture]);
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

/** Opens a report page; every request other than the file itself is aborted and recorded. timeoutMs: a deadline for each step. */
async function open(file, viewport = { width: 1360, height: 900 }, timeoutMs = 10_000) {
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(timeoutMs);
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
  await page.waitForSelector('html[data-ready="1"]', { timeout: timeoutMs });
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

test('a 60,000-node profile renders in time linear in its size and the page draws it within its frame budget', async (t) => {
  const data = JSON.parse(fs.readFileSync(capture, 'utf8'));
  data.profile = syntheticDeepProfile(60_000);
  const { htmlReporter } = require(path.join(DIST, 'reporters', 'html.js'));
  const render = (capture) => htmlReporter.render(capture, { top: 20, by: 'site', color: false });
  const html = render(data); // also warms the code up
  // Not a speed test: rendering within 1 s (read + render of a 186,000-node capture),
  // 4× the nodes within 8× the CPU time, 60,000 nodes within 5 s of CPU, the page
  // ready within 8 s and the flame graph drawn and redrawn within 1 s each are
  // measured by benchmarks/reports/run.js (its scaling and page steps use this
  // profile). Here, how the work grows, by a wide bound: CPU time on this thread's
  // clock, least of 3 (helpers.leastCpuMs), for 16× the nodes. Linear reads ×16 or
  // less (measured ×2–4: fixed costs dominate the small one); a quadratic step over
  // the nodes reads up to ×256, past ×64 once it takes a fifth of the small render.
  const small = { ...data, profile: syntheticDeepProfile(3_750) };
  const smallMs = leastCpuMs(render, small);
  const renderMs = leastCpuMs(render, data);
  const ratio = renderMs / smallMs;
  t.diagnostic(`html render: ${smallMs.toFixed(0)} ms CPU for 3,750 nodes, ${renderMs.toFixed(0)} ms for 60,000 (×${ratio.toFixed(2)}), ${(html.length / 1048576).toFixed(1)} MiB`);
  assert.ok(ratio < 64, `16× the nodes took ×${ratio.toFixed(2)} the CPU time (${smallMs.toFixed(0)} → ${renderMs.toFixed(0)} ms): worse than linear`);
  const out = path.join(tmp, 'big.html');
  fs.writeFileSync(out, html);

  // A deadline for a page of this size on a loaded machine, not a speed claim.
  const { page, seen, close } = await open(out, undefined, 60_000);
  try {
    // The page stays responsive by drawing a bounded number of frames, however large the
    // profile: a count, which load does not move (the time it takes is benchmarked).
    const flame = await page.$eval('#flame', (e) => ({ ms: Number(e.dataset.renderMs), frames: Number(e.dataset.frames) }));
    t.diagnostic(`flame graph drawn in ${flame.ms} ms (${flame.frames} frames)`);
    assert.ok(flame.frames > 100, `frames drawn: ${flame.frames}`);
    assert.ok(flame.frames <= 12_000 + 64, `at most the frame budget is drawn: ${flame.frames}`);
    await page.fill('#search', 'fn12');
    assert.ok(await page.locator('#flame .frame.hit').count() > 0);
    await page.locator('#flame .frame:not([data-i="0"])').first().click();
    const zoomed = await page.$eval('#flame', (e) => ({ frames: Number(e.dataset.frames) }));
    assert.equal(await page.isDisabled('#reset'), false, 'the click zoomed in (redrew the flame graph)');
    assert.ok(zoomed.frames > 0 && zoomed.frames <= 12_000 + 64, `the redraw keeps to the frame budget: ${zoomed.frames}`);
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
    assert.equal(runCli(['run', '-q', '--mode', 'allocated', '--interval', '64k', '-o', cap, path.join(ROOT, 'examples', 'churn.js')]).status, 0);
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
