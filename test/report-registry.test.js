'use strict';
// The report registry (lib/reporters/index.ts): every (document, format) pair
// loads a reporter that says what it is and renders its document; the --format
// lists of report, diff, leaks and stats --help are exactly the registry's; and
// the one output writer applies the same rules to every command.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runCli, ROOT, DIST } = require('./helpers');

const registry = require(path.join(DIST, 'reporters'));
const { readCapture } = require(path.join(DIST, 'capture', 'file'));
const { diffCaptures } = require(path.join(DIST, 'reporters', 'capture-diff'));
const { DEFAULT_REPORT_OPTIONS } = require(path.join(DIST, 'reporters', 'reporter'));

const COMMANDS = { report: 'Capture', diff: 'CaptureDiff', leaks: 'LeakReport', stats: 'StatsReport' };

let tmp;
const documents = {};

test.before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-registry-'));
  const capture = path.join(tmp, 'churn.allocscope');
  const run = runCli(['run', '-q', '--mode', 'allocated', '--interval', '64k', '-o', capture, path.join(ROOT, 'examples', 'churn.js'), '20000']);
  assert.equal(run.status, 0, run.stderr);
  const leaks = path.join(tmp, 'leaks.allocscope');
  const hunt = runCli(['leaks', '--no-snapshots', '-n', '6', '--warmup', '2', '--format', 'capture', '-o', leaks, path.join(__dirname, 'fixtures', 'leaks', 'map-cache.js')]);
  assert.equal(hunt.status, 0, hunt.stderr);
  const stats = runCli(['stats', '--format', 'json']);
  assert.equal(stats.status, 0, stats.stderr);
  const c = readCapture(capture);
  documents.Capture = c;
  documents.CaptureDiff = diffCaptures(c, c, { top: 20, by: 'site' });
  documents.LeakReport = readCapture(leaks);
  documents.StatsReport = JSON.parse(stats.stdout);
  assert.ok(documents.LeakReport.leaks, 'the leaks capture carries its LeakReport');
});

test.after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the registry holds the four documents, each with text as its default format', () => {
  assert.deepEqual([...registry.DOCUMENTS].sort(), ['Capture', 'CaptureDiff', 'LeakReport', 'StatsReport']);
  for (const document of registry.DOCUMENTS) assert.equal(registry.formatsOf(document)[0], 'text', document);
  assert.deepEqual([...registry.formatsOf('Capture')], ['text', 'markdown', 'json', 'html', 'pprof', 'heapprofile', 'speedscope']);
  assert.equal(registry.reporterFor('Capture', 'pdf'), undefined);
  assert.equal(registry.reporterFor('Capture', 'toString'), undefined);
});

test('every (document, format) pair loads a reporter that declares itself and renders its document', () => {
  for (const document of registry.DOCUMENTS) {
    for (const format of registry.formatsOf(document)) {
      const key = `${document}/${format}`;
      const reporter = registry.reporterFor(document, format);
      assert.equal(reporter.document, document, key);
      assert.equal(reporter.format, format, key);
      assert.match(reporter.description, /^\S[^\n]+$/, `${key}: one line of description`);
      assert.match(reporter.extension, /^\.[a-z.]+$/, key);
      const out = reporter.render(documents[document], DEFAULT_REPORT_OPTIONS);
      if (reporter.binary) assert.ok(out instanceof Uint8Array, `${key} is binary: renders bytes`);
      else assert.equal(typeof out, 'string', `${key} renders text`);
      assert.ok(out.length > 100, `${key} rendered ${out.length} characters`);
    }
  }
});

/** The format names on a help text's `--format <f>` line. */
function helpFormats(help) {
  const line = help.split('\n').find((l) => /^\s+--format <f>/.test(l));
  assert.ok(line, help);
  return line.replace(/^\s+--format <f>\s+/, '').split(/, | or /).map((f) => f.replace(/ \(default\)$/, ''));
}

for (const [command, document] of Object.entries(COMMANDS)) {
  test(`${command} --help lists exactly the ${document} formats, each with its reporter's description`, () => {
    const r = runCli([command, '--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(helpFormats(r.stdout), [...registry.formatsOf(document)]);
    assert.match(r.stdout, /--format <f>\s+text \(default\)/);
    const flat = r.stdout.replace(/\s+/g, ' ');
    for (const reporter of registry.reportersOf(document)) {
      assert.ok(flat.includes(`${reporter.format} ${reporter.description}`), `${command} --help describes ${reporter.format}:\n${r.stdout}`);
    }
  });
}

test('allocscope --help lists the report formats from the registry', () => {
  const r = runCli(['--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, new RegExp(`report\\s+render a capture: ${registry.formatsOf('Capture').join(', ')}\\n`));
});

test('an unknown format names the registry formats of that command', () => {
  for (const [command, document] of Object.entries(COMMANDS)) {
    const args = command === 'diff' ? ['a', 'b'] : command === 'stats' ? [] : ['x.js'];
    const r = runCli([command, '--format', 'pdf', ...args]);
    assert.equal(r.status, 2, `${command}: ${r.stderr}`);
    assert.equal(r.stderr.trim(), `allocscope: ${command}: option "--format" must be one of ${registry.formatsOf(document).join(', ')}, got "pdf"`);
  }
});

test('stats writes through the same writer: -o, --format json, a missing directory, --json against --format', () => {
  const out = path.join(tmp, 'stats.json');
  const r = runCli(['stats', '--format', 'json', '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  const report = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(report.version, 1);
  assert.ok(report.snapshot.heap.usedHeapSizeBytes > 0);
  const text = path.join(tmp, 'stats.txt');
  assert.equal(runCli(['stats', '-o', text]).status, 0);
  assert.match(fs.readFileSync(text, 'utf8'), /^allocscope stats · node /);
  const missing = runCli(['stats', '-o', path.join(tmp, 'missing', 'stats.txt')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr.trim(), /^allocscope: stats: cannot write .*stats\.txt: directory .*missing does not exist$/);
  const clash = runCli(['stats', '--json', '--format', 'text']);
  assert.equal(clash.status, 2);
  assert.equal(clash.stderr.trim(), 'allocscope: stats: --json and --format text disagree');
});

test('a binary format without -o is refused before any work, for leaks as for report', () => {
  const r = runCli(['leaks', '--format', 'capture', path.join(__dirname, 'fixtures', 'leaks', 'no-such-scenario.js')]);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim(), 'allocscope: leaks: --format capture is binary: write it to a file with -o <file>.allocscope');
});
