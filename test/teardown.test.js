'use strict';
// Teardown at each lifecycle stage: the process exits while tracking, inside a
// listener, with deliveries pending, and dies of OOM with the tracker installed.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode } = require('./helpers');

const CHURN = 'let keep = []; for (let i = 0; i < 1e6; i++) { keep.push({ i }); if (keep.length > 1e4) keep = []; }';

for (const [name, code, expectStatus] of [
  ['exit while tracking, nothing read', `const a = require(process.env.ALLOCSCOPE_DIST); a.gc.start(); ${CHURN} process.exit(0);`, 0],
  ['exit with deliveries pending', `const a = require(process.env.ALLOCSCOPE_DIST); a.gc.start(); a.gc.on('gc', () => {}); ${CHURN} process.exit(7);`, 7],
  ['process.exit() inside a gc listener', `const a = require(process.env.ALLOCSCOPE_DIST); a.gc.start(); a.gc.on('gc', () => process.exit(5)); ${CHURN}`, 5],
  ['natural end with a listener still attached', `const a = require(process.env.ALLOCSCOPE_DIST); a.gc.start(); let n = 0; a.gc.on('gc', () => n++); ${CHURN} process.on('exit', () => { if (n === 0) process.exitCode = 9; });`, 0],
  ['stop inside a listener, then exit', `const a = require(process.env.ALLOCSCOPE_DIST); a.gc.start(); a.gc.on('gc', () => a.gc.stop()); ${CHURN}`, 0],
]) {
  test(`teardown: ${name}`, () => {
    const r = runNode({ code });
    assert.equal(r.signal, null, `no crash signal; stderr: ${r.stderr}`);
    assert.equal(r.status, expectStatus, r.stderr);
  });
}

test('teardown: OOM under --max-old-space-size with the tracker installed is a normal V8 OOM, not a crash in the addon', () => {
  const r = runNode({
    nodeArgs: ['--max-old-space-size=32'],
    code: `const a = require(process.env.ALLOCSCOPE_DIST); a.gc.start({ bufferSize: 64 }); a.gc.on('gc', () => {});
           const keep = []; for (;;) keep.push({ a: keep.length, b: 'x'.repeat(16) + keep.length });`,
  });
  assert.match(r.stderr, /heap out of memory/i);
  // No crash, and no frame of the addon (allocscope.node) on the native stack. The
  // Node binary's own path may contain "allocscope" (the matrix's cached Nodes do).
  assert.doesNotMatch(r.stderr, /Segmentation fault|allocscope\.node|allocscope::/i);
  assert.notEqual(r.status, 0);
});
