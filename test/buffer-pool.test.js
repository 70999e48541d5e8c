'use strict';
// The Buffer pool ("fast" mode): class boundaries, statistics that add up against
// a model over 1,000,000 random operations, no overlap between live Buffers,
// GC reclaim of dropped Buffers, debug poisoning, misuse, and workers.
const test = require('node:test');
const assert = require('node:assert/strict');
const { BufferPool } = require('../dist');
const { runNodeJson } = require('./helpers');

const CLASSES = [16, 32, 64, 128, 256, 512, 1024, 4096, 65536];

for (const mode of ['fast', 'safe']) {
test(`${mode}: sizes at every class boundary land in the right class; zero works; too large is served unpooled`, () => {
  const pool = new BufferPool(`bounds-${mode}`, { mode, sizeClasses: CLASSES, slabBytes: 65536 });
  for (const [i, c] of CLASSES.entries()) {
    for (const size of [c - 1, c, c + 1]) {
      const b = pool.alloc(size);
      assert.equal(b.length, size);
      const expected = size <= c ? c : CLASSES[i + 1];
      const cls = pool.stats().classes.find((x) => x.blockBytes === expected);
      if (expected === undefined) {
        assert.equal(pool.stats().tooBig, 1, `${size} B is larger than every class`);
      } else {
        assert.ok(cls && cls.blocksInUse >= 1, `${size} B goes to the ${expected} B class`);
      }
      pool.release(b);
    }
  }
  const zero = pool.alloc(0);
  assert.equal(zero.length, 0);
  pool.release(zero);
  const s = pool.stats();
  assert.equal(s.inUse, 0);
  assert.equal(s.tooBig, 1);
});

test(`${mode}: 1,000,000 random alloc/release operations: statistics add up exactly against a model; live Buffers never overlap`, () => {
  const pool = new BufferPool(`random-${mode}`, { mode, sizeClasses: CLASSES, slabBytes: 32768, emptySlabsKept: 0 });
  let seed = 12345;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
  const live = [];
  const model = new Map(CLASSES.map((c) => [c, { inUse: 0, requested: 0, allocs: 0, releases: 0 }]));
  const classOf = (size) => CLASSES.find((c) => c >= Math.max(1, size));
  for (let op = 0; op < 1_000_000; op++) {
    if (live.length === 0 || (live.length < 4000 && rnd(100) < 52)) {
      const size = rnd(4) === 0 ? rnd(5000) : rnd(300);
      const b = pool.alloc(size);
      b.fill(op & 0xff);
      live.push([b, op & 0xff, size]);
      if (mode === 'safe' && size === 0) continue; // served unpooled: empty external Buffers have no memory
      const m = model.get(classOf(size));
      m.inUse++; m.requested += size; m.allocs++;
    } else {
      const [b, mark, size] = live.splice(rnd(live.length), 1)[0];
      if (b.length > 0) assert.ok(b[0] === mark && b[b.length - 1] === mark, 'no other Buffer wrote into this one');
      pool.release(b); // in safe mode b.length is 0 from here on (detached)
      if (mode === 'safe' && size === 0) continue;
      const m = model.get(classOf(size));
      m.inUse--; m.requested -= size; m.releases++;
    }
  }
  const s = pool.stats();
  for (const c of s.classes) {
    const m = model.get(c.blockBytes);
    assert.equal(c.blocksInUse, m.inUse, `${c.blockBytes}: in use`);
    assert.equal(c.blocksInUse + c.blocksFree, c.blocksTotal, `${c.blockBytes}: in use + free = total`);
    assert.equal(c.requestedBytes, m.requested, `${c.blockBytes}: requested`);
    assert.ok(c.requestedBytes <= c.handedOutBytes, `${c.blockBytes}: requested ≤ handed out`);
    assert.equal(c.allocs, m.allocs);
    assert.equal(c.releases, m.releases);
    assert.equal(c.hits + c.misses, c.allocs);
    assert.ok(c.freeBytesInPartialSlabs <= c.blocksFree * c.blockBytes);
  }
  assert.equal(s.slabBytesTotal, s.classes.reduce((a, c) => a + c.slabs * c.blockBytes * Math.max(1, Math.floor(32768 / c.blockBytes)), 0));
  for (const [b] of live) pool.release(b);
  const after = pool.stats();
  assert.equal(after.inUse, 0);
  assert.equal(after.slabBytesTotal, 0, 'emptySlabsKept: 0 gives every empty slab back');
});

test(`${mode}: released blocks are reused (hits), and emptySlabsKept bounds the empty slabs a class keeps`, () => {
  const pool = new BufferPool(`reuse-${mode}`, { mode, sizeClasses: [64], slabBytes: 1024, emptySlabsKept: 1 });
  const many = Array.from({ length: 64 }, () => pool.alloc(60)); // 4 slabs of 16 blocks
  assert.equal(pool.stats().classes[0].slabs, 4);
  many.forEach((b) => pool.release(b));
  assert.equal(pool.stats().classes[0].slabs, 1, 'three empty slabs returned, one kept');
  const again = pool.alloc(60);
  assert.equal(pool.stats().classes[0].hits > 0, true);
  pool.release(again);
});

test(`${mode}: maxBytes caps the slabs; requests beyond it are served unpooled and counted`, () => {
  const pool = new BufferPool(`capped-${mode}`, { mode, sizeClasses: [1024], slabBytes: 4096, maxBytes: 8192 });
  const held = Array.from({ length: 10 }, () => pool.alloc(1000));
  const s = pool.stats();
  assert.equal(s.slabBytesTotal, 8192);
  assert.equal(s.overCap, 2);
  held.forEach((b) => pool.release(b)); // unpooled ones are accepted too
  assert.equal(pool.stats().inUse, 0);
});

test(`${mode}: blocks of Buffers dropped without release() come back after a GC`, () => {
  const { json } = runNodeJson({ nodeArgs: ['--expose-gc'], code: `
    const { BufferPool } = require(process.env.ALLOCSCOPE_DIST);
    const pool = new BufferPool('gc', { mode: '${mode}', sizeClasses: [256], slabBytes: 4096 });
    (function drop() { for (let i = 0; i < 100; i++) pool.alloc(200); })();
    const before = pool.stats().classes[0];
    (async () => {
      for (let i = 0; i < 20 && pool.stats().classes[0].gcReclaimed < 100; i++) { global.gc(); await new Promise((r) => setTimeout(r, 10)); }
      const after = pool.stats().classes[0];
      console.log(JSON.stringify({ before: before.blocksInUse, after: after.blocksInUse, reclaimed: after.gcReclaimed }));
    })();
  ` });
  assert.equal(json.before, 100);
  assert.equal(json.reclaimed, 100);
  assert.equal(json.after, 0);
});
}

