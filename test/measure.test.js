'use strict';
// measure(): allocs/op and B/op against independently derived truth, stability
// across processes, async operations, workers, misuse.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { runNodeJson, runNode, DIST } = require('./helpers');

const CHILD = path.join(__dirname, 'fixtures', 'measure-accuracy-child.js');
// A young generation big enough that the truth windows run without a GC.
const BIG_YOUNG = ['--min-semi-space-size=128', '--max-semi-space-size=128'];
// The child measures each case 3 times in one process and reports the medians (see there):
// exact counts then do not depend on how far the machine's load let V8's tiering get.
const measureCase = (name, truth = true) => runNodeJson({ file: CHILD, args: [name, truth ? 'truth' : ''], nodeArgs: BIG_YOUNG }).json;

const within = (actual, expected, relative, absolute = 0) =>
  Math.abs(actual - expected) <= Math.max(relative * Math.abs(expected), absolute);

test('calibrated operations: allocs/op by construction, B/op from used_heap_size deltas (±2 %)', async (t) => {
  for (const name of ['objects10', 'objects1000', 'concat', 'array1000']) {
    await t.test(name, () => {
      const { cases } = require('./fixtures/calibrated-ops');
      const r = measureCase(name);
      assert.equal(r.truth.gcs, 0, 'the truth window must run without GC');
      const allocs = cases[name].allocs;
      assert.ok(within(r.allocsPerOp, allocs, 0.02, 1), `allocs/op ${r.allocsPerOp} vs ${allocs}`);
      assert.ok(within(r.bytesPerOp, r.truth.bytesPerOp, 0.02), `B/op ${r.bytesPerOp} vs truth ${r.truth.bytesPerOp}`);
      assert.ok(r.bytesPerOp > 0);
      // Sites name the operation, not the harness.
      assert.match(r.topSites[0].label, /calibrated-ops\.js/);
    });
  }
});

test('a zero-allocation operation reports 0 allocs/op and 0 B/op', () => {
  const r = measureCase('zero');
  const all = JSON.stringify(r);
  assert.equal(r.truth.gcs, 0, all);
  assert.ok(Math.abs(r.truth.bytesPerOp) < 1, `truth ${r.truth.bytesPerOp}: ${all}`);
  assert.equal(r.allocsPerOp, 0, all);
  assert.equal(r.bytesPerOp, 0, all);
  assert.deepEqual(r.allocsRounds, [0, 0, 0], all);
});

test('external (ArrayBuffer) bytes per op: Buffer.allocUnsafeSlow(4096) → 4096 (±2 %)', () => {
  const r = measureCase('buffer4k');
  assert.ok(within(r.externalBytesPerOp, 4096, 0.02), `external B/op ${r.externalBytesPerOp}`);
  assert.ok(within(r.bytesPerOp, r.truth.bytesPerOp, 0.02), `JS B/op ${r.bytesPerOp} vs truth ${r.truth.bytesPerOp}`);
});

test('stability: the same operation in 5 fresh processes gives the same allocs/op (±1 %)', () => {
  const runs = Array.from({ length: 5 }, () => measureCase('parse', false));
  const allocs = runs.map((r) => r.allocsPerOp);
  const bytes = runs.map((r) => r.bytesPerOp);
  const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
  const ref = median(allocs);
  assert.ok(ref > 100, `parse allocates a few hundred objects, got ${ref}`);
  for (const a of allocs) assert.ok(within(a, ref, 0.01), `allocs/op across processes: ${allocs.join(', ')}`);
  for (const b of bytes) assert.ok(within(b, median(bytes), 0.01), `B/op across processes: ${bytes.join(', ')}`);
});

