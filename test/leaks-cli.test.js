'use strict';
// allocscope leaks <scenario.js>: text, JSON and HTML output; CJS and ESM
// modules; misuse exits with status 2 and one line.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runCli, runNode, DIST } = require('./helpers');

const FIXTURES = path.join(__dirname, 'fixtures', 'leaks');
const fixture = (name) => path.join(FIXTURES, name);

test('text output names the site, its slope and confidence', () => {
  const r = runCli(['leaks', '--no-snapshots', fixture('map-cache.js')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Leak suspects · 20 iterations \(5 warm-up, 15 measured\)/);
  const line = r.stdout.split('\n').find((l) => /^\s+1\s/.test(l));
  assert.ok(line, r.stdout);
  assert.match(line, /KiB\/iter .* > 99\.\d+ %|KiB\/iter .* 99\.\d+ %/);
  assert.match(line, /(handleRequest|Session) \(test\/fixtures\/leaks\/map-cache\.js:\d+:\d+\)/);
});

test('an ES module with a default export, JSON output: the LeakReport', () => {
  const r = runCli(['leaks', '--no-snapshots', '-n', '12', '--warmup', '3', '--format', 'json', fixture('map-cache.mjs')]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.format, 'allocscope-leaks');
  assert.equal(report.iterations, 12);
  assert.equal(report.warmup, 3);
  assert.equal(report.points, 10);
  assert.ok(report.suspects.some((s) => s.file.endsWith('map-cache.mjs')), JSON.stringify(report.suspects.map((s) => s.site)));
});

test('no leak: churn reports none', () => {
  const r = runCli(['leaks', '--no-snapshots', fixture('churn.js')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /No leak: no site grew steadily\./);
});

test('HTML output carries the leaks section and the suspect in its data; a capture renders the same section', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-leaks-'));
  try {
    const html = path.join(tmp, 'leaks.html');
    const r = runCli(['leaks', '--no-snapshots', '--format', 'html', '-o', html, fixture('interval-closures.js')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /wrote .*leaks\.html: \d+ leak suspects?, top: /);
    const page = fs.readFileSync(html, 'utf8');
    assert.match(page, /<section id="leaks-section">/);
    const data = JSON.parse(page.match(/<script type="application\/json" id="allocscope-data">(.*?)<\/script>/s)[1]);
    assert.ok(data.leaks.suspects.some((s) => s.function === 'Payload'));
    const capture = path.join(tmp, 'leaks.allocscope');
    assert.equal(runCli(['leaks', '--no-snapshots', '--format', 'capture', '-o', capture, fixture('interval-closures.js')]).status, 0);
    const text = runCli(['report', capture]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /Leak suspects ·[\s\S]*Payload \(test\/fixtures\/leaks\/interval-closures\.js/);
    const json = JSON.parse(runCli(['report', capture, '--format', 'json']).stdout);
    assert.ok(json.leaks.suspects.length >= 1);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('a module with no export: exit 2, one line; the API says ERR_ALLOCSCOPE_NO_SCENARIO', () => {
  const r = runCli(['leaks', fixture('no-export.js')]);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /no-export\.js exports no scenario/);
  const api = runNode({ code: `
    const { loadScenarioModule } = require(${JSON.stringify(path.join(DIST, 'leaks', 'scenario-module.js'))});
    loadScenarioModule(${JSON.stringify(fixture('no-export.js'))}).catch((e) => console.log(e.code));` });
  assert.equal(api.stdout.trim(), 'ERR_ALLOCSCOPE_NO_SCENARIO');
});

test('a scenario that throws: exit 1, our line first, then its stack', () => {
  const r = runCli(['leaks', '--no-snapshots', fixture('throws.js')]);
  assert.equal(r.status, 1);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines[0], 'allocscope: leaks.find(): the scenario threw at iteration 4 of 20: Error: database unavailable');
  assert.match(lines[1], /at scenario \(.*throws\.js:\d+:\d+\)/);
});

test('bad arguments: iterations < 2, no module, unknown option, html without -o: exit 2, one line each', () => {
  for (const args of [['-n', '1', fixture('map-cache.js')], [], ['--iterationz', '3', fixture('map-cache.js')], ['--format', 'html', fixture('map-cache.js')], [fixture('missing.js')]]) {
    const r = runCli(['leaks', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^allocscope: /);
  }
});
