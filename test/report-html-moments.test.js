'use strict';
// The HTML report's memory over time in a real browser (headless Chromium through
// playwright-core), on a capture of examples/batch-job.js made by
// `allocscope run --mode live`: the chart of live bytes by site under the
// timeline, "Jump to peak" and a click on the chart showing the flame graph and
// the top table at a moment (the peak's figures are `report --at peak`'s), "End
// of run" going back, the moment kept in the URL's hash across a reload; and a
// capture without moments (allocated mode) with no chart and no errors.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { htmlReportOfRun, launchChromium, openReport } = require('./browser');
const { ROOT, runCli } = require('./helpers');

const EXAMPLE = path.join(ROOT, 'examples', 'batch-job.js');

let tmp, liveReport, allocatedReport, peakTop, browser;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-html-moments-'));
  fs.mkdirSync(path.join(tmp, 'live'));
  fs.mkdirSync(path.join(tmp, 'allocated'));
  liveReport = htmlReportOfRun(path.join(tmp, 'live'), ['--mode', 'live', EXAMPLE, '150000']);
  allocatedReport = htmlReportOfRun(path.join(tmp, 'allocated'), ['--mode', 'allocated', EXAMPLE, '20000']);
  const json = runCli(['report', path.join(tmp, 'live', 'run.allocscope'), '--at', 'peak', '--format', 'json']);
  assert.equal(json.status, 0, json.stderr);
  peakTop = JSON.parse(json.stdout).profile.top;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const open = (file, hash) => openReport(browser, file, hash);

const tableFunctions = async (page) => (await page.locator('#sites td.fn').allInnerTexts()).map((t) => t.replace(/\s*⌕$/, ''));
/** The first row's bytes, unformatted (the cell's data-v). */
const firstRowBytes = (page) => page.$eval('#sites tbody tr:first-child', (tr) => Number([...tr.cells].find((td, k) => tr.closest('table').tHead.rows[0].cells[k].textContent.startsWith('bytes')).dataset.v));
const hashOf = (page) => new URL(page.url()).hash;

test('the chart of live bytes by site is under the timeline, with the sites in its legend and the peak marked', async () => {
  const { page, errors, close } = await open(liveReport);
  try {
    assert.equal(await page.isVisible('#moments-chart canvas'), true);
    const legend = (await page.locator('#moments-chart .u-legend .u-label').allInnerTexts()).join(' | ');
    assert.match(legend, /buildIndex \(examples\/batch-job\.js:\d+:\d+\)/);
    assert.match(legend, /other sites/);
    // On the timeline's time axis: both plots start at the same x.
    const [a, b] = await Promise.all(['#timeline', '#moments-chart'].map((id) => page.$eval(`${id} .u-over`, (e) => e.getBoundingClientRect().left)));
    assert.ok(Math.abs(a - b) < 1, `plots aligned: ${a} vs ${b}`);
    assert.match(await page.textContent('#moment-bar'), /end of the run/);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('"Jump to peak" shows the peak\'s live heap: its top site is report --at peak\'s, and "End of run" goes back', async () => {
  const { page, errors, close } = await open(liveReport);
  try {
    assert.ok(!(await tableFunctions(page)).includes('buildIndex'), 'nothing of the index at the end');
    await page.click('#moment-bar button[data-moment="peak"]');
    assert.match(await page.textContent('#moment-bar .moment-label'), /live heap at \d+\.\d\d s — the peak — [\d.]+ MiB used/);
    assert.match(await page.textContent('#sites-title'), /the peak/);
    assert.equal(hashOf(page), '#at=peak');
    assert.equal((await tableFunctions(page))[0], 'buildIndex');
    const expected = peakTop.find((r) => r.label.startsWith('buildIndex ('));
    assert.equal(peakTop[0], expected, 'report --at peak agrees that buildIndex is the top site');
    const shown = await firstRowBytes(page);
    assert.ok(Math.abs(shown - expected.bytes) <= 0.01 * expected.bytes, `${shown} B in the table, ${expected.bytes} B in report --at peak`);
    assert.ok((await page.locator('#flame .frame', { hasText: /^buildIndex/ }).count()) > 0, 'buildIndex in the flame graph');
    // The toggles act on the moment's profile.
    await page.check('#show-internals');
    assert.match(await page.textContent('#sites-title'), /the peak/);
    assert.match(hashOf(page), /at=peak/);
    await page.uncheck('#show-internals');

    await page.click('#moment-bar button[data-moment="end"]');
    assert.ok(!(await tableFunctions(page)).includes('buildIndex'));
    assert.equal((await page.locator('#flame .frame', { hasText: /^buildIndex/ }).count()), 0);
    assert.equal(hashOf(page), '');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('a click on the chart shows the nearest moment, and the hash keeps the moment across a reload', async () => {
  const { page, errors, close } = await open(liveReport);
  try {
    // The chart's left edge is the run's start: the first moment is the nearest.
    const over = page.locator('#moments-chart .u-over');
    await over.click({ position: { x: 2, y: 20 } });
    assert.equal(hashOf(page), '#at=0');
    assert.match(await page.textContent('#moment-bar .moment-label'), /live heap at \d+\.\d\d s — [\d.]+ \w+ used/);
    await page.reload();
    await page.waitForSelector('html[data-ready="1"]');
    assert.equal(hashOf(page), '#at=0');
    assert.match(await page.textContent('#moment-bar .moment-label'), /live heap at/);

    await page.goto(`${pathToFileURL(liveReport).href}#merge=1&at=peak`);
    await page.reload();
    await page.waitForSelector('html[data-ready="1"]');
    assert.equal((await tableFunctions(page))[0], 'buildIndex');
    assert.equal(await page.isChecked('#merge-functions'), true);
    assert.match(await page.textContent('#moments-bar'), /the peak/);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('a capture without moments (allocated mode) has no chart, no moment bar and no errors', async () => {
  const { page, errors, close } = await open(allocatedReport, '#at=peak');
  try {
    assert.equal(await page.isVisible('#moments'), false);
    assert.equal(await page.isVisible('#moment-bar'), false);
    assert.equal(await page.isVisible('#timeline canvas'), true);
    assert.ok((await page.locator('#sites tbody tr').count()) > 0);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

// Regenerates docs/report-html-peak.png (run with ALLOCSCOPE_UPDATE_DOCS_SCREENSHOT=1): the
// batch job's report at the peak, from the flame graph to the chart of live bytes by site.
if (process.env.ALLOCSCOPE_UPDATE_DOCS_SCREENSHOT === '1') {
  test('docs screenshot of the batch job at the peak', async () => {
    const dir = path.join(tmp, 'docs');
    fs.mkdirSync(dir);
    const report = htmlReportOfRun(dir, ['--mode', 'live', EXAMPLE]);
    const { page, errors, close } = await open(report, '#at=peak');
    try {
      const top = await page.$eval('#flame-section', (e) => e.getBoundingClientRect().top + window.scrollY);
      const bottom = await page.$eval('#timeline-section', (e) => e.getBoundingClientRect().bottom + window.scrollY);
      await page.screenshot({ path: path.join(ROOT, 'docs', 'report-html-peak.png'), fullPage: true, clip: { x: 0, y: top - 12, width: 1360, height: bottom - top + 24 } });
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
}