// measure() counts what V8's sampler sees. On V8 13+ (Node 24, 26) TurboFan code compiled before
// the exact-counting flags (an operation the caller warmed up, or one already hot in the app) folds
// several objects into one allocation, which the sampler records as one: objects10 read 3
// allocs/op and 576 B/op instead of 10 and 480. The counting pass drops the operation's optimized
// code first (never-optimize.ts), so it is recompiled without folding.
test('an operation optimized before measure() runs (warmed up by the caller) is counted as it allocates; a bound one is measured without a crash', () => {
  const { json } = runNodeJson({
    code: `
      const { measure } = require(process.env.ALLOCSCOPE_DIST);
      const { cases } = require(${JSON.stringify(path.join(__dirname, 'fixtures', 'calibrated-ops'))});
      const fn = cases.objects10.fn;
      for (let i = 0; i < 200000; i++) fn(); // the caller's own warm-up: V8 optimizes fn
      const bound = fn.bind(null); // V8 aborts the process if a bound function is deoptimized
      for (let i = 0; i < 200000; i++) bound();
      (async () => {
        const r = await measure(fn, { rounds: 3, roundMs: 10, countRounds: 3 });
        const b = await measure(bound, { rounds: 3, roundMs: 10, countRounds: 3 });
        console.log(JSON.stringify({ allocs: r.counting.allocsPerOp.median, bytes: r.counting.bytesPerOp.median, boundAllocs: b.counting.allocsPerOp.median }));
      })();`,
  });
  assert.equal(json.allocs, 10, `10 objects per call: ${JSON.stringify(json)}`);
  assert.ok(json.boundAllocs > 0, JSON.stringify(json));
});

test('measure() again after V8 flushed the bytecode of its helpers (functions compiled with --allow-natives-syntax) still works', () => {
  // V8 flushes the bytecode of functions not run over several GCs and parses them again on
  // their next call: the flag must be on then too ("SyntaxError: Unexpected token '%'" otherwise).
  const { json } = runNodeJson({
    nodeArgs: ['--expose-gc'],
    code: `
      const v8 = require('node:v8');
      const { measure } = require(process.env.ALLOCSCOPE_DIST);
      const sink = [];
      const op = () => { sink[0] = { a: 1 }; };
      (async () => {
        const first = await measure(op, { rounds: 1, roundMs: 5, countRounds: 1 });
        v8.setFlagsFromString('--stress-flush-code'); // every GC flushes what it may
        for (let i = 0; i < 5; i++) global.gc();
        const second = await measure(op, { rounds: 1, roundMs: 5, countRounds: 1 }).catch((e) => ({ error: e.name + ': ' + e.message }));
        console.log(JSON.stringify({ first: first.counting.allocsPerOp.median, second: second.error ?? second.counting.allocsPerOp.median }));
      })();`,
  });
  assert.deepEqual(json, { first: 1, second: 1 });
});

test('async operations: allocations after an await are counted, the harness\'s awaits are not', () => {
  const { json } = runNodeJson({
    code: `
      const { measure } = require(process.env.ALLOCSCOPE_DIST);
      const sink = [];
      const bare = async () => { await null; };
      const five = async () => { await null; for (let i = 0; i < 5; i++) sink[i] = { i }; };
      (async () => {
        const o = { rounds: 3, roundMs: 10, countRounds: 3 };
        const a = await measure(bare, o), b = await measure(five, o);
        console.log(JSON.stringify({ async: b.async, bare: a.counting.allocsPerOp.median, five: b.counting.allocsPerOp.median,
          site: b.counting.topSites[0].label, ns: b.timing.nsPerOp.median }));
      })();`,
  });
  assert.equal(json.async, true);
  assert.equal(json.five - json.bare, 5, `5 objects after the await: ${JSON.stringify(json)}`);
  assert.ok(json.bare >= 1 && json.bare < 10, `an async function's own promise machinery, not the harness's: ${json.bare}`);
  assert.ok(json.ns > 0);
});

test('sites of an inlined callee are not lost to the harness; a builtin is "the measured function itself"', () => {
  const { json } = runNodeJson({
    code: `
      const { measure } = require(process.env.ALLOCSCOPE_DIST);
      function make() { return { a: 1, b: 2 }; }
      const bound = JSON.parse.bind(null, '[1,2,3]');
      (async () => {
        const a = await measure(make, { rounds: 2, roundMs: 20 });
        const b = await measure(bound, { rounds: 2, roundMs: 20 });
        console.log(JSON.stringify({ make: a.counting.topSites, bound: b.counting.topSites }));
      })();`,
  });
  assert.match(json.make[0].label, /^make /);
  assert.equal(json.make[0].allocsPerOp, 1);
  // V8 itself may allocate in one round (16 objects over ~10,000 ops, e.g. when it
  // recompiles the loop): such a stray site may be listed, but never as a share that matters.
  const others = json.make.slice(1).reduce((sum, site) => sum + site.allocsPerOp, 0);
  assert.ok(others < 0.01, `sites besides make(): ${JSON.stringify(json.make.slice(1))}`);
  assert.match(json.bound[0].label, /the measured function itself/);
});

