'use strict';
// The statistics behind --compare and compare(): checked against SciPy's
// mannwhitneyu (two-sided; exact without ties, asymptotic with continuity otherwise).
const test = require('node:test');
const assert = require('node:assert/strict');
const { mannWhitneyU, spreadOf, median } = require('../dist/bench/statistics');

test('Mann-Whitney U p-values match SciPy', () => {
  const cases = [
    [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], 0.007936507936507936],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [3.5, 5.5, 7.5, 9.5, 11, 12, 13, 14, 15, 16], 0.00893069778518695],
    [[64, 64, 64, 64, 64], [32, 32, 32, 32, 32], 0.003976751709788651],
    [[1, 2, 2, 3, 3, 3, 4], [3, 4, 4, 5, 5, 6], 0.012999854364387305],
  ];
  for (const [a, b, p] of cases) assert.ok(Math.abs(mannWhitneyU(a, b) - p) < 1e-6, `${a} vs ${b}: ${mannWhitneyU(a, b)} vs SciPy ${p}`);
  assert.equal(mannWhitneyU([5, 5, 5], [5, 5, 5]), 1);
  assert.equal(mannWhitneyU([], [1]), 1);
  // Symmetric.
  assert.equal(mannWhitneyU([1, 3, 5], [2, 4, 6, 8]), mannWhitneyU([2, 4, 6, 8], [1, 3, 5]));
});

test('spread: median, outliers dropped from ± (benchstat style)', () => {
  const s = spreadOf([100, 101, 99, 100, 102, 98, 100, 500]);
  assert.equal(s.median, 100);
  assert.equal(s.max, 500);
  assert.equal(s.spreadPct, 2); // 500 is an outlier; the rest are within 2 %
  assert.deepEqual(s.rounds, [100, 101, 99, 100, 102, 98, 100, 500]);
  assert.equal(median([3, 1, 2, 10]), 2.5);
});
