'use strict';
// Exercises every native binding of allocscope hard, for the sanitizer lane
// (test/asan/run.js runs it under AddressSanitizer + UBSan + LeakSanitizer). It
// asserts only what must hold for any correct addon; its job
// is to drive the native code through every path, including the error paths,
// the GC callbacks, uv_async notifications and worker teardown at each stage.
//
//   node --expose-gc test/asan/workload.js [--quick] [--workers N] [--modes a,b] [--workers-only] [--exit-early]
//
// ALLOCSCOPE_ADDON selects the build (the lane points it at build-asan/).
// --quick: fewer iterations and workers (for a manual run under valgrind or gdb).
// --exit-early: start tracking with a listener on the main thread, start
// workers, and process.exit() while they are still tracking and allocating.
// --modes: only these worker modes (see workerMain); --workers-only: skip the
// main-thread scenarios. Both are for narrowing down a report.
//
// Exit status 0 when every scenario completed. Memory errors are the sanitizer's
// to report; this script only has to reach them.

const assert = require('node:assert/strict');
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');

const root = path.resolve(__dirname, '..', '..');
const addonPath = process.env.ALLOCSCOPE_ADDON
  ? path.resolve(process.env.ALLOCSCOPE_ADDON)
  : path.join(root, 'build', 'Release', 'allocscope.node');

// Under `node --test test/` (npm test) this file is picked up as a test file; it
// belongs to the sanitizer lane (test/asan/run.js), so it does nothing there.
if (isMainThread && process.env.NODE_TEST_CONTEXT && !process.env.ALLOCSCOPE_SANITIZER) {
  console.log('test/asan/workload.js: part of `npm run test:asan`; skipped under node --test');
  process.exit(0);
}

const argv = process.argv.slice(2);
const quick = isMainThread ? argv.includes('--quick') : workerData.quick;
const workersArg = argv.indexOf('--workers');
const workerCount = workersArg >= 0 ? Number(argv[workersArg + 1]) : quick ? 6 : 20;
const N = quick ? 0.2 : 1; // iteration scale
const modesArg = argv.indexOf('--modes'); // e.g. --modes tracking,exit (default: all)
const onlyModes = modesArg >= 0 ? argv[modesArg + 1].split(',') : null;
const skipMain = argv.includes('--workers-only');

// Every binding the workload calls is recorded as "namespace.function": at the end,
// a binding of the addon that it never called fails the run (a new binding must be
// added here).
const rawNative = require(addonPath);
const calledBindings = new Set();
const native = new Proxy(rawNative, {
  get(target, namespace) {
    const bindings = target[namespace];
    if (typeof bindings !== 'object' || bindings === null) return bindings;
    return new Proxy(bindings, {
      get(object, key) {
        const value = object[key];
        if (typeof value === 'function') calledBindings.add(`${String(namespace)}.${String(key)}`);
        return value;
      },
    });
  },
});
const api = require(path.join(root, 'dist'));

const forceGc = typeof global.gc === 'function'
  ? (major = true) => global.gc({ type: major ? 'major' : 'minor' })
  : () => churn(4 << 20);

/** Allocates and drops `bytes` of short-lived JS objects and buffers (young-generation GCs). */
function churn(bytes) {
  let keep = null;
  let total = 0;
  while (total < bytes) {
    const obj = { a: new Array(64).fill(total), s: 'x'.repeat(32) + total, b: Buffer.allocUnsafe(256) };
    if ((total & 0xffff) === 0) keep = obj; // a few survivors, so that something gets promoted
    total += 1024;
  }
  return keep;
}

const log = (...args) => { if (isMainThread) console.log('[workload]', ...args); };

// ---- heap / space / code statistics ---------------------------------------

function statsScenario(iterations) {
  const layout = native.heapStats.layout();
  assert.ok(layout.spaceNames.length > 0);
  const heap = new Float64Array(layout.heapFields.length); // exact sizes: an overflow shows
  const spaces = new Float64Array(layout.spaceNames.length * layout.spaceFields.length);
  const code = new Float64Array(layout.codeFields.length);
  for (let i = 0; i < iterations; i++) {
    native.heapStats.readHeap(heap);
    native.heapStats.readSpaces(spaces);
    if (i % 16 === 0) native.heapStats.readCode(code);
    if (i % 64 === 0) native.heapStats.layout();
  }
  assert.ok(heap[layout.heapFields.indexOf('usedHeapSize')] > 0);
  // Views into the middle of a bigger buffer, exactly as long as required.
  const big = new ArrayBuffer(8 * (heap.length + 8));
  native.heapStats.readHeap(new Float64Array(big, 32, heap.length));
  native.heapStats.readSpaces(new Float64Array(new ArrayBuffer(8 * (spaces.length + 3)), 24, spaces.length));
  // Wrong calls must throw, never touch memory.
  const bad = [
    [], [undefined], [null], [1], ['x'], [{}], [new Float32Array(64)], [new Uint8Array(1024)],
    [new Float64Array(0)], [new DataView(new ArrayBuffer(1024))],
  ];
  for (const args of bad) {
    assert.throws(() => native.heapStats.readHeap(...args));
    assert.throws(() => native.heapStats.readSpaces(...args));
    assert.throws(() => native.heapStats.readCode(...args));
  }
  // One element short, also as a view at the very end of its buffer.
  assert.throws(() => native.heapStats.readHeap(new Float64Array(heap.length - 1)));
  assert.throws(() => native.heapStats.readSpaces(new Float64Array(spaces.length - 1)));
  assert.throws(() => native.heapStats.readCode(new Float64Array(code.length - 1)));
  assert.throws(() => native.heapStats.readHeap(new Float64Array(new ArrayBuffer(8 * heap.length), 8)));
  // Detached buffer: length 0 afterwards.
  const detached = new Float64Array(heap.length);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  assert.throws(() => native.heapStats.readHeap(detached));
  // Through the public API as well.
  for (let i = 0; i < iterations / 4; i++) {
    api.heap.stats();
    api.spaces.stats();
    if (i % 32 === 0) api.heap.codeStats();
    if (i % 32 === 0) api.memory.snapshot();
  }
}

