'use strict';
// For the HTML report's browser tests: headless Chromium (Debian's
// /usr/bin/chromium) through playwright-core, and a report of a program run
// through `allocscope run`.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { runCli } = require('./helpers');

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Launches Chromium, or says how to install it. */
function launchChromium() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`The HTML report tests need Chromium at ${CHROMIUM} and did not find it. .ci/run installs it (apt-get install chromium); on a dev machine run: apt-get install -y chromium`);
  }
  const { chromium } = require('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Runs `allocscope run <runArgs>` into a capture in `dir` and reports it as HTML: the page's path. */
function htmlReportOfRun(dir, runArgs) {
  const capture = path.join(dir, 'run.allocscope');
  const run = runCli(['run', '-q', '-o', capture, ...runArgs]);
  assert.equal(run.status, 0, run.stderr);
  const reportFile = path.join(dir, 'report.html');
  const html = runCli(['report', capture, '--format', 'html', '-o', reportFile]);
  assert.equal(html.status, 0, html.stderr);
  return reportFile;
}

module.exports = { launchChromium, htmlReportOfRun };