test('safe: a released Buffer is detached (length 0, writes go nowhere), its block reused at once; it cannot be transferred', () => {
  const pool = new BufferPool('safe-detach', { mode: 'safe', sizeClasses: [64] });
  const a = pool.alloc(40);
  a.fill(1);
  const view = a.subarray(5, 10);
  pool.release(a);
  assert.equal(a.length, 0);
  assert.equal(view.length, 0, 'views of it are detached too');
  a[3] = 9;
  assert.equal(a[3], undefined, 'a write after release goes nowhere');
  const b = pool.alloc(40);
  assert.equal(pool.stats().classes[0].hits, 1, 'the block is reused at once');
  assert.equal(b.length, 40);
  // Untransferable (Node marks external Buffers so): in a transfer list it is copied
  // (Node 20) or refused with a DataCloneError (Node 22 and later), never moved.
  const { port1, port2 } = new MessageChannel();
  try {
    port1.postMessage(b, [b.buffer]);
  } catch (error) {
    assert.equal(error.name, 'DataCloneError');
  }
  port1.close(); port2.close();
  assert.equal(b.length, 40, 'not transferred: the block stays with this pool');
  pool.release(b);
  assert.throws(() => pool.release(b), (e) => e.code === 'ERR_ALLOCSCOPE_DOUBLE_RELEASE');
});

test('debug mode reports a write made after release()', () => {
  const warnings = [];
  const onWarning = (w) => { if (w.code === 'ALLOCSCOPE_WRITE_AFTER_RELEASE') warnings.push(w.message); };
  process.on('warning', onWarning);
  try {
    const pool = new BufferPool('debug', { sizeClasses: [64], debug: true });
    const b = pool.alloc(50);
    pool.release(b);
    assert.equal(pool.check(), 0, 'clean after release');
    b[10] = 42; // the bug: a stale view written after release
    assert.equal(pool.check(), 1);
    assert.equal(pool.stats().writesAfterRelease, 1);
    const clean = new BufferPool('debug-clean', { sizeClasses: [64], debug: true });
    const c = clean.alloc(64);
    c.fill(7);
    clean.release(c);
    assert.equal(clean.check(), 0, 'writes before release are fine');
  } finally {
    process.off('warning', onWarning);
  }
});

