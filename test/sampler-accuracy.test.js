'use strict';
// GIVEN sites whose true allocation volume is known (used_heap_size deltas with
// no GC in between, checked by the GC tracker), THEN the sampler's unbiased
// estimates land within the Poisson error: A/B within ±15 %, total within ±10 %.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNodeJson } = require('./helpers');

const within = (got, want, tolerance, label) =>
  assert.ok(Math.abs(got / want - 1) <= tolerance, `${label}: estimated ${got.toFixed(0)} vs true ${want.toFixed(0)} (${((got / want - 1) * 100).toFixed(1)} %, allowed ±${tolerance * 100} %)`);

test('allocated mode: per-site estimates match the true volumes (A = 10 × B; 8 KiB objects corrected for size)', () => {
  // 16 KiB interval: site B (24 MB) gets ~1,500 samples, so its relative error is ~2.6 % (1σ).
  const { json } = runNodeJson({
    file: `${__dirname}/fixtures/sampler-accuracy.js`, args: ['16384'],
    nodeArgs: ['--max-semi-space-size=1024', '--min-semi-space-size=1024'],
  });
  assert.equal(json.gcsDuring, 0, 'no GC during the measured run, so the used_heap_size deltas are the true volumes');
  assert.ok(json.samplesB >= 400, `site B needs ≥ 400 samples, got ${json.samplesB}`);
  const { truth, estimate } = json;
  assert.ok(Math.abs(truth.A / truth.B - 10) < 0.1, 'the ground truth itself is 10:1');
  within(estimate.A / estimate.B, truth.A / truth.B, 0.15, 'A/B ratio');
  within(estimate.total, truth.total, 0.10, 'total');
  within(estimate.A, truth.A, 0.10, 'site A');
  within(estimate.B, truth.B, 0.15, 'site B');
  // Objects of ~8 KiB at a 16 KiB interval: without V8's 1/(1 − e^(−size/interval))
  // scaling the estimate would be 2.5× too low. It is unbiased.
  within(estimate.C, truth.C, 0.15, 'site C (8 KiB objects)');
});
