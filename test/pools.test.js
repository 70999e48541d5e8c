'use strict';
// Pools: usage statistics that add up, a recommended capacity that really
// achieves its hit rate, tracked pools (events and getters), and misuse errors.
const test = require('node:test');
const assert = require('node:assert/strict');
const { pools, ObjectPool } = require('../dist');

/** A deterministic demand pattern: mostly 2–3 objects in use, bursts of up to 12. */
function demand(i) {
  if (i % 97 === 0) return 12;
  if (i % 31 === 0) return 7;
  return 2 + (i % 2);
}

function drive(pool, steps) {
  const held = [];
  for (let i = 1; i <= steps; i++) {
    const want = demand(i);
    while (held.length < want) held.push(pool.acquire());
    while (held.length > want) pool.release(held.pop());
  }
  while (held.length) pool.release(held.pop());
}

test('ObjectPool: counters add up and follow the factory/reset/capacity contract', () => {
  let created = 0;
  let resets = 0;
  const pool = new ObjectPool('contract', { create: () => ({ id: ++created }), reset: (o) => { o.used = false; resets++; }, capacity: 5, preallocate: 2 });
  assert.equal(created, 2, 'preallocated');
  const a = pool.acquire(), b = pool.acquire(), c = pool.acquire();
  assert.equal(created, 3, 'two hits, one miss');
  for (const x of [a, b, c]) pool.release(x);
  assert.equal(resets, 3);
  const held = Array.from({ length: 7 }, () => pool.acquire());
  held.forEach((x) => pool.release(x));
  const s = pool.stats();
  assert.equal(s.acquires, 10);
  assert.equal(s.releases, 10);
  assert.equal(s.hits + s.misses, s.acquires);
  assert.equal(s.created, s.misses + 2);
  assert.equal(s.inUse, 0);
  assert.equal(s.inUseHighWater, 7);
  assert.equal(s.idle, 5, 'capacity bounds what the pool keeps');
  assert.equal(s.dropped, 2);
  assert.equal(s.inUseHistogram.reduce((x, [, n]) => x + n, 0), s.acquires, 'one histogram entry per request');
  assert.deepEqual(s.inUseHistogram, [[1, 2], [2, 2], [3, 2], [4, 1], [5, 1], [6, 1], [7, 1]]);
});

test('the recommended capacity serves the chosen share of requests when the workload is replayed', () => {
  const probe = new ObjectPool('probe', { create: () => ({}), capacity: 1_000 });
  drive(probe, 20_000);
  const stats = probe.stats(0.9);
  for (const share of [0.5, 0.9, 0.99, 1]) {
    const rec = probe.stats(share).recommendation;
    // Replay with exactly the recommended capacity: after warm-up, misses ≤ 1 − share.
    const sized = new ObjectPool(`sized-${share}`, { create: () => ({}), capacity: rec.capacity, preallocate: rec.capacity });
    drive(sized, 20_000);
    const s = sized.stats();
    assert.ok(s.misses / s.acquires <= 1 - share + 1e-9, `share ${share}: capacity ${rec.capacity} missed ${s.misses} of ${s.acquires}`);
    assert.ok(Math.abs(rec.missRate - s.misses / s.acquires) < 0.02, `predicted miss rate ${rec.missRate} vs replayed ${s.misses / s.acquires}`);
    // One object fewer would miss more than allowed: the recommendation is the smallest.
    if (rec.capacity > 1) {
      const smaller = new ObjectPool(`smaller-${share}`, { create: () => ({}), capacity: rec.capacity - 1, preallocate: rec.capacity - 1 });
      drive(smaller, 20_000);
      const t = smaller.stats();
      assert.ok(t.misses / t.acquires > 1 - share, `share ${share}: capacity ${rec.capacity - 1} would have sufficed`);
    }
  }
  assert.equal(probe.stats(1).recommendation.capacity, 12, 'all requests: the burst size');
  // Independently: the smallest level whose cumulative share of requests reaches 90 %.
  const total = stats.inUseHistogram.reduce((x, [, n]) => x + n, 0);
  let cumulative = 0;
  const expected = stats.inUseHistogram.find(([, n]) => (cumulative += n) / total >= 0.9)[0];
  assert.equal(stats.recommendation.capacity, expected);
  assert.ok(expected > 3 && expected < 12, `bursts to 7 are more than 10 % of requests: ${expected}`);
  // With a capacity at or above the high-water mark, idle = capacity − in use at every
  // moment, so the time-weighted idle mean is exactly capacity − the mean in use.
  const full = probe.stats(1);
  assert.ok(Math.abs(full.recommendation.idleObjectsMean - (full.recommendation.capacity - full.inUseMean)) < 1e-6);
  assert.ok(probe.stats(0.5).recommendation.idleObjectsMean < full.recommendation.idleObjectsMean, 'a smaller pool idles less');
  assert.equal(full.recommendation.idleBytesMean, null, 'no objectBytes given');
});