// ---- malloc statistics -----------------------------------------------------

function mallocScenario(iterations) {
  for (let i = 0; i < iterations; i++) {
    const raw = native.malloc.read();
    assert.ok(raw && typeof raw === 'object');
    if (i % 8 === 0) api.malloc.stats();
  }
  api.malloc.stats({ maxAgeMs: 1000 });
  api.fragmentation();
}

// ---- the malloc profiler: GOT patched and restored, hooks on every thread ----

function mallocProfilerScenario(rounds) {
  const zlib = require('node:zlib');
  for (let i = 0; i < rounds; i++) {
    // Live rounds keep the peak copy too (made inside the hooks, under the table's lock).
    const r = native.mallocProfiler.start(4096, 32, i % 2 === 0, true, i % 2 === 0);
    // Workers run this too, at the same time: one process, one profiler.
    if (!r.ok) { assert.ok(r.busy, JSON.stringify(r)); continue; }
    const keep = [];
    for (let k = 0; k < 20; k++) { zlib.gzipSync(Buffer.alloc(20000, k)); keep.push(Buffer.allocUnsafeSlow(10000 + k)); }
    const p = native.mallocProfiler.collect();
    assert.ok(p.nodes.parent.length > 1 && p.figures.samples > 0, JSON.stringify(p.figures));
    if (i % 2 === 0) assert.ok(native.mallocProfiler.collect(true).nodes.parent.length >= 1);
    assert.equal(native.mallocProfiler.stop(), true);
  }
  try {
    api.malloc.start({ intervalBytes: 8192, mode: 'allocated' });
    churn(64 << 10);
    assert.ok(api.malloc.profile().top(5).length >= 0);
    api.malloc.stop();
  } catch (error) {
    if (error.code !== 'ERR_ALLOCSCOPE_SAMPLER_BUSY') throw error;
  }
}

// ---- GC tracking: native ring buffer, wrap-around, reads ------------------

function gcNativeScenario(rounds) {
  assert.throws(() => native.gc.start(0), RangeError);
  assert.throws(() => native.gc.start());
  assert.throws(() => native.gc.start('16'));
  assert.equal(native.gc.stop(), false); // not running: no-op
  // Reads before any start, and simulate while not running.
  native.gc.read(0);
  native.gc.counters();
  assert.throws(() => native.gc.simulate(0, 1, 0));
  for (const capacity of [1, 2, 3, 7, 64]) {
    for (let r = 0; r < rounds; r++) {
      const started = native.gc.start(capacity);
      assert.ok(started && started.recordWidth > 0);
      assert.equal(native.gc.start(capacity), null); // already running
      for (let g = 0; g < 3 + capacity; g++) forceGc(g % 2 === 0);
      churn(256 << 10);
      for (const from of [0, -1, -1e9, 1, 2.5, NaN, Infinity, -Infinity, 1e300, Number.MAX_SAFE_INTEGER, undefined, 'x']) {
        const { records, nextSeq, oldestSeq } = native.gc.read(from);
        assert.equal(records.length % started.recordWidth, 0);
        assert.ok(records.length / started.recordWidth <= capacity);
        assert.ok(oldestSeq <= nextSeq);
      }
      native.gc.counters();
      if (r % 2 === 0) native.gc.stop();
      else {
        native.gc.stop();
        native.gc.read(0); // reads after stop still work
        native.gc.counters();
        assert.equal(native.gc.stop(), false);
      }
    }
  }
}

// ---- GC tracking: synthetic callback sequences -----------------------------

const PROLOGUE = 0;
const EPILOGUE = 1;
const TYPES = [1, 2, 4, 8, 16];