test('misuse: clear errors with codes', () => {
  // Without debug, a plain double release is caught; debug also tells a stale Buffer
  // (its block handed out again) from the block's new owner.
  const plain = new BufferPool('misuse-plain', { sizeClasses: [64] });
  const once = plain.alloc(8);
  plain.release(once);
  assert.throws(() => plain.release(once), (e) => e.code === 'ERR_ALLOCSCOPE_DOUBLE_RELEASE');
  const pool = new BufferPool('misuse', { sizeClasses: [64], debug: true });
  const b = pool.alloc(10);
  pool.release(b);
  const reissued = pool.alloc(10); // the same block, handed to a new owner
  const cases = [
    [() => pool.alloc(-1), 'ERR_ALLOCSCOPE_INVALID_ARGUMENT', /alloc\(size\) takes an integer ≥ 0, got -1/],
    [() => pool.alloc(1.5), 'ERR_ALLOCSCOPE_INVALID_ARGUMENT', /got 1\.5/],
    [() => pool.alloc('8'), 'ERR_ALLOCSCOPE_INVALID_ARGUMENT', /got "8"/],
    [() => pool.release(b), 'ERR_ALLOCSCOPE_DOUBLE_RELEASE', /released already/],
    [() => pool.release(Buffer.alloc(10)), 'ERR_ALLOCSCOPE_INVALID_ARGUMENT', /did not hand out/],
    [() => pool.release('x'), 'ERR_ALLOCSCOPE_INVALID_ARGUMENT', /takes a Buffer/],
    [() => new BufferPool('m2', { mode: 'unsafe' }), 'ERR_ALLOCSCOPE_INVALID_OPTION', /"mode" must be one of "fast", "safe"/],
    [() => new BufferPool('m3', { sizeClasses: [64, 32] }), 'ERR_ALLOCSCOPE_INVALID_OPTION', /ascending multiples of 8/],
    [() => new BufferPool('m4', { sizeClasses: [] }), 'ERR_ALLOCSCOPE_INVALID_OPTION', /non-empty array/],
    [() => new BufferPool('m5', { slabBytes: 10 }), 'ERR_ALLOCSCOPE_INVALID_OPTION', /"slabBytes"/],
    [() => new BufferPool('m6', { slabByte: 4096 }), 'ERR_ALLOCSCOPE_UNKNOWN_OPTION', /did you mean "slabBytes"/],
    [() => new BufferPool('m7', { reclaimDropped: 'yes' }), 'ERR_ALLOCSCOPE_INVALID_OPTION', /"reclaimDropped" must be a boolean/],
  ];
  for (const [fn, code, pattern] of cases) {
    assert.throws(fn, (e) => e.code === code && pattern.test(e.message), String(fn));
  }
  pool.release(reissued); // the new owner's release still works
  assert.equal(pool.stats().inUse, 0);
});

test('20 workers each use their own pools (both modes)', () => {
  const { json } = runNodeJson({ code: `
    const { Worker } = require('node:worker_threads');
    const src = \`
      const { parentPort, workerData } = require('node:worker_threads');
      const { BufferPool } = require(process.env.ALLOCSCOPE_DIST);
      const pool = new BufferPool('w' + workerData, { mode: workerData % 2 ? 'safe' : 'fast', debug: true });
      const held = [];
      for (let i = 0; i < 20000; i++) {
        if (held.length > 50 && i % 3) pool.release(held.shift());
        const b = pool.alloc(16 + (i * 37) % 3000); b.fill(workerData); held.push(b);
      }
      const ok = held.every((b) => b.every((x) => x === workerData));
      held.forEach((b) => pool.release(b));
      parentPort.postMessage({ ok, inUse: pool.stats().inUse, writes: pool.stats().writesAfterRelease });
    \`;
    Promise.all(Array.from({ length: 20 }, (_, i) => new Promise((resolve, reject) => {
      const w = new Worker(src, { eval: true, workerData: i + 1 });
      w.once('message', resolve); w.once('error', reject);
    }))).then((r) => console.log(JSON.stringify(r)));
  ` });
  assert.equal(json.length, 20);
  for (const r of json) assert.deepEqual(r, { ok: true, inUse: 0, writes: 0 });
});

