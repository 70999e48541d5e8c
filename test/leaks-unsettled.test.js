'use strict';
// Scenarios that never settle (issue 16, item 9): `allocscope leaks` used to exit 0
// with no output when the event loop ran dry (CI read "no leaks"), and to hang
// when something kept the loop alive. Now: one coded line, exit 2, promptly.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runCli, runNodeJson } = require('./helpers');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-unsettled-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

function scenario(name, source) {
  const file = path.join(dir, `${name}.js`);
  fs.writeFileSync(file, source);
  return file;
}

function leaks(file, ...flags) {
  const t0 = Date.now();
  const r = runCli(['leaks', '-n', '3', '--no-snapshots', ...flags, file], { timeoutMs: 60_000 });
  return { ...r, wallMs: Date.now() - t0 };
}

function assertOneLine(r, pattern) {
  assert.equal(r.signal, null, 'no hang');
  assert.equal(r.status, 2, `${r.stdout}\n${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, pattern);
}

test('a scenario whose promise never settles (nothing keeps the loop alive): exit 2 and one line at once, not 0 and silence', () => {
  const r = leaks(scenario('never', 'module.exports = () => new Promise(() => {});'));
  assertOneLine(r, /^allocscope: leaks\.find\(\): the scenario's promise at iteration 1 of 3 never settles: the event loop ran out of work with it pending/);
});

test('a setup hook that never settles: the same, naming the hook', () => {
  const r = leaks(scenario('setup-never', 'module.exports = { scenario() {}, setup: () => new Promise(() => {}) };'));
  assertOneLine(r, /the setup hook's promise never settles/);
});

test('a pending scenario while a timer keeps the loop alive: --timeout ends it with exit 2 and one line (the timer does not hold the process)', () => {
  const r = leaks(scenario('alive', 'setInterval(() => {}, 1000); module.exports = () => new Promise(() => {});'), '--timeout', '500');
  assertOneLine(r, /^allocscope: leaks\.find\(\): the scenario's promise at iteration 1 of 3 did not settle within 500 ms \(raise it: option timeoutMs; allocscope leaks --timeout <ms>\)\n$/);
  assert.ok(r.wallMs < 30_000, `${r.wallMs} ms`);
});

test('--timeout must be a positive integer of ms', () => {
  const r = leaks(scenario('fine', 'module.exports = () => {};'), '--timeout', 'soon');
  assertOneLine(r, /leaks: option "--timeout" must be an integer from 1 to 2147483647, got "soon"/);
});

test('leaks.find({ timeoutMs }): a slow scenario rejects with ERR_ALLOCSCOPE_SCENARIO_TIMEOUT after teardown ran; one that settles in time passes', () => {
  const r = runNodeJson({ code: `
    const { leaks } = require(process.env.ALLOCSCOPE_DIST + '/index.js');
    (async () => {
      let tornDown = false;
      const slow = await leaks.find(() => new Promise((r) => setTimeout(r, 60_000)), { iterations: 2, warmup: 0, snapshots: false, timeoutMs: 200, teardown: () => { tornDown = true; } })
        .then(() => 'resolved', (e) => ({ code: e.code, phase: e.phase, iteration: e.iteration }));
      const quick = await leaks.find(() => new Promise((r) => setTimeout(r, 5)), { iterations: 2, warmup: 0, snapshots: false, timeoutMs: 5000 }).then(() => 'resolved', (e) => e.code);
      let invalid; try { await leaks.find(() => {}, { timeoutMs: 0 }); } catch (e) { invalid = e.code; }
      console.log(JSON.stringify({ slow, tornDown, quick, invalid }));
      process.exit(0); // the slow scenario's timer is still pending
    })();`, timeoutMs: 60_000 });
  assert.deepEqual(r.json, { slow: { code: 'ERR_ALLOCSCOPE_SCENARIO_TIMEOUT', phase: 'scenario', iteration: 0 }, tornDown: true, quick: 'resolved', invalid: 'ERR_ALLOCSCOPE_INVALID_OPTION' });
});
