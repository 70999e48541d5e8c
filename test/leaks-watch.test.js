'use strict';
// leaks.watch(): fires on a steadily leaking child within the documented number
// of major GCs (windowGcs + consecutiveGrowth with the defaults: 6), stays quiet
// on the same program without the leak, and cleans up after itself.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { runNodeJson, DIST } = require('./helpers');

const APP = path.join(__dirname, 'fixtures', 'leaks', 'watch-app.js');
// The fixture's major GCs come from promotion: each request's data lives in a
// ring for ~3000 requests (~5 MB), longer than a 16 MiB semi-space takes to
// fill, so it reaches the old generation and old-space GCs follow about once a
// second. V8 13.6 (Node 24) grows the young generation to 64 MiB semi-spaces
// under this load and V8 14 sizes it dynamically: the ring then dies young and
// a major GC comes every ~40 s (3 in 60 s measured), so 30 never arrive.
// Pinning the semi-space at Node 20's default gives every major the same heap.
const NODE_ARGS = ['--max-semi-space-size=16'];

test('a steadily leaking child: leak fires by its 6th major GC, with the growing site when the sampler runs live', () => {
  const { json, status, stderr } = runNodeJson({ file: APP, nodeArgs: NODE_ARGS, args: ['--leak', '--sample'], env: { STOP_ON_LEAK: '1', MAX_MAJOR_GCS: '30' } });
  assert.equal(status, 0, stderr);
  assert.equal(json.fired.length, 1, `no leak event in ${json.majorGcs} major GCs`);
  const event = json.fired[0];
  assert.ok(event.atMajorGc <= 6, `fired at major GC ${event.atMajorGc}`);
  assert.ok(event.growingGcs >= 3);
  assert.ok(event.growthBytes >= 4 * 1024 * 1024);
  // Ground truth: the child leaked LEAK_BYTES per request; the live estimate cannot have grown more than the heap holds.
  assert.ok(event.growthBytes <= json.leakedBytes * 1.5 + 16 * 1024 * 1024, `${event.growthBytes} vs ${json.leakedBytes} leaked`);
  assert.ok(event.sites.length >= 1);
  assert.match(event.sites[0].site, /watch-app\.js:\d+:\d+\)$/);
  assert.ok(event.sites.every((s) => !s.site.includes('dist/')), 'allocscope\'s own allocations are not listed');
  assert.equal(event.peak, null, 'no peak without heap.start({ peak })');
});

test('with heap.start({ peak: true }), a leak event carries the peak\'s top sites: the leaking site among them, at a heap at least the estimate that fired', () => {
  const { json, status, stderr } = runNodeJson({ file: APP, nodeArgs: NODE_ARGS, args: ['--leak', '--sample', '--peak'], env: { STOP_ON_LEAK: '1', MAX_MAJOR_GCS: '30' } });
  assert.equal(status, 0, stderr);
  assert.equal(json.fired.length, 1, `no leak event in ${json.majorGcs} major GCs`);
  const { peak, sites, currentBytes } = json.fired[0];
  assert.ok(peak && peak.sites.length >= 1 && peak.at > 0, JSON.stringify(peak));
  assert.ok(peak.usedBytes >= 0.9 * currentBytes, `peak ${peak.usedBytes} vs the estimate ${currentBytes}`);
  assert.ok(peak.sites.some((s) => s.site === sites[0].site), `the growing site ${sites[0].site} is among the peak's: ${JSON.stringify(peak.sites)}`);
  assert.ok(peak.sites.every((s) => !s.site.includes('dist/') && s.bytes > 0));
});

test('the same program without the leak: no leak event in 30 major GCs', () => {
  const { json, status, stderr } = runNodeJson({ file: APP, nodeArgs: NODE_ARGS, env: { MAX_MAJOR_GCS: '30' } });
  assert.equal(status, 0, stderr);
  assert.equal(json.majorGcs, 30);
  assert.deepEqual(json.fired, []);
});

test('memwatch\'s rule (windowGcs 1, no tolerance, 5 growths) is available and fires on the leak too', () => {
  const options = JSON.stringify({ windowGcs: 1, toleranceBytes: 0, consecutiveGrowth: 5, minGrowthBytes: 0 });
  const { json, status, stderr } = runNodeJson({ file: APP, nodeArgs: NODE_ARGS, args: ['--leak'], env: { STOP_ON_LEAK: '1', MAX_MAJOR_GCS: '30', WATCH_OPTIONS: options } });
  assert.equal(status, 0, stderr);
  assert.equal(json.fired.length, 1);
  assert.equal(json.fired[0].sites, null, 'no sampler running: no sites');
});

test('lifecycle: stop() is idempotent, the GC tracker is stopped only if the watch started it, Symbol.dispose, option errors', () => {
  const code = `
    const { leaks, gc } = require(${JSON.stringify(DIST)});
    const out = {};
    const a = leaks.watch();
    const b = leaks.watch();
    out.trackerWhileWatching = gc.running;
    out.stopA = a.stop(); out.stopAAgain = a.stop();
    out.trackerAfterA = gc.running;
    b[Symbol.dispose]();
    out.trackerAfterB = gc.running;
    gc.start();
    const c = leaks.watch();
    c.stop();
    out.userTrackerKept = gc.running;
    gc.stop();
    for (const [label, options] of [['zero', { consecutiveGrowth: 0 }], ['typo', { consecutiveGrowths: 3 }], ['null', null]]) {
      try { leaks.watch(options); out[label] = 'no error'; } catch (e) { out[label] = e.code; }
    }
    out.trackerAfterErrors = gc.running;
    console.log(JSON.stringify(out));`;
  const { json, status, stderr } = runNodeJson({ code });
  assert.equal(status, 0, stderr);
  assert.deepEqual(json, {
    trackerWhileWatching: true, stopA: true, stopAAgain: false, trackerAfterA: true, trackerAfterB: false, userTrackerKept: true,
    zero: 'ERR_ALLOCSCOPE_INVALID_OPTION', typo: 'ERR_ALLOCSCOPE_UNKNOWN_OPTION', null: 'ERR_ALLOCSCOPE_INVALID_ARGUMENT', trackerAfterErrors: false,
  });
});
