'use strict';
// compare(): strategies side by side with exact ratios, significance and memory figures.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNodeJson } = require('./helpers');

test('ratios to the baseline are exact for counts; pool figures follow each strategy', () => {
  const { json } = runNodeJson({
    code: `
      const { compare, pools } = require(process.env.ALLOCSCOPE_DIST);
      const pool = pools.create('cmp-pool', { mode: 'fast' });
      const sink = [];
      (async () => {
        const c = await compare({
          one: () => { sink[0] = { a: 1 }; },
          three: () => { for (let i = 0; i < 3; i++) sink[i] = { a: i }; },
          pooled: () => { const b = pool.alloc(1024); b[0] = 1; pool.release(b); },
        }, { rounds: 4, roundMs: 10, countRounds: 2, baseline: 'three' });
        console.log(JSON.stringify({ text: String(c), baseline: c.baseline, rows: c.rows.map((r) => ({ name: r.name, ratios: r.ratios, p: r.p,
          allocs: r.result.counting.allocsPerOp.median, rounds: r.result.timing.nsPerOp.rounds.length, pools: r.memory.pools.map((p) => p.name),
          frag: r.memory.heapFragmentation })) }));
      })();`,
  });
  const row = (n) => json.rows.find((r) => r.name === n);
  assert.equal(json.baseline, 'three');
  assert.equal(row('one').allocs, 1);
  assert.equal(row('three').allocs, 3);
  assert.ok(Math.abs(row('one').ratios.allocsPerOp - 1 / 3) < 1e-9);
  assert.ok(Math.abs(row('one').ratios.bytesPerOp - 1 / 3) < 1e-9);
  assert.equal(row('three').ratios.nsPerOp, null);
  assert.equal(row('three').p, null);
  assert.ok(row('one').p >= 0 && row('one').p <= 1);
  assert.equal(row('pooled').allocs, 0);
  for (const r of json.rows) {
    assert.equal(r.rounds, 4);
    assert.deepEqual(r.pools, ['cmp-pool']);
    assert.ok(r.frag >= 0 && r.frag < 1);
  }
  assert.match(json.text, /^strategy\s+ns\/op/);
  assert.match(json.text, /^one\s+[\d.]+ ± [\d.]+%/m);
  assert.match(json.text, /baseline: three/);
});

test('misuse: clear errors with codes', () => {
  const { json } = runNodeJson({
    code: `
      const { compare } = require(process.env.ALLOCSCOPE_DIST);
      const out = {};
      const grab = async (name, p) => { try { await p; out[name] = 'ok'; } catch (e) { out[name] = e.code; } };
      (async () => {
        await grab('empty', compare({}));
        await grab('array', compare([() => {}]));
        await grab('notFunction', compare({ a: 1 }));
        await grab('baseline', compare({ a: () => {} }, { baseline: 'b' }));
        await grab('alpha', compare({ a: () => {} }, { alpha: 2 }));
        console.log(JSON.stringify(out));
      })();`,
  });
  assert.deepEqual(json, { empty: 'ERR_ALLOCSCOPE_INVALID_ARGUMENT', array: 'ERR_ALLOCSCOPE_INVALID_ARGUMENT', notFunction: 'ERR_ALLOCSCOPE_INVALID_ARGUMENT', baseline: 'ERR_ALLOCSCOPE_INVALID_OPTION', alpha: 'ERR_ALLOCSCOPE_INVALID_OPTION' });
});