function gcSimulateScenario(rounds) {
  for (let r = 0; r < rounds; r++) {
    native.gc.start(r % 2 === 0 ? 4 : 1024);
    // Nested: mark-compact, weak callbacks inside it, a scavenge inside that.
    assert.equal(native.gc.simulate(PROLOGUE, 4, 0), 1);
    assert.equal(native.gc.simulate(PROLOGUE, 16, 0), 2);
    assert.equal(native.gc.simulate(PROLOGUE, 1, 4), 3);
    assert.equal(native.gc.simulate(EPILOGUE, 1, 4), 2);
    assert.equal(native.gc.simulate(EPILOGUE, 16, 0), 1);
    assert.equal(native.gc.simulate(EPILOGUE, 4, 0), 0);
    // Unmatched epilogues (tracking started mid-GC).
    for (let i = 0; i < 5; i++) assert.equal(native.gc.simulate(EPILOGUE, TYPES[i % TYPES.length], 0), 0);
    // Mismatched type.
    native.gc.simulate(PROLOGUE, 8, 0);
    native.gc.simulate(EPILOGUE, 1, 0);
    // Depth overflow beyond 8, then unwinding past it and beyond.
    const deep = 8 + 5 + (r % 7);
    for (let i = 0; i < deep; i++) native.gc.simulate(PROLOGUE, TYPES[i % TYPES.length], i);
    for (let i = 0; i < deep + 3; i++) native.gc.simulate(EPILOGUE, TYPES[(deep - 1 - i + 100) % TYPES.length], 0);
    // Odd type bits (none, several, all, beyond V8's GCType): the hook takes exactly
    // one V8 GCType bit and rejects the rest before any cast (a cast would be UB).
    for (const type of [0, 3, 5, 6, 24, 31, 32, 64, 2 ** 31]) {
      assert.throws(() => native.gc.simulate(PROLOGUE, type, 0xffffffff), /one V8 GCType bit/);
    }
    for (const type of TYPES) {
      native.gc.simulate(PROLOGUE, type, 0xffffffff);
      native.gc.simulate(EPILOGUE, type, 0);
    }
    // Bad argument kinds: must throw or be coerced, never crash.
    for (const args of [[], [0], [0, 'x'], [0, 1, {}], ['a', 1, 0], [2, 1, 0], [-1, 1, 0], [0, 1, -1], [0, NaN, NaN]]) {
      try { native.gc.simulate(...args); } catch { /* a JS exception is fine */ }
    }
    // Real GCs on top of a half-open simulated stack, then unwind everything.
    for (let i = 0; i < 6; i++) native.gc.simulate(PROLOGUE, 4, 0);
    forceGc(true);
    forceGc(false);
    for (let i = 0; i < 12; i++) native.gc.simulate(EPILOGUE, 4, 0);
    const counters = native.gc.counters();
    assert.ok(counters[native.gc.layout.counterHeader - 1] >= 0);
    native.gc.read(0);
    // Stop with prologues still open: the stack must reset.
    for (let i = 0; i < 10; i++) native.gc.simulate(PROLOGUE, 1, 0);
    native.gc.stop();
  }
}

// ---- GC tracking through the public API: listeners, events, summary --------

