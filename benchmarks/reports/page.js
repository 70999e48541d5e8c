'use strict';
// The HTML report of a 60,000-node profile in headless Chromium (test/browser.js):
// how long until the page is ready, how long the flame graph takes to draw, and to
// redraw after a click on a frame. A fresh browser context per round. Prints
// {htmlBytes, loadMs: [...], flameMs: [...], redrawMs: [...], frames: [...]}.
//   node page.js <capture> [rounds]
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { readCapture } = require('../../dist/capture/file');
const { reporterFor } = require('../../dist/reporters');
const { launchChromium, openReport } = require('../../test/browser');
const { syntheticDeepProfile } = require('../../test/fixtures/synthetic-profiles');

const [file, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 5);

(async () => {
  // The page test/report-html.test.js opens: a 60,000-node profile, rendered with the same options.
  const capture = { ...readCapture(file), profile: syntheticDeepProfile(60_000) };
  const html = reporterFor('Capture', 'html').render(capture, { top: 20, by: 'site', color: false });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-bench-page-'));
  const page = path.join(dir, 'big.html');
  fs.writeFileSync(page, html);
  const browser = await launchChromium();
  const out = { htmlBytes: Buffer.byteLength(html), loadMs: [], flameMs: [], redrawMs: [], frames: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      const t0 = Date.now();
      const { page: p, errors, close } = await openReport(browser, page);
      try {
        out.loadMs.push(Date.now() - t0);
        const flame = await p.$eval('#flame', (e) => ({ ms: Number(e.dataset.renderMs), frames: Number(e.dataset.frames) }));
        out.flameMs.push(flame.ms);
        out.frames.push(flame.frames);
        await p.locator('#flame .frame:not([data-i="0"])').first().click();
        out.redrawMs.push(Number(await p.$eval('#flame', (e) => e.dataset.renderMs)));
        if (errors.length) throw new Error(`the page logged errors: ${errors.join('; ')}`);
      } finally {
        await close();
      }
    }
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(JSON.stringify(out));
})().catch((error) => { console.error(error); process.exit(1); });