test('GC figures of the timing pass: a garbage-heavy operation causes GCs, GC time share in [0, 1)', () => {
  const { json } = runNodeJson({
    code: `
      const { measure } = require(process.env.ALLOCSCOPE_DIST);
      let sink;
      (async () => {
        const r = await measure(() => { sink = new Array(10000).fill(1); }, { rounds: 3, roundMs: 50, count: false });
        console.log(JSON.stringify({ timing: r.timing, counting: r.counting }));
      })();`,
  });
  assert.equal(json.counting, null);
  assert.ok(json.timing.gcCount > 0 && json.timing.gcsPer1000Ops > 0, JSON.stringify(json.timing));
  assert.ok(json.timing.gcTimeShare > 0 && json.timing.gcTimeShare < 1);
  assert.equal(json.timing.nsPerOp.rounds.length, 3);
});

test('measure() in a worker thread counts the same as on the main thread', () => {
  const { json } = runNodeJson({
    code: `
      const { Worker } = require('node:worker_threads');
      const src = \`
        const { measure } = require(process.env.ALLOCSCOPE_DIST);
        const { parentPort } = require('node:worker_threads');
        const sink = [];
        measure(() => { for (let i = 0; i < 7; i++) sink[i] = { i }; }, { rounds: 2, roundMs: 10 })
          .then((r) => parentPort.postMessage(r.counting.allocsPerOp.median));\`;
      const w = new Worker(src, { eval: true });
      w.on('message', (m) => { console.log(JSON.stringify({ worker: m })); });`,
  });
  assert.equal(json.worker, 7);
});

test('misuse and failures: clear errors with codes; the sampler and GC tracker are released', () => {
  const { json } = runNodeJson({
    code: `
      const { measure, heap, gc } = require(process.env.ALLOCSCOPE_DIST);
      const out = {};
      const grab = async (name, p) => { try { await p; out[name] = 'resolved'; } catch (e) { out[name] = { code: e.code, message: e.message }; } };
      (async () => {
        await grab('noFunction', measure());
        await grab('number', measure(42));
        await grab('negativeRounds', measure(() => {}, { rounds: -1 }));
        await grab('unknown', measure(() => {}, { roundz: 3 }));
        await grab('nothing', measure(() => {}, { time: false, count: false }));
        heap.start();
        await grab('busy', measure(() => {}, { rounds: 1, roundMs: 1 }));
        heap.stop();
        await grab('throws', measure(() => { throw new Error('boom'); }));
        let calls = 0;
        await grab('throwsLater', measure(() => { if (++calls > 50) throw new Error('late'); return {}; }, { rounds: 2, roundMs: 1 }));
        out.after = { sampler: heap.running, gc: gc.running };
        console.log(JSON.stringify(out));
      })();`,
  });
  assert.equal(json.noFunction.code, 'ERR_ALLOCSCOPE_INVALID_ARGUMENT');
  assert.equal(json.number.code, 'ERR_ALLOCSCOPE_INVALID_ARGUMENT');
  assert.equal(json.negativeRounds.code, 'ERR_ALLOCSCOPE_INVALID_OPTION');
  assert.equal(json.unknown.code, 'ERR_ALLOCSCOPE_UNKNOWN_OPTION');
  assert.match(json.unknown.message, /rounds/);
  assert.equal(json.nothing.code, 'ERR_ALLOCSCOPE_INVALID_OPTION');
  assert.equal(json.busy.code, 'ERR_ALLOCSCOPE_SAMPLER_BUSY');
  assert.equal(json.throws.message, 'boom');
  assert.equal(json.throwsLater.message, 'late');
  assert.deepEqual(json.after, { sampler: false, gc: false });
  for (const [k, v] of Object.entries(json)) if (k !== 'after') assert.ok(!v.message.includes('\n'), `${k}: one line`);
});
