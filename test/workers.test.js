'use strict';
// Worker threads: each has its own addon state and GC tracker. A storm of 50
// workers started and terminated at every stage must not crash, and must leave
// no addon state and no GC callbacks behind.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNodeJson } = require('./helpers');

const STORM = `
  const { Worker } = require('node:worker_threads');
  const a = require(process.env.ALLOCSCOPE_DIST);
  const { native } = require(process.env.ALLOCSCOPE_DIST + '/core/native');
  const WORKER = \`
    const { parentPort, workerData } = require('node:worker_threads');
    const { PerformanceObserver, performance } = require('node:perf_hooks');
    const a = require(process.env.ALLOCSCOPE_DIST);
    // perf_hooks sees this worker's GCs too: the ground truth for our count. It counts
    // those that start after our callbacks are in (t0); its entries are queued at the
    // next immediate, so they are taken after a timer, when nothing allocates.
    const perf = [];
    const observer = new PerformanceObserver((list) => perf.push(...list.getEntries()));
    observer.observe({ entryTypes: ['gc'] });
    a.gc.start({ bufferSize: 64 });
    const t0 = performance.now();
    if (workerData.listen) a.gc.on('gc', () => {});
    let keep = [];
    const churn = (n) => { for (let i = 0; i < n; i++) { keep.push({ i }); if (keep.length > 5000) keep = []; } };
    churn(workerData.work);
    a.heap.stats(); a.spaces.stats(); a.malloc.stats();
    setTimeout(() => {
      // A full GC first (both count it): the churn can leave marking underway, whose
      // finalizing GC would otherwise land between our reading and perf_hooks'. After it,
      // the few allocations below run no GC; any later one (t1 on) is left out of both.
      gc();
      const summary = a.gc.summary();
      const ours = a.gc.events();
      const t1 = performance.now();
      // A scavenge set off by gc.start()'s own result objects, after our callbacks went in and
      // before t0 (~200 B of a ~1 MB young generation: ~1e-4 a worker), is ours and not in
      // perf_hooks' window: the same window is applied to ours, by each event's start time.
      const early = ours.filter((e) => e.startTime < t0).length;
      setImmediate(() => { // perf_hooks queues a GC's entry for the next immediate
        perf.push(...observer.takeRecords());
        observer.disconnect();
        const perfCount = perf.filter((e) => e.startTime >= t0 && e.startTime < t1).length;
        parentPort.postMessage({ count: summary.count, dropped: summary.droppedEvents, events: ours.length, early, perfCount });
        if (workerData.stopAtEnd) a.gc.stop();
        if (workerData.spin) setInterval(() => churn(20000), 1);
      });
    }, 20);
  \`;
  const results = [];
  const exits = [];
  a.gc.start();
  const baseline = native.envState.liveCounters();
  for (let i = 0; i < 50; i++) {
    const mode = i % 5; // 0: terminate at once, 1: terminate while churning, 2: exit normally, 3: spin then terminate, 4: listen, exit
    const w = new Worker(WORKER, { eval: true, workerData: { work: mode === 1 ? 2e6 : 2e5, listen: mode === 4 || mode === 3, stopAtEnd: mode === 2, spin: mode === 3 } });
    w.on('message', (m) => results.push(m));
    w.on('error', (e) => exits.push('error ' + e.message));
    exits.push(new Promise((resolve) => w.on('exit', resolve)));
    if (mode === 0) w.terminate();
    if (mode === 1) setTimeout(() => w.terminate(), 5 + (i % 7) * 3);
    if (mode === 3) w.on('message', () => setTimeout(() => w.terminate(), 10));
  }
  Promise.all(exits.filter((p) => typeof p !== 'string')).then(() => {
    setTimeout(() => {
      const live = native.envState.liveCounters();
      const mainStillTracks = a.gc.running;
      let k = []; for (let i = 0; i < 5e5; i++) { k.push({ i }); if (k.length > 1e4) k = []; }
      console.log(JSON.stringify({ baseline, live, results, errors: exits.filter((p) => typeof p === 'string'), mainStillTracks, mainCount: a.gc.summary().count }));
    }, 50);
  });
`;

test('50 workers tracking GC, started and terminated in a storm: no crash, no leaked state or callbacks', () => {
  const { json, status } = runNodeJson({ code: STORM, nodeArgs: ['--expose-gc'], timeoutMs: 180_000 });
  assert.equal(status, 0);
  assert.deepEqual(json.errors, []);
  assert.ok(json.baseline.envStates >= 1);
  assert.deepEqual(json.live, { envStates: 1, gcCallbackPairs: 1 }, 'only the main thread state and its GC callbacks remain');
  assert.ok(json.results.length >= 20, `workers that ran to the end reported (${json.results.length})`);
  // Each worker counted the GCs that perf_hooks saw in it, no more, no fewer (~8 each);
  // its 64-record ring holds them all, or past 64 says how many it dropped.
  for (const r of json.results) {
    assert.ok(r.early <= 1, JSON.stringify(r));
    assert.equal(r.count - r.early, r.perfCount, JSON.stringify(r));
    assert.equal(r.events, Math.min(r.count, 64), JSON.stringify(r));
    assert.equal(r.dropped, r.count - r.events, JSON.stringify(r));
  }
  assert.ok(json.results.some((r) => r.count > 0), 'the workers\' churn caused GCs');
  assert.equal(json.mainStillTracks, true);
  assert.ok(json.mainCount > 0, 'the main thread tracker kept working through the storm');
});

test("each worker's tracker sees its own GCs only", () => {
  const { json } = runNodeJson({ code: `
    const { Worker } = require('node:worker_threads');
    const a = require(process.env.ALLOCSCOPE_DIST);
    a.gc.start();
    const before = a.gc.summary().count;
    const w = new Worker(\`
      const { parentPort } = require('node:worker_threads');
      const a = require(process.env.ALLOCSCOPE_DIST);
      a.gc.start();
      let keep = []; for (let i = 0; i < 3e6; i++) { keep.push({ i }); if (keep.length > 2e4) keep = []; }
      parentPort.postMessage(a.gc.summary().count);
    \`, { eval: true });
    w.on('message', (workerCount) => {
      w.terminate().then(() => console.log(JSON.stringify({ workerCount, mainDelta: a.gc.summary().count - before })));
    });
  ` });
  assert.ok(json.workerCount >= 20, `worker saw its GCs (${json.workerCount})`);
  assert.ok(json.mainDelta < json.workerCount / 4, `main saw ${json.mainDelta}, not the worker's ${json.workerCount}`);
});
