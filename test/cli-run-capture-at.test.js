'use strict';
// run --capture-at: a program that shuts down gracefully on SIGTERM has its shutdown
// in the capture with `exit`, and not with the default `signal`; its exit code passes
// through either way.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { runCli, CLI, DIST } = require('./helpers');

const { readCapture } = require(path.join(DIST, 'capture', 'file'));
const { Profile } = require(path.join(DIST, 'profile', 'profile'));

const PROGRAM = `
const keep = [];
process.on('SIGTERM', function gracefulShutdown() {
  // Flushing state on the way out: allocations the capture should show with --capture-at exit.
  for (let i = 0; i < 200000; i++) keep.push({ i, line: 'flushed-' + i });
  setTimeout(() => process.exit(3), 50);
});
require('node:fs').writeFileSync(process.argv[2], 'ready');
setInterval(() => {}, 1000);
`;

/** Runs the program under `run`, SIGTERMs it once it is ready; resolves to { status, capture }. */
function runAndTerminate(dir, extra) {
  const program = path.join(dir, 'app.js');
  const marker = path.join(dir, `ready-${extra.join('') || 'default'}`);
  const out = path.join(dir, `${extra.join('') || 'default'}.allocscope`);
  fs.writeFileSync(program, PROGRAM);
  const child = spawn(process.execPath, [CLI, 'run', '-q', '--interval', '16k', ...extra, '-o', out, program, marker], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ALLOCSCOPE_DIST: DIST } });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const poll = setInterval(() => { if (fs.existsSync(marker)) { clearInterval(poll); child.kill('SIGTERM'); } }, 20);
  return new Promise((resolve) => child.on('exit', (status) => { clearInterval(poll); resolve({ status, stderr, capture: fs.existsSync(out) ? readCapture(out) : null }); }));
}

const shutdownBytes = (capture) => new Profile(capture.profile).top(Infinity).filter((r) => r.frame?.function === 'gracefulShutdown').reduce((s, r) => s + r.bytes, 0);

test('run --capture-at exit: the program\'s own SIGTERM handler runs first and its shutdown is in the capture; the default captures at the signal', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-capture-at-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const [atSignal, atExit] = await Promise.all([runAndTerminate(dir, []), runAndTerminate(dir, ['--capture-at', 'exit'])]);
  for (const r of [atSignal, atExit]) {
    assert.equal(r.status, 3, `the program's exit code passes through: ${r.stderr}`);
    assert.ok(r.capture, r.stderr);
  }
  assert.equal(atSignal.capture.meta.reason, 'SIGTERM');
  assert.equal(shutdownBytes(atSignal.capture), 0, 'captured before the shutdown ran');
  assert.equal(atExit.capture.meta.reason, 'exit');
  assert.ok(shutdownBytes(atExit.capture) > 5e6, `the shutdown's allocations: ${shutdownBytes(atExit.capture)}`);
  const bad = runCli(['run', '--capture-at', 'later', 'x.js']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^allocscope: run: option "--capture-at" must be one of signal, exit, got "later"/);
});
