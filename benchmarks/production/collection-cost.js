'use strict';
// The overhead budget: how long one continuous-mode collection holds the event
// loop on a service with a ~100 MB heap allocated from many call sites. Prints
// one JSON line: per-collection blocking (all synchronous stages together), the
// longest single stage, wall time, pprof size, and the event-loop delay seen by
// a monitor meanwhile.
//   node [--no-incremental-marking --no-concurrent-marking] benchmarks/production/collection-cost.js [live|allocated] [collections]
// (the V8 flags: a diagnostic that tells V8's incremental-marking steps, which run
// inside whatever code allocates while marking is on, from allocscope's own work.)
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { continuous } = require('../../dist');

const mode = process.argv[2] ?? 'live';
const collections = Number(process.argv[3] ?? 10);
const SITES = 2000;
const HEAP_TARGET = 100 * 1024 * 1024;

// 2,000 distinct allocation sites, each reached through 3 of 40 distinct callers:
// a deep, wide call tree like a real service's.
const sites = Array.from({ length: SITES }, (_, i) => new Function('keep', 'n', `return function site${i}(keep, n) { for (let k = 0; k < n; k++) keep.push({ k, s${i}: 'v' + k, a: [k, k] }); }`)());
const callers = Array.from({ length: 40 }, (_, i) => new Function('site', 'keep', 'n', `return function caller${i}(site, keep, n) { return site(keep, n); }`)());
const live = [];
function grow() {
  let i = 0;
  while (process.memoryUsage().heapUsed < HEAP_TARGET) {
    const site = sites[i % SITES];
    callers[i % 40](callers[(i * 7) % 40].bind(null, site), live, 200);
    i++;
  }
}
function churn() {
  for (let j = 0; j < 200; j++) {
    const i = (Math.random() * SITES) | 0;
    const tmp = [];
    callers[i % 40](sites[i], tmp, 20);
  }
}

grow();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-cost-'));
const session = continuous.start({ periodMs: 3_600_000, mode, exporters: [{ type: 'file', dir, maxFiles: 5 }] });
const work = setInterval(churn, 1);
const delay = monitorEventLoopDelay({ resolution: 1 });
const rows = [];
(async () => {
  await new Promise((r) => setTimeout(r, 500));
  for (let c = 0; c < collections; c++) {
    delay.reset();
    delay.enable();
    const collection = await session.collect();
    delay.disable();
    const s = session.stats();
    rows.push({ blockingMs: s.lastBlockingMs, blockingCpuMs: s.lastBlockingCpuMs, longestStageMs: s.lastLongestStageMs, longestStageOwnMs: s.lastLongestStageOwnMs, longestStageCpuMs: s.lastLongestStageCpuMs, wallMs: s.lastCollectionMs, pprofBytes: collection.pprof.length, loopDelayMaxMs: delay.max / 1e6 });
    await new Promise((r) => setTimeout(r, 200));
  }
  clearInterval(work);
  const stats = session.stats();
  await session.stop({ flush: false });
  fs.rmSync(dir, { recursive: true, force: true });
  const sorted = (xs) => [...xs].sort((a, b) => a - b);
  const median = (xs) => { const v = sorted(xs); return v[v.length >> 1]; };
  const p90 = (xs) => { const v = sorted(xs); return v[Math.min(v.length - 1, Math.floor(v.length * 0.9))]; };
  const own = rows.map((r) => r.longestStageOwnMs);
  const cpu = rows.map((r) => r.longestStageCpuMs);
  console.log(JSON.stringify({
    mode, heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20), sites: SITES, collections,
    blockingMsMedian: median(rows.map((r) => r.blockingMs)),
    blockingMsMax: Math.max(...rows.map((r) => r.blockingMs)),
    blockingCpuMsMedian: median(rows.map((r) => r.blockingCpuMs)),
    blockingCpuMsMax: Math.max(...rows.map((r) => r.blockingCpuMs)),
    longestStageMs: stats.maxStageMs,
    // Without the GC pauses V8 took inside a stage (the churn needs them anyway): allocscope's own longest hold.
    longestStageOwnMs: stats.maxStageOwnMs,
    stagesGcMsPerCollection: stats.totalStagesGcMs / collections,
    // Per collection: its longest stage without GC pauses (the loop's longest stall from that collection).
    collectionLongestStageOwnMsMedian: median(own),
    collectionLongestStageOwnMsP90: p90(own),
    collectionsWithStageOver5Ms: own.filter((x) => x > 5).length,
    // The same stages in the event-loop thread's CPU time: what our code (and V8 work run on that thread) cost.
    collectionLongestStageCpuMsMedian: median(cpu),
    collectionLongestStageCpuMsP90: p90(cpu),
    collectionLongestStageCpuMsMax: Math.max(...cpu),
    collectionsWithStageCpuOver5Ms: cpu.filter((x) => x > 5).length,
    v8Flags: process.execArgv.filter((a) => a.startsWith('--')),
    wallMsMedian: median(rows.map((r) => r.wallMs)),
    pprofKiB: Math.round(median(rows.map((r) => r.pprofBytes)) / 1024),
    loopDelayMaxMsMedian: median(rows.map((r) => r.loopDelayMaxMs)),
  }));
})();
