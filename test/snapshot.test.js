'use strict';
// snapshot.analyze() and sizeOf(): retained sizes checked against DevTools'
// algorithm run independently over the JSON that v8.writeHeapSnapshot()
// writes (test/heapsnapshot-reference.js), instance counts against what the
// test created, retainer paths of calibrated leaks, workers, misuse.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runNodeJson, ROOT } = require('./helpers');

const REFERENCE = JSON.stringify(path.join(ROOT, 'test', 'heapsnapshot-reference.js'));

// GIVEN a structure whose root is the only instance of a uniquely named class,
// WHEN sizeOf() measures it and v8.writeHeapSnapshot() writes the same heap,
// THEN sizeOf's retained size is within 1 % of DevTools' retained size computed
// from the JSON (and so are the class counts of the marker).
function sizeOfAgainstJson(build) {
  const file = path.join(os.tmpdir(), `allocscope-sizeof-${process.pid}-${Math.random().toString(36).slice(2)}.heapsnapshot`);
  const code = `
    const v8 = require('node:v8');
    const a = require(process.env.ALLOCSCOPE_DIST);
    const ref = require(${REFERENCE});
    ${build}
    const ours = a.sizeOf(value, { top: 5 });
    v8.writeHeapSnapshot(${JSON.stringify(file)});
    const g = ref.load(${JSON.stringify(file)});
    const nodes = ref.nodesNamed(g, value.constructor.name);
    const retained = ref.retainedSizes(g);
    console.log(JSON.stringify({ ours, markers: nodes.length, json: nodes.length ? retained[nodes[0]] : null,
      jsonSelf: nodes.length ? g.self[nodes[0]] : null, extra: typeof extra === 'undefined' ? null : extra }));`;
  try {
    return runNodeJson({ code }).json;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

function assertWithinOnePercent(actual, expected, what) {
  assert.ok(expected > 0, `${what}: reference is ${expected}`);
  const error = Math.abs(actual - expected) / expected;
  assert.ok(error <= 0.01, `${what}: sizeOf ${actual} vs DevTools-from-JSON ${expected} (${(error * 100).toFixed(2)} %)`);
}

test('sizeOf: a Map cache of objects matches DevTools retained size from the JSON within 1 %', () => {
  const r = sizeOfAgainstJson(`
    class CacheMarkerA { constructor() { this.entries = new Map(); } }
    const value = new CacheMarkerA();
    for (let i = 0; i < 2000; i++) value.entries.set('key' + i, { id: i, payload: new Array(8).fill(i), name: 'n' + i });`);
  assert.equal(r.markers, 1);
  assertWithinOnePercent(r.ours.bytes, r.json, 'Map cache');
  assert.equal(r.ours.selfBytes, r.jsonSelf);
  assert.ok(r.ours.bytes > 2000 * 100, `2000 entries of > 100 bytes each, got ${r.ours.bytes}`);
  assert.equal(r.ours.top[0].path, '.entries', 'the Map is the largest thing inside');
  assert.equal(r.ours.top[0].name, 'Map');
});

test('sizeOf: a tree matches DevTools retained size from the JSON within 1 %', () => {
  const r = sizeOfAgainstJson(`
    class TreeMarkerB { constructor(depth) { this.children = depth ? [new TreeNode(depth - 1), new TreeNode(depth - 1)] : []; } }
    class TreeNode { constructor(depth) { this.label = 'node' + depth; this.children = depth ? [new TreeNode(depth - 1), new TreeNode(depth - 1)] : []; } }
    const value = new TreeMarkerB(11);`);
  assert.equal(r.markers, 1);
  assertWithinOnePercent(r.ours.bytes, r.json, 'tree');
  assert.equal(r.ours.top[0].path, '.children');
  assert.equal(r.ours.top[0].name, 'Array');
});

test('sizeOf: an array of strings matches DevTools retained size from the JSON within 1 %', () => {
  const r = sizeOfAgainstJson(`
    class StringsMarkerC { constructor() { this.list = []; for (let i = 0; i < 5000; i++) this.list.push('s'.repeat(20 + (i % 50)) + i); } }
    const value = new StringsMarkerC();`);
  assert.equal(r.markers, 1);
  assertWithinOnePercent(r.ours.bytes, r.json, 'strings');
  // 5000 sequential strings of 21..74 characters: at least their characters.
  assert.ok(r.ours.bytes > 5000 * 40, `got ${r.ours.bytes}`);
});

// WeakMap values are reached through the key and through the map's table; DevTools
// ignores the table's edge, so values whose keys the value holds are its own even
// though a global holds the WeakMap (the flag is set while converting).
test('sizeOf: WeakMap values whose keys the value holds are retained by it, as DevTools computes from the JSON', () => {
  const r = sizeOfAgainstJson(`
    globalThis.sharedWeakMap = new WeakMap();
    class WeakKeysMarkerE { constructor() { this.keys = []; for (let i = 0; i < 500; i++) { const k = { i }; this.keys.push(k); globalThis.sharedWeakMap.set(k, new Array(64).fill(i)); } } }
    const value = new WeakKeysMarkerE();`);
  assert.equal(r.markers, 1);
  assertWithinOnePercent(r.ours.bytes, r.json, 'WeakMap values');
  // 500 arrays of 64 elements (> 512 bytes each) come with the keys.
  assert.ok(r.ours.bytes > 500 * 512, `got ${r.ours.bytes}`);
});

test('sizeOf: a sub-object shared with a global is not retained by the value', () => {
  const r = sizeOfAgainstJson(`
    class SharedMarkerD { constructor(shared) { this.own = new Array(1000).fill(0).map((_, i) => ({ i })); this.shared = shared; } }
    const shared = { big: new Array(20000).fill(0).map((_, i) => ({ i })) };
    globalThis.sharedElsewhere = shared;
    const value = new SharedMarkerD(shared);
    const extra = a.sizeOf(shared).bytes;`);
  assert.equal(r.markers, 1);
  assertWithinOnePercent(r.ours.bytes, r.json, 'shared');
  assert.ok(r.extra > 20000 * 16, `the shared object is big: ${r.extra}`);
  assert.ok(r.ours.bytes < r.extra / 5, `value ${r.ours.bytes} must not include the shared ${r.extra}`);
  assert.ok(r.ours.top.every((t) => t.path !== '.shared'), JSON.stringify(r.ours.top));
});

test('snapshot.analyze: per-constructor counts equal the instances created, and the JSON agrees', () => {
  const file = path.join(os.tmpdir(), `allocscope-counts-${process.pid}.heapsnapshot`);
  try {
    const { json } = runNodeJson({ code: `
      const v8 = require('node:v8');
      const a = require(process.env.ALLOCSCOPE_DIST);
      const ref = require(${REFERENCE});
      class CountedThing { constructor(i) { this.i = i; } }
      class OtherThing { constructor(i) { this.i = i; this.s = 'x' + i; } }
      globalThis.keepA = Array.from({ length: 1234 }, (_, i) => new CountedThing(i));
      globalThis.keepB = Array.from({ length: 77 }, (_, i) => new OtherThing(i));
      const before = a.snapshot.analyze({ topConstructors: 3 });
      globalThis.keepA.push(...Array.from({ length: 100 }, (_, i) => new CountedThing(i)));
      globalThis.keepB = null;
      const after = a.snapshot.analyze();
      v8.writeHeapSnapshot(${JSON.stringify(file)});
      const g = ref.load(${JSON.stringify(file)});
      console.log(JSON.stringify({
        before: [before.counts.CountedThing, before.counts.OtherThing],
        after: [after.counts.CountedThing, after.counts.OtherThing ?? null],
        jsonAfter: ref.nodesNamed(g, 'CountedThing').length,
        constructors: before.constructors.length, sorted: after.constructors.every((c, i, all) => i === 0 || all[i - 1].retainedBytes >= c.retainedBytes),
        nodeCount: after.nodeCount, jsonNodes: g.n, totalBytes: after.totalBytes, jsonTotal: g.self.reduce((x, y) => x + y, 0),
        analyzeClass: after.constructors.find((c) => c.name === 'CountedThing') || null }));` });
    assert.equal(json.before[0].count, 1234);
    assert.equal(json.before[1].count, 77);
    assert.equal(json.after[0].count, 1334);
    assert.equal(json.after[1], null, 'the OtherThings were collected');
    assert.equal(json.jsonAfter, 1334);
    assert.equal(json.constructors, 3);
    assert.ok(json.sorted);
    // The two snapshots are of the same heap a moment apart: same size give or take the test's own objects.
    assert.ok(Math.abs(json.nodeCount - json.jsonNodes) / json.jsonNodes < 0.05, `${json.nodeCount} vs ${json.jsonNodes}`);
    assert.ok(Math.abs(json.totalBytes - json.jsonTotal) / json.jsonTotal < 0.05, `${json.totalBytes} vs ${json.jsonTotal}`);
    assert.ok(json.before[0].selfBytes >= 1234 * 16);
  } finally {
    fs.rmSync(file, { force: true });
  }
});

// Calibrated leaks: the path from the roots must name the chain that holds them.
function leakPaths(setup, names) {
  const { json } = runNodeJson({ code: `
    const a = require(process.env.ALLOCSCOPE_DIST);
    ${setup}
    const r = a.snapshot.analyze({ retainerPathsFor: ${JSON.stringify(names)} });
    console.log(JSON.stringify(r.retainerPaths));` });
  return json;
}

function assertNoWeakStep(p) {
  assert.ok(p.steps.every((s) => s.edgeType !== 'weak'), p.text);
  assert.equal(p.steps[0].node, '(root)');
}

test('retainer path: a module-level Map cache never evicted → … → cache (Map) → … → Session', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-leak-'));
  const mod = path.join(dir, 'sessions.js');
  fs.writeFileSync(mod, `
    class Session { constructor(id) { this.id = id; this.createdAt = Date.now(); } }
    const cache = new Map();
    exports.handle = function handle(id) { cache.set(id, new Session(id)); return cache.size; };`);
  try {
    const paths = leakPaths(`const s = require(${JSON.stringify(mod)}); for (let i = 0; i < 500; i++) s.handle('req' + i);`, ['Session', 'NoSuchClass']);
    const p = paths.Session;
    assert.ok(p, 'a path to a Session');
    assertNoWeakStep(p);
    assert.match(p.text, /cache \(Map\) → table \(\(internal array\)\) → \[\d+\] \(Session\)$/, p.text);
    assert.ok(p.steps.some((s) => s.edge === 'cache' && s.edgeType === 'context'), 'held by the module scope variable "cache"');
    assert.equal(paths.NoSuchClass, null);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('retainer path: listeners added per request and never removed → _events → listener → its scope', () => {
  const paths = leakPaths(`
    const { EventEmitter } = require('node:events');
    class RequestState { constructor(id) { this.id = id; this.body = 'b' + id; } }
    const bus = new EventEmitter();
    bus.setMaxListeners(0);
    globalThis.bus = bus;
    function onRequest(id) { const state = new RequestState(id); bus.on('tick', function onTick() { return state.id; }); }
    for (let i = 0; i < 200; i++) onRequest(i);`, ['RequestState']);
  const p = paths.RequestState;
  assert.ok(p);
  assertNoWeakStep(p);
  assert.match(p.text, /bus \(EventEmitter\) → _events \(/, p.text);
  assert.match(p.text, /onTick\(\)/, p.text);
  assert.match(p.text, /state \(RequestState\)$/, p.text);
});

test('retainer path: closures kept by a setInterval → Timeout → _onTimeout → closure → scope', () => {
  const paths = leakPaths(`
    class PollerState { constructor() { this.samples = new Array(100).fill(1); } }
    function startPolling() { const poller = new PollerState(); const t = setInterval(function poll() { poller.samples.push(0); }, 60000); t.unref(); }
    for (let i = 0; i < 20; i++) startPolling();`, ['PollerState']);
  const p = paths.PollerState;
  assert.ok(p);
  assertNoWeakStep(p);
  assert.match(p.text, /_onTimeout \(poll\(\)\)/, p.text);
  assert.match(p.text, /poller \(PollerState\)$/, p.text);
  assert.ok(p.steps.some((s) => s.node === 'Timeout'), p.text);
});

test('worker: analysis inside a worker sees the worker heap', () => {
  const { json } = runNodeJson({ code: `
    const { Worker } = require('node:worker_threads');
    const w = new Worker(\`
      const { parentPort } = require('node:worker_threads');
      const a = require(process.env.ALLOCSCOPE_DIST);
      class WorkerLeak { constructor(i) { this.i = i; } }
      const cache = new Map();
      globalThis.cache = cache;
      for (let i = 0; i < 321; i++) cache.set(i, new WorkerLeak(i));
      const r = a.snapshot.analyze({ retainerPathsFor: ['WorkerLeak'] });
      parentPort.postMessage({ count: r.counts.WorkerLeak.count, path: r.retainerPaths.WorkerLeak.text, size: a.sizeOf(cache).bytes });
    \`, { eval: true });
    w.on('message', (m) => { console.log(JSON.stringify(m)); });
    w.on('error', (e) => { console.log(JSON.stringify({ error: e.message })); });` });
  assert.equal(json.count, 321);
  assert.match(json.path, /cache \(Map\) → table \(\(internal array\)\) → \[\d+\] \(WorkerLeak\)$/);
  assert.ok(json.size > 321 * 16);
});

test('worker: terminated while its snapshot is being taken, the process carries on', () => {
  const { json, status } = runNodeJson({ code: `
    const { Worker } = require('node:worker_threads');
    const a = require(process.env.ALLOCSCOPE_DIST);
    const { native } = require(process.env.ALLOCSCOPE_DIST + '/core/native');
    const before = native.envState.liveCounters().envStates;
    const WORKER = \`
      const { parentPort } = require('node:worker_threads');
      const a = require(process.env.ALLOCSCOPE_DIST);
      globalThis.keep = Array.from({ length: 100000 }, (_, i) => ({ i, s: 'v' + i }));
      parentPort.postMessage('analyzing');
      for (;;) a.snapshot.analyze({ retainerPathsFor: ['Object'] });
    \`;
    let exits = 0;
    const runs = [];
    for (let i = 0; i < 3; i++) {
      runs.push(new Promise((resolve) => {
        const w = new Worker(WORKER, { eval: true });
        w.on('message', () => setTimeout(() => w.terminate(), 20 + i * 40));
        w.on('error', (e) => resolve('error ' + e.message));
        w.on('exit', (code) => { exits++; resolve(code); });
      }));
    }
    Promise.all(runs).then((codes) => {
      const after = a.snapshot.analyze();
      console.log(JSON.stringify({ codes, exits, leftOver: native.envState.liveCounters().envStates - before, nodes: after.nodeCount }));
    });` });
  assert.equal(status, 0);
  assert.equal(json.exits, 3);
  assert.deepEqual(json.codes, [1, 1, 1]);
  assert.equal(json.leftOver, 0, 'every worker env state was torn down');
  assert.ok(json.nodes > 1000);
});

test('misuse: clear errors with stable codes', () => {
  const a = require(path.join(ROOT, 'dist'));
  const expectCode = (fn, code, pattern) => assert.throws(fn, (e) => e.code === code && pattern.test(e.message) && !/\n/.test(e.message));
  expectCode(() => a.sizeOf(42), 'ERR_ALLOCSCOPE_INVALID_ARGUMENT', /sizeOf\(\) takes an object/);
  expectCode(() => a.sizeOf(null), 'ERR_ALLOCSCOPE_INVALID_ARGUMENT', /got null/);
  expectCode(() => a.sizeOf('str'), 'ERR_ALLOCSCOPE_INVALID_ARGUMENT', /got string/);
  expectCode(() => a.sizeOf({}, { top: -1 }), 'ERR_ALLOCSCOPE_INVALID_OPTION', /"top" must be an integer from 0/);
  expectCode(() => a.sizeOf({}, { retaind: false }), 'ERR_ALLOCSCOPE_UNKNOWN_OPTION', /did you mean "retained"/);
  expectCode(() => a.sizeOf({}, { retained: 'yes' }), 'ERR_ALLOCSCOPE_INVALID_OPTION', /"retained" must be a boolean/);
  expectCode(() => a.snapshot.analyze({ retainerPathsFor: 'Session' }), 'ERR_ALLOCSCOPE_INVALID_OPTION', /retainerPathsFor/);
  expectCode(() => a.snapshot.analyze({ topConstructors: -3 }), 'ERR_ALLOCSCOPE_INVALID_OPTION', /topConstructors/);
  expectCode(() => a.snapshot.analyze({ progres: true }), 'ERR_ALLOCSCOPE_UNKNOWN_OPTION', /did you mean "progress"/);
  expectCode(() => a.snapshot.analyze('fast'), 'ERR_ALLOCSCOPE_INVALID_ARGUMENT', /options object/);
});

test('sizeOf: retained: false gives the deep size, which counts what the value shares', () => {
  const { json } = runNodeJson({ code: `
    const a = require(process.env.ALLOCSCOPE_DIST);
    const shared = { big: new Array(10000).fill(0).map((_, i) => ({ i })) };
    globalThis.shared = shared;
    const value = { shared, own: [1, 2, 3] };
    console.log(JSON.stringify({ retained: a.sizeOf(value).bytes, deep: a.sizeOf(value, { retained: false }).bytes, sharedSize: a.sizeOf(shared).bytes }));` });
  // The deep size leaves out hidden classes (maps), which the retained size of `shared` may hold.
  assert.ok(json.deep >= json.sharedSize * 0.95, `deep ${json.deep} includes the shared ${json.sharedSize}`);
  assert.ok(json.retained < json.sharedSize / 10, `retained ${json.retained} does not`);
});

// The conversion maps V8's node pointers to ordinals through equally spaced
// runs (snapshot_node_index.h) and falls back to a pointer hash when V8's
// layout does not allow it: both must give the same graph.
test('conversion: the node index gives the same analysis through runs and through its fallback hash', () => {
  const { json } = runNodeJson({ code: `
    const { native } = require(process.env.ALLOCSCOPE_DIST + '/core/native');
    class IndexedThing { constructor(i) { this.i = i; this.tags = ['t' + i, { deep: i }]; } }
    const value = { things: Array.from({ length: 3000 }, (_, i) => new IndexedThing(i)) };
    globalThis.keep = value;
    const pick = (raw) => {
      const k = raw.classes.names.indexOf('IndexedThing');
      return { index: raw.phases.nodeIndex, count: raw.classes.count[k], self: raw.classes.selfBytes[k], retained: raw.classes.retainedBytes[k],
        target: raw.target.retainedBytes, top: raw.target.top.map((t) => t.path + ':' + t.retainedBytes).join(),
        // Which of the 3000 equal things the first path reaches depends on the heap's order in that snapshot.
        path: raw.retainerPaths[0].map((s) => (/^\\d+$/.test(s.edge) ? '#' : s.edge) + '/' + s.node).slice(-3).join() };
    };
    // The first snapshot leaves a few objects behind (under the array too): compare later ones.
    native.snapshot.analyze(false, ['IndexedThing'], value, 5, false);
    const runs = pick(native.snapshot.analyze(false, ['IndexedThing'], value, 5, false));
    const hash = pick(native.snapshot.analyze(false, ['IndexedThing'], value, 5, false, true));
    console.log(JSON.stringify({ runs, hash }));` });
  assert.equal(json.runs.index, 'runs', 'the fast path is used on this V8 (its nodes come in equally spaced blocks)');
  assert.equal(json.hash.index, 'hash');
  const { index: _r, ...runs } = json.runs;
  const { index: _h, ...hash } = json.hash;
  assert.equal(runs.count, 3000);
  assert.ok(runs.target > 3000 * 50, `3000 things of > 50 bytes, got ${runs.target}`);
  assert.deepEqual(hash, runs);
});