test('pools.track: a library pool reporting acquire/release (with hits) and one observed through getters', async () => {
  const tracked = pools.track('lib-pool', { objectBytes: 4096, capacity: 10 });
  let inUse = 0;
  for (let i = 1; i <= 1000; i++) {
    const want = demand(i);
    while (inUse < want) { tracked.acquire(inUse < 3); inUse++; }
    while (inUse > want) { tracked.release(); inUse--; }
  }
  let watched = 0;
  const getter = pools.track('getter-pool', { inUse: () => watched, idle: () => 4, sampleIntervalMs: 5 });
  for (const level of [1, 3, 3, 8, 2]) { watched = level; await new Promise((r) => setTimeout(r, 20)); }
  const all = pools.stats();
  const a = all.find((p) => p.name === 'lib-pool');
  const g = all.find((p) => p.name === 'getter-pool');
  assert.equal(a.kind, 'tracked');
  assert.equal(a.hits + a.misses, a.acquires);
  assert.ok(a.hitRate > 0 && a.hitRate < 1);
  assert.equal(a.inUseHighWater, 12);
  assert.equal(a.capacity, 10);
  assert.equal(a.recommendation.idleBytesMean, a.recommendation.idleObjectsMean * 4096);
  assert.equal(g.inUseHighWater, 8);
  assert.equal(g.idle, 4);
  assert.ok(g.inUseHistogram.some(([level]) => level === 8), 'the getter was sampled at 8');
  assert.equal(pools.unregister('getter-pool'), true);
  assert.equal(pools.unregister('getter-pool'), false);
  assert.deepEqual(pools.nodeBufferPool(), { kind: 'engine', name: 'node:Buffer.poolSize', slabBytes: Buffer.poolSize, maxPooledRequestBytes: Buffer.poolSize >>> 1 });
});

test('pools misuse: clear errors with codes', () => {
  const cases = [
    [() => new ObjectPool('x', {}), 'ERR_ALLOCSCOPE_INVALID_OPTION', /option "create" must be a function/],
    [() => new ObjectPool('', { create: () => 1 }), 'ERR_ALLOCSCOPE_INVALID_ARGUMENT', /takes a pool name/],
    [() => new ObjectPool('x', { create: () => 1, capacity: -1 }), 'ERR_ALLOCSCOPE_INVALID_OPTION', /"capacity" must be an integer from 0/],
    [() => new ObjectPool('x', { create: () => 1, capacity: 2, preallocate: 3 }), 'ERR_ALLOCSCOPE_INVALID_OPTION', /"preallocate" \(3\) must not exceed "capacity" \(2\)/],
    [() => new ObjectPool('x', { create: () => 1, capacty: 2 }), 'ERR_ALLOCSCOPE_UNKNOWN_OPTION', /did you mean "capacity"/],
    [() => new ObjectPool('x', { create: () => 1, reset: 5 }), 'ERR_ALLOCSCOPE_INVALID_OPTION', /"reset" must be a function/],
    [() => pools.track('y', { inUse: 3 }), 'ERR_ALLOCSCOPE_INVALID_OPTION', /"inUse" must be a function/],
    [() => pools.track('y', { sampleIntervalMs: 0 }), 'ERR_ALLOCSCOPE_INVALID_OPTION', /"sampleIntervalMs"/],
    [() => pools.stats(0), 'ERR_ALLOCSCOPE_INVALID_ARGUMENT', /share in \(0, 1\]/],
    [() => pools.stats(1.5), 'ERR_ALLOCSCOPE_INVALID_ARGUMENT', /share in \(0, 1\]/],
  ];
  for (const [fn, code, pattern] of cases) {
    assert.throws(fn, (e) => e instanceof TypeError && e.code === code && pattern.test(e.message), String(fn));
  }
  pools.track('dup');
  assert.throws(() => pools.track('dup'), /a pool named "dup" is registered already/);
  assert.throws(() => pools.track('dup2').acquire('yes'), /acquire\(hit\) takes a boolean/);
});

test('pools registered by a program appear in allocscope stats, in its capture and in the reports', () => {
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const { runCli, DIST } = require('./helpers');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-pools-'));
  try {
    const app = path.join(dir, 'pool-app.js');
    fs.writeFileSync(app, `
      const { pools } = require(${JSON.stringify(DIST)});
      const p = pools.objectPool('parsers', { create: () => ({ buf: Buffer.alloc(2048) }), capacity: 4, objectBytes: 2200 });
      const held = [];
      for (let i = 1; i <= 5000; i++) { const want = i % 50 === 0 ? 9 : 2; while (held.length < want) held.push(p.acquire()); while (held.length > want) p.release(held.pop()); }
      while (held.length) p.release(held.pop());`);
    const stats = runCli(['stats', '--json', app]);
    assert.equal(stats.status, 0, stats.stderr);
    const report = JSON.parse(stats.stdout);
    assert.deepEqual(report.pools.map((p) => p.name), ['parsers', 'node:Buffer.poolSize'], "the program's pool, then the engine's");
    assert.equal(report.pools[0].recommendation.capacity, 9, 'bursts of 9 are 2 % of the requests: 99 % needs 9');
    assert.ok(report.pools[0].hitRate < 0.5, 'capacity 4 misses the bursts');

    const capture = path.join(dir, 'pools.allocscope');
    assert.equal(runCli(['run', '-q', '-o', capture, app]).status, 0);
    const text = runCli(['report', capture]).stdout;
    assert.match(text, /^Pools$/m);
    assert.match(text, /^\s+parsers\s+object\s+[\d,]+\s+[\d.]+ %\s+0\s+9\s+4\s+9\s/m);
    const md = runCli(['report', capture, '--format', 'markdown']).stdout;
    assert.match(md, /^\| parsers \| object \|/m);
    const json = JSON.parse(runCli(['report', capture, '--format', 'json']).stdout);
    assert.equal(json.pools[0].inUseHighWater, 9);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('examples/tuned-pool.js: the recommended capacity lifts the hit rate above 99 % and cuts allocation', () => {
  const path = require('node:path');
  const { runNode, ROOT } = require('./helpers');
  const r = runNode({ file: path.join(ROOT, 'examples', 'tuned-pool.js') });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /before \(guess\)'\s*│ 3\s*│ '80\.\d %'/);
  assert.match(r.stdout, /after \(recommended\)'\s*│ 13\s*│ '99\.\d %'/);
  assert.match(r.stdout, /allocscope recommended 13 parsers for 99 % of requests without a miss \(in use peaked at 14/);
});
