'use strict';
// The HTML report's "frames you don't own" in a real browser (headless Chromium
// through playwright-core), on a capture of examples/churn.js made by
// `allocscope run`: Node's module loader is collapsed above the program's frames
// by default, "Node internals" shows it (in the top table too), a right-click
// focuses on a function, and the URL's hash keeps the choices across a reload.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { htmlReportOfRun, launchChromium, openReport } = require('./browser');
const { ROOT } = require('./helpers');

const EXAMPLE = path.join(ROOT, 'examples', 'churn.js');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const LOADER = /Module\._load|Module\._compile|executeUserEntryPoint|wrapModuleLoad|node:internal\/modules\//;

let tmp, reportFile, browser;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-html-frames-'));
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  reportFile = htmlReportOfRun(tmp, ['--mode', 'allocated', '--interval', '32k', EXAMPLE, '60000']);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const open = (hash) => openReport(browser, reportFile, hash);

/** The labels of the frames drawn in the first `rows` rows under the root, row by row. */
async function firstRows(page, rows) {
  return page.$$eval('#flame .frame', (divs, n) => {
    const out = Array.from({ length: n }, () => []);
    for (const d of divs) {
      const row = Math.round(parseFloat(d.style.top) / 18);
      if (row >= 1 && row <= n) out[row - 1].push(d.textContent);
    }
    return out;
  }, rows);
}
const siteLocations = (page) => page.locator('#sites td.loc').allTextContents();

test('by default the module loader is one marker above the program\'s frames, and the table\'s sites are the program\'s', async () => {
  const { page, errors, close } = await open();
  try {
    const rows = await firstRows(page, 4);
    assert.ok(!rows.flat().some((label) => LOADER.test(label)), `no module-loader frame in the first rows: ${JSON.stringify(rows)}`);
    assert.match(rows[0].join(' | '), /… \d+(–\d+)? Node frames/, 'the collapsed run is one marker');
    assert.ok(rows.slice(1).flat().some((label) => /^handleRequest/.test(label)), `handleRequest within the first rows: ${JSON.stringify(rows)}`);
    assert.equal(await page.isChecked('#show-internals'), false);
    assert.match(await page.textContent('#flame-status'), /runs of Node's or allocscope's frames collapsed/);
    // The marker says what it holds.
    await page.locator('#flame .frame.marker').first().hover();
    // Node 20 names the loader's functions (Module._load, …); from Node 22 most are anonymous: executeUserEntryPoint is in every one.
    assert.match(await page.textContent('#tip'), /collapsed.*executeUserEntryPoint/s);
    // Buffer.from's bytes are handleRequest's: no node:buffer site while the program's frame is on the stack.
    const locations = await siteLocations(page);
    assert.ok(locations.some((l) => l.startsWith('examples/churn.js')));
    assert.ok(!locations.some((l) => l.startsWith('node:buffer')), `no node:buffer site: ${locations}`);
    assert.equal(await page.locator('#sites td.fn').first().innerText().then((t) => t.replace(/\s*⌕$/, '')), 'handleRequest');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('"Node internals" shows the loader\'s frames and Node\'s sites, and the hash keeps it across a reload', async () => {
  const { page, errors, close } = await open();
  try {
    await page.check('#show-internals');
    assert.match(page.url(), /#internals=1$/);
    const rows = await firstRows(page, 8);
    assert.ok(rows.flat().some((label) => /^executeUserEntryPoint/.test(label)), `the loader's entry is drawn: ${JSON.stringify(rows)}`);
    assert.ok(rows.flat().filter((label) => /node:internal\/modules\/cjs\/loader/.test(label)).length >= 2, `the CommonJS loader's frames are drawn: ${JSON.stringify(rows)}`);
    assert.equal(await page.locator('#flame .frame.marker').count(), 0, 'no marker');
    assert.equal(await page.isChecked('#sites-internals'), true, 'the table\'s toggle follows');
    // node:buffer on Node 20, node:internal/buffer from 22: Node's own code is a site either way.
    const locations = await siteLocations(page);
    assert.ok(locations.some((l) => /^node:(internal\/)?buffer/.test(l)), `Node's buffer code is a site: ${locations}`);

    await page.reload();
    await page.waitForSelector('html[data-ready="1"]');
    assert.equal(await page.isChecked('#show-internals'), true, 'still ticked after the reload');
    assert.ok((await firstRows(page, 8)).flat().some((label) => /^executeUserEntryPoint/.test(label)));

    // The table's toggle is the same choice.
    await page.uncheck('#sites-internals');
    assert.equal(await page.isChecked('#show-internals'), false);
    assert.ok(!(await firstRows(page, 4)).flat().some((label) => LOADER.test(label)));
    assert.ok(!page.url().includes('internals'), `the default leaves the hash: ${page.url()}`);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('a right-click focuses on a function: the root is every call of it, and the focus survives a reload', async () => {
  const { page, errors, close } = await open();
  try {
    const frame = page.locator('#flame .frame', { hasText: /^handleRequest/ }).first();
    await frame.hover();
    const before = /total(\S+ \S+) ·/.exec((await page.textContent('#tip')).replace(/\s+/g, ' '))?.[1]
      ?? /total\s*([\d.]+ \S+)/.exec(await page.textContent('#tip'))[1];
    await frame.click({ button: 'right' });
    const root = await page.locator('#flame .frame[data-i="0"]').textContent();
    assert.match(root, /^focus: handleRequest · /);
    assert.ok(root.includes(before), `the focused root (${root}) has handleRequest's bytes (${before})`);
    assert.match(page.url(), /focus=handleRequest%40examples%2Fchurn\.js%3A8%3A\d+/);
    const rows = await firstRows(page, 3);
    assert.ok(!rows.flat().some((label) => LOADER.test(label) || /^handleRequest/.test(label)), `only its callees below it: ${JSON.stringify(rows)}`);
    assert.equal(await page.isHidden('#unfocus'), false);
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-html-focus.png') });

    await page.reload();
    await page.waitForSelector('html[data-ready="1"]');
    assert.match(await page.locator('#flame .frame[data-i="0"]').textContent(), /^focus: handleRequest/);
    await page.click('#unfocus');
    assert.match(await page.locator('#flame .frame[data-i="0"]').textContent(), /^all · /);
    assert.ok(!page.url().includes('focus='));

    // Zoom, then the button: the same focus.
    await page.locator('#flame .frame', { hasText: /^handleRequest/ }).first().click();
    assert.equal(await page.isDisabled('#focus'), false);
    await page.click('#focus');
    assert.match(await page.locator('#flame .frame[data-i="0"]').textContent(), /^focus: handleRequest/);

    await page.check('#merge-functions');
    assert.match(page.url(), /merge=1/);
    assert.match(await page.locator('#flame .frame[data-i="0"]').textContent(), /^focus: handleRequest/, 'merge keeps the focus');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
