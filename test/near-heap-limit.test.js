'use strict';
// GIVEN a program that leaks until V8's "heap out of memory", WHEN a near-heap-limit
// capture is armed (leaks.captureNearHeapLimit or `allocscope run`), THEN the capture
// is on disk when the process dies: the leaking site on top, GC log, timeline, the limit.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runNode, runNodeJson, runCli, DIST } = require('./helpers');
const { readCapture } = require('../dist/capture/file');

const APP = path.join(__dirname, 'fixtures', 'near-heap-limit', 'leaking-app.js');
const WORKER_HOST = path.join(__dirname, 'fixtures', 'near-heap-limit', 'worker-host.js');
const MiB = 2 ** 20;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-nhl-'));

function assertLeakCapture(file, limitMiB) {
  const capture = readCapture(file);
  assert.equal(capture.meta.reason, 'near-heap-limit');
  // The limit V8 had when it ran out: the old generation's 64 MB plus the young generation's share.
  assert.ok(capture.meta.heapLimitBytes >= limitMiB * MiB && capture.meta.heapLimitBytes < (limitMiB + 64) * MiB, `heap limit ${capture.meta.heapLimitBytes}`);
  assert.equal(capture.profile.mode, 'live');
  assert.ok(capture.gc.events.some((e) => e.type === 'markSweepCompact'), 'mark-compacts in the GC log');
  assert.ok(capture.timeline.timeMs.length >= 1);
  return capture;
}

test('GIVEN leaks.captureNearHeapLimit() armed in a leaking program WHEN V8 runs out of heap THEN the process still fails as before and the capture names the leaking site', () => {
  const dir = tmp();
  const file = path.join(dir, 'oom.allocscope');
  const r = runNode({ file: APP, args: ['arm', file], nodeArgs: ['--max-old-space-size=64'] });
  assert.notEqual(r.status, 0, 'the program must still fail');
  assert.match(r.stderr, /heap out of memory/);
  const capture = assertLeakCapture(file, 64);
  // The report reads it like any capture; the leaking function is the top live site.
  const report = runCli(['report', file]);
  assert.equal(report.status, 0, report.stderr);
  assert.match(report.stdout, /captured at near-heap-limit \(heap limit/);
  const top = report.stdout.split('\n').find((l) => /^\s+1\s/.test(l));
  assert.match(top, /leakSessions \(.*leaking-app\.js/);
  assert.ok(capture.heap.usedHeapSizeBytes > 48 * MiB, `used ${capture.heap.usedHeapSizeBytes}`);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('GIVEN allocscope run -o WHEN the program dies of heap exhaustion THEN the capture is at -o all the same (no exit handler runs after an OOM)', () => {
  const dir = tmp();
  const file = path.join(dir, 'run.allocscope');
  const r = runCli(['run', '--mode', 'live', '-o', file, '--', process.execPath, '--max-old-space-size=64', APP]);
  assert.notEqual(r.status, 0);
  assert.ok(fs.existsSync(file), `no capture: ${r.stderr.slice(-2000)}`);
  const capture = assertLeakCapture(file, 64);
  const sites = capture.profile.frames.name.length;
  assert.ok(sites > 0);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('GIVEN a worker with resourceLimits that arms its own capture WHEN it runs out THEN Node ends the worker with ERR_WORKER_OUT_OF_MEMORY as usual, the main thread lives on, and the worker\'s capture is written', () => {
  const dir = tmp();
  const file = path.join(dir, 'worker.allocscope');
  const r = runNodeJson({ file: WORKER_HOST, args: [file] });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.json.error, 'ERR_WORKER_OUT_OF_MEMORY');
  assert.equal(r.json.mainAlive, true);
  const capture = assertLeakCapture(file, 32);
  const names = capture.profile.frames.name.map((i) => capture.profile.strings[i]);
  assert.ok(names.includes('workerLeak'), 'the worker\'s leaking function is in its profile');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('GIVEN an armed capture in a program that never nears the limit THEN nothing is written; misuse gives coded errors', () => {
  const dir = tmp();
  const file = path.join(dir, 'never.allocscope');
  const { json } = runNodeJson({
    code: `
      const { leaks } = require(process.env.ALLOCSCOPE_DIST);
      const codes = [];
      const attempt = (f) => { try { f(); codes.push(null); } catch (e) { codes.push(e.code); } };
      const c = leaks.captureNearHeapLimit({ path: ${JSON.stringify(file)} });
      attempt(() => leaks.captureNearHeapLimit({ path: ${JSON.stringify(file)} }));  // armed already
      const before = c.state();
      c.stop(); c.stop();                                                           // the second is a no-op
      const after = c.state();
      attempt(() => leaks.captureNearHeapLimit({ headroomBytes: -1 }));
      attempt(() => leaks.captureNearHeapLimit({ headroomBytes: 1024 }));            // below 1 MiB
      attempt(() => leaks.captureNearHeapLimit({ headroomBytez: 1 }));
      attempt(() => leaks.captureNearHeapLimit({ path: 42 }));
      attempt(() => leaks.captureNearHeapLimit({ mode: 'both' }));
      const again = leaks.captureNearHeapLimit({ path: ${JSON.stringify(file)} });  // re-armable after stop()
      again.stop();
      console.log(JSON.stringify({ codes, before, after }));`,
  });
  assert.deepEqual(json.codes, ['ERR_ALLOCSCOPE_ALREADY_STARTED', 'ERR_ALLOCSCOPE_INVALID_OPTION', 'ERR_ALLOCSCOPE_INVALID_OPTION', 'ERR_ALLOCSCOPE_UNKNOWN_OPTION', 'ERR_ALLOCSCOPE_INVALID_OPTION', 'ERR_ALLOCSCOPE_INVALID_OPTION']);
  assert.deepEqual([json.before.armed, json.before.fired, json.after.armed], [true, false, false]);
  assert.equal(fs.existsSync(file), false);
  fs.rmSync(dir, { recursive: true, force: true });
});