async function gcApiScenario(rounds) {
  const { gc } = api;
  for (let r = 0; r < rounds; r++) {
    gc.start({ bufferSize: r % 2 === 0 ? 16 : 4096 });
    let seen = 0;
    const listener = (event) => { seen++; assert.equal(typeof event.pauseNs, 'number'); };
    const other = () => {};
    gc.on('gc', listener);
    gc.on('gc', other);
    for (let i = 0; i < 40; i++) {
      churn(512 << 10);
      if (i % 5 === 0) forceGc(i % 10 === 0);
      if (i % 4 === 0) await new Promise(setImmediate); // let uv_async deliver
      if (i % 8 === 0) gc.events();
      if (i % 11 === 0) gc.summary();
      if (i === 20) { gc.off('gc', other); gc.off('gc', listener); gc.on('gc', listener); }
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
    gc.summary();
    gc.events();
    // Toggle notification many times: each enable makes a uv_async handle, each
    // disable closes one (close completes on the next loop turn).
    for (let i = 0; i < 50; i++) {
      gc.off('gc', listener);
      gc.on('gc', listener);
      if (i % 10 === 0) { forceGc(false); await new Promise(setImmediate); }
    }
    native.gc.setNotify(() => {});
    native.gc.setNotify(() => {});   // replace while enabled
    native.gc.setNotify(null);
    native.gc.setNotify(undefined);  // disable while disabled
    native.gc.setNotify(() => {});
    forceGc(false);
    native.gc.setNotify(null);       // disable with a wake-up pending
    gc.on('gc', listener);
    if (r % 2 === 0) {
      assert.equal(gc.stop(), true);
      gc.off('gc', listener);
    } else {
      gc.off('gc', listener);
      gc.stop();
    }
    assert.equal(gc.stop(), false);
    gc.summary();
    gc.events();
    assert.ok(seen >= 0);
  }
  // A listener that throws: the addon reports it through napi_fatal_exception,
  // which reaches process 'uncaughtException'.
  const caught = [];
  const onUncaught = (error) => caught.push(error);
  process.on('uncaughtException', onUncaught);
  gc.start();
  const thrower = () => { throw new Error('listener failure (expected by the workload)'); };
  native.gc.setNotify(thrower);
  for (let i = 0; i < 5 && caught.length === 0; i++) { forceGc(false); await new Promise((r) => setTimeout(r, 2)); }
  native.gc.setNotify(null);
  gc.stop();
  process.off('uncaughtException', onUncaught);
  log(`throwing notify callback: ${caught.length} uncaught exception(s) delivered`);
}

// ---- sampling heap profiler ---------------------------------------------------

const ALLOCATED = 1;
const LIVE = 0;

/** Allocations under a call stack `depth` frames deep (deeper than the sampler's stackDepth). */
function deepAllocations(depth, keep) {
  if (depth > 0) return deepAllocations(depth - 1, keep) + 1;
  for (let i = 0; i < 64; i++) keep.push({ i, s: `deep-${i}`, a: new Array(16).fill(i) });
  return 0;
}

// Many distinct frames and scripts (eval, new Function, long and non-ASCII names).
const generated = [];
for (let i = 0; i < 40; i++) {
  const name = i % 3 === 0 ? `f_${'x'.repeat(200)}_${i}` : i % 3 === 1 ? `fé_ünïcødé_${i}` : `g${i}`;
  generated.push(new Function('n', `return (function ${name}(n) { const out = []; for (let j = 0; j < n; j++) out.push({ j, v: 'v' + j }); return out; })(n);\n//# sourceURL=generated-${i}.js`));
}
generated.push((n) => eval('(function evaluated(n) { return new Array(n).fill(0).map((_, k) => ({ k })); })')(n));

/** Checks the invariants of an exported profile tree; corrupt output shows up here. */
function checkProfile(p) {
  const nf = p.frames.name.length;
  for (const k of ['script', 'line', 'column', 'scriptId']) assert.equal(p.frames[k].length, nf);
  const nn = p.nodes.parent.length;
  for (const k of ['frame', 'selfBytes', 'selfCount']) assert.equal(p.nodes[k].length, nn);
  assert.equal(p.nodes.parent[0], -1);
  for (let i = 1; i < nn; i++) {
    assert.ok(p.nodes.parent[i] >= 0 && p.nodes.parent[i] < i);
    assert.ok(p.nodes.frame[i] < nf);
    assert.ok(p.nodes.selfBytes[i] >= 0 && p.nodes.selfCount[i] >= 0);
  }
  for (let f = 0; f < nf; f++) assert.ok(p.frames.name[f] < p.strings.length && p.frames.script[f] < p.strings.length);
  return nn;
}

function samplerScenario(rounds) {
  // Misuse while stopped.
  assert.equal(native.sampler.stop(), false);
  assert.throws(() => native.sampler.collect());
  assert.equal(native.sampler.fold(), false);
  native.isolate.collectGarbage();
  const configs = [
    [1024, 64, ALLOCATED], [512 * 1024, 128, LIVE], [64, 8, ALLOCATED], [4096, 1, LIVE], [1, 16, ALLOCATED], [32768, 256, LIVE],
  ];
  let nodes = 0;
  for (let r = 0; r < rounds; r++) {
    for (const [interval, depth, mode] of configs) {
      // Live sessions also keep moments (the peak watch: GC epilogue → interrupt → fold).
      const peak = mode === LIVE ? { budget: 0.5, periodMs: 10, maxMoments: 4, minGrowthBytes: 0 } : undefined;
      assert.equal(native.sampler.start(interval, depth, mode, peak), true);
      assert.throws(() => native.sampler.start(interval, depth, mode)); // already running
      const keep = [];
      const scale = interval === 1 ? 4 : 64; // every allocation is a sample at interval 1
      for (let i = 0; i < 3; i++) {
        deepAllocations(depth + 5, keep);
        for (const fn of generated) keep.push(fn(scale));
        if (mode === ALLOCATED) assert.equal(native.sampler.fold(), true);
        else assert.equal(native.sampler.fold(), false); // live mode does not fold
        churn(interval === 1 ? 16 << 10 : 256 << 10);
      }
      nodes += checkProfile(native.sampler.collect());
      keep.length = 0;
      if (r % 2 === 0) native.isolate.collectGarbage();
      else forceGc(true);
      nodes += checkProfile(native.sampler.collect()); // again, after the GC
      if (mode === LIVE) {
        const m = native.sampler.moments();
        assert.ok(m.moments.atMs.length <= 5 && m.moments.offset.length === m.moments.atMs.length + 1, JSON.stringify(m.figures));
        native.sampler.newPeriod();
      }
      assert.equal(native.sampler.stop(), true);
      assert.equal(native.sampler.stop(), false);
      assert.throws(() => native.sampler.collect());
    }
  }
  log(`sampler: ${rounds * configs.length} sessions, ${nodes} profile nodes checked`);
}

/** An inspector session owning V8's sampler, and one that stops ours under us. */
async function inspectorScenario() {
  const { Session } = require('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
  await post('HeapProfiler.startSampling', { samplingInterval: 4096 });
  const started = native.sampler.start(4096, 32, ALLOCATED); // V8's sampler is taken: false, or ours if V8 allows it
  churn(256 << 10);
  if (started) {
    try { native.sampler.collect(); } catch { /* lost to the inspector: a coded error */ }
    native.sampler.stop();
  }
  await post('HeapProfiler.stopSampling');
  // Ours running, the inspector stops V8's sampler under it: collect/fold must notice, not crash.
  assert.equal(native.sampler.start(2048, 32, ALLOCATED), true);
  churn(256 << 10);
  await post('HeapProfiler.startSampling', { samplingInterval: 2048 }).catch(() => {});
  await post('HeapProfiler.stopSampling').catch(() => {});
  churn(256 << 10);
  try { native.sampler.fold(); } catch { /* ERR_ALLOCSCOPE_SAMPLER_LOST */ }
  try { native.sampler.collect(); } catch { /* ERR_ALLOCSCOPE_SAMPLER_LOST */ }
  native.sampler.stop();
  session.disconnect();
}

// ---- RSS sampler thread -----------------------------------------------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function rssScenario(rounds) {
  native.rss.read(); // never started
  assert.equal(native.rss.stop(), false);
  assert.throws(() => native.rss.start(0, 16), RangeError);
  assert.throws(() => native.rss.start(1, 0), RangeError);
  let points = 0;
  for (let r = 0; r < rounds; r++) {
    for (const capacity of [1, 2, 3, 64]) {
      assert.equal(native.rss.start(1, capacity), true); // 1 ms: the ring wraps quickly
      assert.equal(native.rss.start(1, capacity), false); // already running
      for (let i = 0; i < 6; i++) {
        churn(128 << 10);
        const pairs = native.rss.read(); // reads race with the thread's writes (under its mutex)
        assert.ok(pairs.length <= 2 * capacity && pairs.length % 2 === 0);
        points += pairs.length / 2;
        if (i % 2 === 0) await sleep(2);
      }
      if (r % 2 === 0) {
        assert.equal(native.rss.stop(), true);
        native.rss.read(); // after stop: the kept points
      } else {
        native.rss.stop();
        assert.equal(native.rss.stop(), false);
      }
    }
  }
  log(`rss: ${points} points read`);
}

// ---- one environment loading the addon twice (two napi_envs, two states) ----

// The native Buffer pool (safe mode): random alloc/release over exact-size classes,
// detach on release, foreign and double releases, the byte cap, GC reclaim of
// dropped Buffers, and pools dropped while their Buffers are still alive.
/** callRepeatedly: the counting loop of measure(): results dropped, throws stop it, misuse. */
function callLoopScenario(rounds) {
  let calls = 0;
  const sink = [];
  for (let r = 0; r < rounds; r++) {
    assert.equal(native.callLoop.callRepeatedly(() => { calls++; sink[calls & 63] = { calls }; return sink; }, 5000), sink);
    assert.equal(native.callLoop.callRepeatedly(() => 1, 0), undefined);
    let n = 0;
    assert.throws(() => native.callLoop.callRepeatedly(() => { if (++n === 10) throw new Error('stop'); return {}; }, 100), /stop/);
    assert.equal(n, 10);
    const p = native.callLoop.callRepeatedly(async () => ({ r }), 3);
    assert.ok(p instanceof Promise);
    assert.throws(() => native.callLoop.callRepeatedly(() => 1, -1), RangeError);
    assert.throws(() => native.callLoop.callRepeatedly(() => 1, 1.5), RangeError);
    assert.throws(() => native.callLoop.callRepeatedly('no', 1), TypeError);
    assert.throws(() => native.callLoop.callRepeatedly(() => 1), TypeError);
  }
  log(`callRepeatedly: ${calls} calls`);
}

function poolScenario(rounds) {
  assert.throws(() => native.pool.alloc({}, 1), TypeError);
  assert.throws(() => native.pool.alloc(987654, 1), TypeError);
  for (let r = 0; r < rounds; r++) {
    const pool = native.pool.create(Float64Array.from([16, 48, 256, 4096]), 8192, r % 2 ? 65536 : Infinity, r % 3);
    const live = [];
    let seed = 7 + r;
    const rnd = (n) => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
    for (let i = 0; i < 20000; i++) {
      if (live.length < 300 && (live.length === 0 || rnd(100) < 55)) {
        const size = 1 + rnd(rnd(10) === 0 ? 6000 : 300);
        const b = native.pool.alloc(pool, size);
        if (b === undefined) continue; // too big, or over the cap
        assert.equal(b.length, size);
        b.fill(size & 0xff); // the whole block: an overflow of the block would hit a redzone or a neighbour
        live.push(b);
      } else {
        const b = live.splice(rnd(live.length), 1)[0];
        assert.ok(b.every((x) => x === (b.length & 0xff)), 'no neighbour wrote into this block');
        assert.equal(native.pool.release(pool, b), 0);
        assert.equal(b.length, 0, 'detached');
        assert.equal(native.pool.release(pool, b), 2, 'released already');
      }
    }
    assert.equal(native.pool.release(pool, Buffer.alloc(8)), 1, 'not from this pool');
    assert.equal(native.pool.release(pool, 'nope'), 1);
    const stats = native.pool.stats(pool);
    assert.ok(stats.length === 4 + 12 * 4);
    // Drop half the live Buffers without release (GC reclaim) and keep the rest
    // past the pool handle's own lifetime (the pool's memory must outlive both).
    live.length = r % 2 ? live.length >> 1 : live.length;
    forceGc(true);
    if (r % 2) for (const b of live) native.pool.release(pool, b);
    // Close the handle with Buffers still alive on even rounds: the memory waits for them.
    native.pool.close(pool);
    assert.throws(() => native.pool.alloc(pool, 8), /open pool handle/);
    assert.throws(() => native.pool.close(pool), /open pool handle/);
    for (const b of live) if (b.length) b.fill(1); // still valid memory
  }
  forceGc(true);
}

function doubleLoadScenario() {
  // process.dlopen bypasses the require cache: the same .node file is
  // initialised again into this environment with its own instance data.
  const copies = [];
  for (let i = 0; i < 3; i++) {
    const m = { exports: {} };
    process.dlopen(m, addonPath);
    copies.push(m.exports);
  }
  for (const copy of copies) {
    copy.gc.start(8);
    copy.gc.setNotify(() => {});
  }
  // V8 has one sampler per isolate: the first copy gets it, the others are refused.
  const sampling = copies.map((copy) => copy.sampler.start(4096, 16, ALLOCATED));
  assert.equal(sampling.filter(Boolean).length <= 1, true);
  churn(128 << 10);
  copies.forEach((copy, i) => { if (sampling[i]) { copy.sampler.fold(); checkProfile(copy.sampler.collect()); } });
  for (const copy of copies) assert.equal(copy.rss.start(2, 4), true); // one thread per state, joined at teardown
  forceGc(true);
  for (const [i, copy] of copies.entries()) {
    copy.gc.read(0);
    copy.heapStats.readHeap(new Float64Array(copy.heapStats.layout().heapFields.length));
    if (i === 0) { copy.gc.setNotify(null); copy.gc.stop(); } // the others stay running until teardown
  }
}

// ---- main-thread driver ------------------------------------------------------

// ---- heap snapshot analysis --------------------------------------------------

function snapshotScenario(iterations) {
  class AsanSnapshotLeak { constructor(i) { this.i = i; this.s = 'leak' + i; } }
  const cache = new Map();
  const weak = new WeakMap(); // ephemeron edges (table → value, key → value)
  const keys = [];
  for (let i = 0; i < 2000; i++) {
    const leak = new AsanSnapshotLeak(i);
    cache.set(i, leak);
    const key = { k: i };
    keys.push(key);
    weak.set(key, { value: i });
  }
  const closure = (() => { const captured = new AsanSnapshotLeak(-1); return () => captured; })();
  globalThis.asanSnapshotHeld = { cache, weak, keys, closure };
  // Bad internal calls throw instead of crashing.
  assert.throws(() => native.snapshot.analyze());
  assert.throws(() => native.snapshot.analyze(false, 'x', undefined, 0, false));
  assert.throws(() => native.snapshot.analyze(false, [1], undefined, 0, false));
  for (let i = 0; i < iterations; i++) {
    // Every fourth run maps node pointers through the fallback hash instead of runs.
    const raw = native.snapshot.analyze(i === 0 && isMainThread, ['AsanSnapshotLeak', 'Map', 'NoSuchClass', ''], i % 2 ? closure : cache, i % 3 === 0 ? 0 : 5, i % 2 === 0, i % 4 === 3);
    assert.ok(raw.nodeCount > 0 && raw.classes.names.length === raw.classes.count.length);
    assert.equal(raw.phases.nodeIndex, i % 4 === 3 ? 'hash' : 'runs');
    assert.ok(raw.target && raw.target.retainedBytes >= raw.target.selfBytes);
    assert.equal(raw.retainerPaths[2], null);
  }
  const r = api.snapshot.analyze({ retainerPathsFor: ['AsanSnapshotLeak'], topConstructors: 5, progress: false });
  assert.ok(r.counts.AsanSnapshotLeak.count >= 2001);
  assert.ok(api.sizeOf(cache, { top: 3 }).bytes > 0);
  assert.ok(api.sizeOf(closure, { retained: false }).bytes > 0);
  assert.ok(native.snapshot.analyze(false, [], undefined, 0, false).target === undefined);
  delete globalThis.asanSnapshotHeld;
}

function heapLimitScenario(rounds) {
  const cpu0 = native.threadClock.cpuNs();
  for (let r = 0; r < rounds; r++) {
    assert.equal(native.heapLimit.arm(() => {}, 8 << 20), true);
    assert.equal(native.heapLimit.arm(() => {}, 8 << 20), false); // armed already
    const s = native.heapLimit.state();
    assert.deepEqual([s.armed, s.fired, s.written], [true, false, false]);
    churn(256 << 10);
    assert.equal(native.heapLimit.disarm(), true);
    assert.equal(native.heapLimit.disarm(), false);
  }
  assert.ok(native.threadClock.cpuNs() >= cpu0);
}

async function runAll(label) {
  const t0 = Date.now();
  statsScenario(Math.round(2000 * N));
  mallocScenario(Math.round(200 * N));
  mallocProfilerScenario(Math.max(2, Math.round(6 * N)));
  gcNativeScenario(Math.max(2, Math.round(6 * N)));
  gcSimulateScenario(Math.max(2, Math.round(20 * N)));
  await gcApiScenario(Math.max(2, Math.round(6 * N)));
  samplerScenario(Math.max(1, Math.round(2 * N)));
  await inspectorScenario();
  await rssScenario(Math.max(1, Math.round(3 * N)));
  poolScenario(Math.max(2, Math.round(6 * N)));
  callLoopScenario(Math.max(2, Math.round(10 * N)));
  snapshotScenario(Math.max(2, Math.round(4 * N)));
  heapLimitScenario(Math.max(2, Math.round(10 * N)));
  log(`${label}: scenarios done in ${Date.now() - t0} ms`);
}

// ---- worker threads ----------------------------------------------------------

/**
 * Modes:
 *  normal    every scenario, then returns (the worker exits on its own)
 *  tracking  starts GC tracking with a listener and keeps allocating: terminated by the parent
 *  exit      process.exit() inside the worker while tracking with a listener
 *  throw     an uncaught exception while tracking with a listener
 *  doubled   loads the addon several times, leaves trackers running, exits
 *  early     terminated right after (or while) loading the addon
 *  oom       arms a near-heap-limit capture and leaks until its 24 MB old generation runs out
 */
async function workerMain() {
  const { mode, id } = workerData;
  parentPort.postMessage({ id, state: 'loaded' });
  if (mode === 'early') { churn(64 << 10); return; }
  if (mode === 'normal') {
    statsScenario(Math.round(200 * N));
    mallocScenario(10);
    gcSimulateScenario(2);
    await gcApiScenario(1);
    samplerScenario(1);
    await rssScenario(1);
    poolScenario(1);
    callLoopScenario(1);
    snapshotScenario(1);
    parentPort.postMessage({ id, state: 'done' });
    return;
  }
  if (mode === 'oom') {
    api.leaks.captureNearHeapLimit({ path: workerData.capturePath, headroomBytes: 8 << 20 });
    const kept = [];
    for (;;) {
      for (let i = 0; i < 2000; i++) kept.push({ i, list: new Array(16).fill(i) });
      await new Promise(setImmediate);
    }
  }
  if (mode === 'doubled') {
    doubleLoadScenario();
    forceGc(false);
    parentPort.postMessage({ id, state: 'done' });
    return;
  }
  api.gc.start({ bufferSize: 32 });
  api.gc.on('gc', () => {});
  native.heapStats.readHeap(new Float64Array(native.heapStats.layout().heapFields.length));
  // Sampling too (allocated mode on even ids, live on odd), and the RSS thread:
  // teardown must stop the one and join the other.
  native.sampler.start(id % 2 === 0 ? 1024 : 16384, 32, id % 2 === 0 ? ALLOCATED : LIVE);
  native.rss.start(1, 8);
  native.heapLimit.arm(() => {}, 8 << 20); // armed at teardown: the env cleanup must disarm it
  // A native pool with Buffers outstanding at teardown: their finalizers run at env cleanup.
  const pool = native.pool.create(Float64Array.from([64, 1024]), 4096, Infinity, 1);
  globalThis.heldPoolBuffers = Array.from({ length: 50 }, (_, i) => native.pool.alloc(pool, 1 + (i * 37) % 1000));
  if (mode === 'exit') {
    churn(2 << 20);
    forceGc(false);
    native.gc.simulate(PROLOGUE, 4, 0); // exits with a prologue open
    process.exit(3);
  }
  if (mode === 'throw') {
    churn(2 << 20);
    setImmediate(() => { throw new Error('worker failure (expected by the workload)'); });
    return;
  }
  // tracking: allocate until terminated, leaving notifications in flight.
  parentPort.postMessage({ id, state: 'running' });
  let keep = [];
  for (let i = 0; ; i++) {
    keep.push(churn(256 << 10));
    if (keep.length > 64) keep = [];
    if (i % 7 === 0) native.gc.simulate(PROLOGUE, 1, 0);
    if (i % 7 === 3) native.gc.simulate(EPILOGUE, 1, 0);
    if (i % 3 === 0) api.gc.events();
    if (i % 5 === 0) native.sampler.fold();
    if (i % 11 === 0) native.sampler.collect();
    if (i % 4 === 0) native.rss.read();
    if (i % 29 === 5) native.snapshot.analyze(false, ['Object'], keep, 3, false); // terminated mid-snapshot at times
    if (i % 2 === 0) await new Promise(setImmediate);
  }
}

function spawnWorker(id, mode) {
  return new Promise((resolve) => {
    const capturePath = path.join(os.tmpdir(), `allocscope-asan-oom-${process.pid}-${id}.allocscope`);
    const worker = new Worker(__filename, {
      workerData: { id, mode, quick, capturePath },
      stderr: true, // expected failures stay quiet; real ones show up in the exit code
      resourceLimits: { maxOldGenerationSizeMb: mode === 'oom' ? 24 : 128 },
    });
    let errored = null;
    let terminateTimer = null;
    worker.on('message', (msg) => {
      if (msg.state === 'running' && mode === 'tracking') {
        terminateTimer = setTimeout(() => worker.terminate(), 20 + ((id * 37) % 200));
      }
      if (msg.state === 'loaded' && mode === 'early') worker.terminate();
    });
    worker.on('error', (e) => { errored = e; });
    worker.on('exit', (code) => {
      clearTimeout(terminateTimer);
      const captured = mode === 'oom' && fs.existsSync(capturePath);
      if (captured) fs.rmSync(capturePath);
      resolve({ id, mode, code, errored, captured });
    });
    if (mode === 'early' && id % 2 === 0) setImmediate(() => worker.terminate()); // maybe before the addon loads
  });
}

async function workersScenario(count) {
  const modes = onlyModes ?? ['normal', 'tracking', 'normal', 'tracking', 'exit', 'early', 'doubled', 'throw', 'oom'];
  const t0 = Date.now();
  const results = [];
  // Waves of up to 10 concurrent workers: every teardown stage, overlapping.
  for (let start = 0; start < count; start += 10) {
    const wave = [];
    for (let id = start; id < Math.min(count, start + 10); id++) wave.push(spawnWorker(id, modes[id % modes.length]));
    // Main thread keeps collecting while the workers run and die.
    const busy = setInterval(() => { churn(128 << 10); native.heapStats.readHeap(new Float64Array(native.heapStats.layout().heapFields.length)); }, 3);
    try {
      results.push(...(await Promise.all(wave)));
    } finally {
      clearInterval(busy);
    }
  }
  for (const r of results) {
    const expected = { normal: [0], doubled: [0], tracking: [1], early: [0, 1], exit: [3], throw: [1], oom: [1] }[r.mode];
    assert.ok(expected.includes(r.code), `worker ${r.id} (${r.mode}) exited with ${r.code}: ${r.errored?.stack ?? ''}`);
    if (r.mode === 'oom') {
      assert.equal(r.errored?.code, 'ERR_WORKER_OUT_OF_MEMORY', `worker ${r.id}: ${r.errored?.stack}`);
      assert.ok(r.captured, `worker ${r.id} (oom) wrote no near-heap-limit capture`);
    }
    if (r.mode === 'normal' || r.mode === 'doubled') assert.equal(r.errored, null, `worker ${r.id}: ${r.errored?.stack}`);
  }
  const byMode = {};
  for (const r of results) byMode[r.mode] = (byMode[r.mode] ?? 0) + 1;
  log(`workers: ${results.length} finished in ${Date.now() - t0} ms`, JSON.stringify(byMode));
  // Every worker's state must be gone (only the main thread's remain).
  const live = native.envState.liveCounters();
  log('live counters after workers:', JSON.stringify(live));
}

async function main() {
  log(`addon ${addonPath}${quick ? ' (quick)' : ''}`);
  const before = native.envState.liveCounters();
  if (!skipMain) await runAll('main thread');
  await workersScenario(workerCount);
  doubleLoadScenario(); // main thread: extra states torn down at exit
  const after = native.envState.liveCounters();
  // Worker states are freed when their env is torn down; only this thread's
  // (1 + doubleLoadScenario's 3) may remain.
  assert.ok(after.envStates <= before.envStates + 3, `EnvStates left behind: ${JSON.stringify({ before, after })}`);
  // Leave the main tracker running with a listener: teardown at exit must cope.
  api.gc.start();
  api.gc.on('gc', () => {});
  forceGc(false);
  // And the sampler and the RSS thread.
  native.sampler.start(8192, 32, LIVE);
  native.rss.start(5, 32);
  native.mallocProfiler.start(8192, 32, true, true);  // and the malloc hooks, patched at exit
  churn(64 << 10);
  const bindings = Object.entries(rawNative).flatMap(([namespace, object]) =>
    Object.keys(object).filter((k) => typeof object[k] === 'function').map((k) => `${namespace}.${k}`));
  const untouched = bindings.filter((name) => !calledBindings.has(name));
  if (untouched.length > 0) {
    throw new Error(`test/asan/workload.js never calls these bindings: ${untouched.join(', ')}; add them to a scenario`);
  }
  log(`ok: ${calledBindings.size} bindings exercised`);
}

async function exitEarly() {
  log(`addon ${addonPath}: exit while workers run`);
  api.gc.start({ bufferSize: 64 });
  api.gc.on('gc', () => {});
  native.gc.simulate(PROLOGUE, 4, 0); // and with a prologue open
  native.sampler.start(2048, 64, ALLOCATED); // and sampling
  native.rss.start(1, 16); // and the RSS thread running
  native.heapLimit.arm(() => {}, 8 << 20); // and a near-heap-limit capture armed
  for (let id = 0; id < 8; id++) spawnWorker(id, id % 2 === 0 ? 'tracking' : 'normal');
  doubleLoadScenario();
  const deadline = Date.now() + 400;
  while (Date.now() < deadline) { churn(512 << 10); await new Promise(setImmediate); }
  log('ok: exiting with workers alive');
  process.exit(0);
}

if (isMainThread && argv.includes('--exit-early')) {
  exitEarly().catch((error) => { console.error(error); process.exit(1); });
} else if (isMainThread) {
  main().catch((error) => { console.error(error); process.exitCode = 1; });
} else {
  workerMain().catch((error) => { throw error; });
}