test('a Buffer pool appears in allocscope stats with a row per size class, beside the engine pools', () => {
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const { runCli, DIST } = require('./helpers');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-bufpool-'));
  try {
    const app = path.join(dir, 'app.js');
    fs.writeFileSync(app, `
      const { pools } = require(${JSON.stringify(DIST)});
      const p = pools.create('frames', { mode: 'safe', sizeClasses: [128, 1024, 4096] });
      const held = [];
      for (let i = 0; i < 3000; i++) { held.push(p.alloc(100 + (i * 97) % 3000)); if (held.length > 20) p.release(held.shift()); }`);
    const r = runCli(['stats', app]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\s+frames\s+buffer \(safe\)\s+3,000\s/m);
    assert.match(r.stdout, /frames: size classes · slabs [\d.]+ (KiB|MiB)/);
    for (const cls of ['128 B', '1.00 KiB', '4.00 KiB']) assert.match(r.stdout, new RegExp(`^\\s+${cls.replace('.', '\\.')}\\s+1\\s`, 'm'), cls);
    // Buffer.poolSize is 8 KiB up to Node 22 and 64 KiB from Node 24; requests up to half of it are pooled.
    const kib = (n) => `${(n / 1024).toFixed(n / 1024 >= 10 ? 1 : 2)} KiB`.replace('.', '\\.');
    assert.match(r.stdout, new RegExp(`engine: Node's Buffer pool \\(node:Buffer\\.poolSize\\): ${kib(Buffer.poolSize)} slabs, requests up to ${kib(Buffer.poolSize / 2)}`));
    const json = JSON.parse(runCli(['stats', '--json', app]).stdout);
    const frames = json.pools.find((p) => p.name === 'frames');
    assert.equal(frames.classes.reduce((a, c) => a + c.blocksInUse, 0), frames.inUse);
    assert.equal(frames.classes.reduce((a, c) => a + c.allocs, 0), 3000);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the HTML report carries each Buffer pool\'s size classes for its bars', () => {
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const { runCli, DIST } = require('./helpers');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-bufpool-html-'));
  try {
    const app = path.join(dir, 'app.js');
    fs.writeFileSync(app, `
      const { pools } = require(${JSON.stringify(DIST)});
      const p = pools.create('frames', { sizeClasses: [128, 1024] });
      // Held through a global: once the module has run, V8 14 may collect a module-local
      // array before the capture at exit, and the pool reclaims dropped Buffers.
      const held = globalThis.held = []; for (let i = 0; i < 500; i++) held.push(p.alloc(i % 2 ? 100 : 1000));`);
    const capture = path.join(dir, 'c.allocscope');
    assert.equal(runCli(['run', '-q', '-o', capture, app]).status, 0);
    const html = path.join(dir, 'r.html');
    assert.equal(runCli(['report', capture, '--format', 'html', '-o', html]).status, 0);
    const text = fs.readFileSync(html, 'utf8');
    const data = JSON.parse(text.match(/<script type="application\/json"[^>]*>([\s\S]*?)<\/script>/)[1]);
    const frames = data.poolClasses.find((p) => p.name === 'frames');
    assert.deepEqual(frames.classes.map((c) => c.blockBytes), [128, 1024]);
    assert.deepEqual(frames.classes.map((c) => c.inUseBytes), [250 * 128, 250 * 1024]);
    assert.deepEqual(frames.classes.map((c) => c.requestedBytes), [250 * 100, 250 * 1000]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('fast mode: a pooled Buffer cannot be transferred (the slab is untransferable): other Buffers of its slab and the pool are unharmed', () => {
  const { MessageChannel } = require('node:worker_threads');
  const pool = new BufferPool('transfer', { mode: 'fast', sizeClasses: CLASSES, slabBytes: 65536 });
  const a = pool.alloc(100).fill(1), b = pool.alloc(100).fill(2);
  assert.equal(a.buffer, b.buffer, 'one slab');
  const { port1, port2 } = new MessageChannel();
  let error = null;
  // Node ≥ 21 refuses (DataCloneError); Node 20 copies instead of transferring.
  try { port1.postMessage(a, [a.buffer]); } catch (e) { error = e; }
  port1.close(); port2.close();
  if (error) assert.equal(error.name, 'DataCloneError');
  assert.equal(a.buffer.byteLength, 65536, 'the slab is not detached');
  assert.equal(b.length, 100);
  assert.equal(b[99], 2);
  const c = pool.alloc(100);
  assert.equal(c.length, 100, 'the pool still allocates');
});
