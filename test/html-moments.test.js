'use strict';
// The HTML report's moments of the live heap, without a browser: a moment's
// profile and top table as the page builds them from its data, the nearest
// moment to a click, the hash's `at`, the stacked chart's series, and the page
// data built from a real capture (what report --at gives, in a smaller form).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { DIST } = require('./helpers');

const client = (name) => require(path.join(DIST, 'reporters', 'html', 'client', `${name}.js`));
const { momentProfile, momentTop, nearestMoment, momentOfHash, hashOfMoment, momentLabel, openingMoment } = client('moments');
const { stackedSites, OTHER_SITES } = client('moments-series');

// Tree: 0 all ─ 1 run ─┬─ 2 build
//                      └─ 3 read
// Moment 0 (0.5 s): read 10; moment 1 (1.5 s, the peak): build 60, read 30; moment 2 (3 s): read 5.
const M = {
  seconds: [0.5, 1.5, 3],
  usedBytes: [20 << 20, 100 << 20, 10 << 20],
  peakIndex: 1,
  tree: {
    intervalBytes: 1024, strings: ['all', 'run', 'build', 'read', 'a.js'],
    frames: { name: [0, 1, 2, 3], file: [4, 4, 4, 4], line: [0, 1, 2, 3], column: [0, 1, 1, 1], kind: [0, 0, 0, 0], internal: [0, 0, 0, 0] },
    nodes: { parent: [-1, 0, 1, 1], frame: [0, 1, 2, 3] },
  },
  offset: [0, 1, 3, 4],
  node: [3, 2, 3, 3],
  bytes: [10, 60, 30, 5],
  objects: [1, 6, 3, 0.5],
  top: {
    by: 'site',
    labels: [{ label: 'build (a.js:2:1)', function: 'build', location: 'a.js:2:1' }, { label: 'read (a.js:3:1)', function: 'read', location: 'a.js:3:1' }],
    program: [{ rows: [[1, 10, 1]], total: 10 }, { rows: [[0, 60, 6], [1, 30, 3]], total: 90 }, { rows: [[1, 5, 0.5]], total: 5 }],
    innermost: [{ rows: [[1, 10, 1]], total: 10 }, { rows: [[0, 60, 6], [1, 30, 3]], total: 90 }, { rows: [[1, 5, 0.5]], total: 5 }],
  },
  sites: { labels: ['build (a.js:2:1)', 'read (a.js:3:1)'], bytes: [[0, 60, 0], [10, 30, 5]], otherBytes: [1, 2, 3] },
};

test('a moment\'s profile has its own bytes on the shared tree, and its table the shares Profile.top gives', () => {
  const P = momentProfile(M, 1);
  assert.deepEqual(P.nodes.selfBytes, [0, 0, 60, 30]);
  assert.equal(P.totalBytes, 90);
  assert.equal(P.mode, 'live');
  assert.equal(P.strings, M.tree.strings);
  const T = momentTop(M, 1, false);
  assert.deepEqual(T.rows.map((r) => [r.function, r.bytes, r.share, r.cumulativeShare, r.averageSize]),
    [['build', 60, 60 / 90, 60 / 90, 10], ['read', 30, 30 / 90, 1, 10]]);
  assert.equal(momentTop(M, 2, true).rows[0].label, 'read (a.js:3:1)');
});

test('a click picks the nearest moment; the hash names the peak as such and ignores what is not a moment', () => {
  assert.equal(nearestMoment(M, 0), 0);
  assert.equal(nearestMoment(M, 1.1), 1);
  assert.equal(nearestMoment(M, 2.4), 2);
  assert.equal(nearestMoment(M, 99), 2);
  assert.equal(hashOfMoment(M, 1), 'peak');
  assert.equal(hashOfMoment(M, 2), '2');
  assert.equal(hashOfMoment(M, null), null);
  assert.equal(momentOfHash(M, 'peak'), 1);
  assert.equal(momentOfHash(M, '2'), 2);
  for (const junk of [null, '3', '-1', '1.5', 'end', 'x']) assert.equal(momentOfHash(M, junk), null, String(junk));
  assert.equal(momentOfHash({ ...M, peakIndex: -1 }, 'peak'), null);
  assert.equal(momentLabel(M, 1), 'live heap at 1.50 s — the peak — 100 MiB used');
  assert.equal(momentLabel(M, 0), 'live heap at 0.50 s — 20.0 MiB used');
});

test('the page opens at the peak when what was alive at the end is under half of the peak\'s, else at the end', () => {
  // The peak moment's sampled total is 90 bytes.
  assert.equal(openingMoment(M, 0), 1);
  assert.equal(openingMoment(M, 44.9), 1);
  assert.equal(openingMoment(M, 45), null);
  assert.equal(openingMoment(M, 90), null);
  assert.equal(openingMoment({ ...M, peakIndex: -1 }, 0), null, 'no peak: the end');
});

test('the chart stacks the sites, largest at the bottom, "other" on top, on the timeline\'s span', () => {
  const s = stackedSites(M, { min: 0, max: 4 });
  assert.deepEqual(s.labels, ['build (a.js:2:1)', 'read (a.js:3:1)', OTHER_SITES]);
  assert.deepEqual(s.columns[0], [0, 0.5, 1.5, 3, 4]);
  assert.deepEqual(s.columns[1], [null, 0, 60, 0, null]);
  assert.deepEqual(s.columns[2], [null, 10, 90, 5, null]);
  assert.deepEqual(s.columns[3], [null, 11, 92, 8, null]);
  assert.deepEqual(s.own[2], [null, 1, 2, 3, null]);
  assert.deepEqual(s.bands, [[2, 1], [3, 2]]);
  // No timeline, or one within the moments: no added points.
  assert.deepEqual(stackedSites(M, null).columns[0], [0.5, 1.5, 3]);
  assert.deepEqual(stackedSites(M, { min: 1, max: 2 }).columns[0], [0.5, 1.5, 3]);
});
