'use strict';
// The HTML report of a `run --native` capture in a real browser: the switch above
// the flame graph shows the JS heap, the native profile, or both side by side, and
// the choice survives the reload it makes (the URL's hash), as does "Node internals".
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { htmlReportOfRun, launchChromium } = require('./browser');
const { ROOT } = require('./helpers');

const EXAMPLE = path.join(ROOT, 'examples', 'native-buffers.js');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');

let tmp, reportFile, browser;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-html-native-'));
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  reportFile = htmlReportOfRun(tmp, ['--native', '--mode', 'live', '--interval', '16k', EXAMPLE, '1000']);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the switch: JS heap by default, native after a click (handleUpload tops the table), both side by side; no errors, nothing loaded', async () => {
  const url = pathToFileURL(reportFile).href;
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors = [], foreign = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await context.route(() => true, (route) => {
    if (route.request().url() === url) return route.continue();
    foreign.push(route.request().url());
    return route.abort();
  });
  try {
    await page.goto(url);
    await page.waitForSelector('html[data-ready="1"]');
    const buttons = page.locator('#views button.view');
    assert.deepEqual(await buttons.allTextContents(), ['JS heap', 'native', 'both']);
    assert.equal(await page.locator('#views button.current').textContent(), 'JS heap');
    assert.match(await page.locator('#sites-title').textContent(), /^Top allocation sites/);

    await Promise.all([page.waitForEvent('load'), buttons.filter({ hasText: 'native' }).click()]);
    await page.waitForSelector('html[data-ready="1"]');
    assert.match(page.url(), /#view=native$/);
    assert.equal(await page.locator('#views button.current').textContent(), 'native');
    assert.match(await page.locator('#sites-title').textContent(), /^Native memory by site \(live/);
    assert.equal(await page.locator('#sites td.fn').first().innerText().then((t) => t.replace(/\s*⌕$/, '')), 'handleUpload');
    assert.ok(await page.locator('#flame .frame', { hasText: '[native] malloc' }).count() >= 1, 'the allocator is a frame');
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-html-native.png'), fullPage: false });

    await Promise.all([page.waitForEvent('load'), buttons.filter({ hasText: 'both' }).click()]);
    await page.waitForSelector('html[data-ready="1"]');
    assert.equal(await page.locator('#views button.current').textContent(), 'both');
    // The two subtrees (the JS heap's is narrow in live mode: found by search, not by its label).
    for (const root of ['JS heap', 'native memory']) {
      await page.fill('#search', root);
      assert.match(await page.textContent('#matches'), /^1 frame · .* \([\d.]+ % of all\)/, root);
    }
    await page.fill('#search', '');
    assert.ok(await page.locator('#flame .frame', { hasText: 'native memory' }).count() >= 1, 'the native subtree is drawn');

    // "Node internals" is kept in the hash beside the view, and across a switch of view.
    await page.check('#show-internals');
    assert.match(page.url(), /#view=both&internals=1$/);
    await Promise.all([page.waitForEvent('load'), buttons.filter({ hasText: 'native' }).click()]);
    await page.waitForSelector('html[data-ready="1"]');
    assert.match(page.url(), /#view=native&internals=1$/);
    assert.equal(await page.isChecked('#show-internals'), true);
    assert.equal(await page.isChecked('#sites-internals'), true);
    assert.match(await page.locator('#sites-sub').textContent(), /innermost JavaScript frames/);
    assert.deepEqual(errors, []);
    assert.deepEqual(foreign, []);
  } finally {
    await context.close();
  }
});
