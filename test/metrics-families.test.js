'use strict';
// The table of metric families (lib/metrics/families.ts) is the only place a
// family is declared: its name is written there once, its labels come from the
// series it reads, and every family reads its value from the collected figures.
// Figures here are synthetic (every field set, two threads), so each family's
// samples can be checked exactly without a running registry.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { DIST, ROOT } = require('./helpers');

const { FAMILIES } = require(path.join(DIST, 'metrics', 'families'));
const { readFamilies } = require(path.join(DIST, 'metrics', 'family'));
const { promSamples } = require(path.join(DIST, 'metrics', 'prom-metric'));
const { metrics } = require(DIST);

const gcKind = (type, count) => ({ type, count, sumSeconds: count / 1000, buckets: Array.from({ length: 17 }, (_, i) => Math.min(count, i)), freedBytes: 1000 * count });
const thread = (threadId) => ({
  threadId,
  gc: { kinds: [gcKind('scavenge', 12), gcKind('markSweepCompact', 3)], timeSeconds: 0.5, timeRatio: 0.01, promotedBytes: 777 },
  heap: {
    spaces: [{ name: 'new_space', usedBytes: 1, committedBytes: 2, availableBytes: 3, physicalBytes: 2 }, { name: 'old_space', usedBytes: 11, committedBytes: 12, availableBytes: 13, physicalBytes: 12 }],
    usedBytes: 100 + threadId, committedBytes: 200, physicalBytes: 150, limitBytes: 4e9, externalBytes: 9, detachedContexts: 0, fragmentationRatio: 0.25,
  },
  pools: [
    { name: 'buffers', kind: 'buffer', acquires: 5, releases: 4, hits: 3, misses: 2, inUse: 1, inUseHighWater: 3, idle: null, capacityObjects: null, recommendedCapacityObjects: null, slabBytes: 4096, recommendedBytes: 2048,
      classes: [{ blockBytes: 64, blocks: 10, inUseBlocks: 2, requestedBytes: 100, handedOutBytes: 128, allocations: 7, misses: 1 }] },
    { name: 'objects', kind: 'object', acquires: 6, releases: 5, hits: null, misses: null, inUse: 1, inUseHighWater: 2, idle: 4, capacityObjects: 8, recommendedCapacityObjects: 6, slabBytes: null, recommendedBytes: null, classes: [] },
    { name: 'tracked', kind: 'tracked', acquires: 0, releases: 0, hits: NaN, misses: Infinity, inUse: 1, inUseHighWater: 1, idle: 1, capacityObjects: 4, recommendedCapacityObjects: null, slabBytes: null, recommendedBytes: null, classes: [] },
  ],
  poolsOmitted: 2,
});
const FIGURES = {
  threads: [thread(0), thread(3)],
  process: { malloc: { allocator: 'glibc', allocatedBytes: 1, freeBytes: 2, footprintBytes: 3, fragmentationRatio: 0.5, readAgeSeconds: 1.5 }, unattributedBytes: 42 },
  sources: {
    continuous: { collections: 3, collectionSecondsTotal: 0.3, lastCollectionSeconds: 0.1, blockingSecondsTotal: 0.05, lastLongestStageSeconds: 0.01,
      exporters: [{ name: 'file', exports: 1, exportedBytes: 10, failures: 0, dropped: 0, queueLength: 0 }] },
    leaks: { watches: 1, majorGcs: 4, leakEvents: 0, liveEstimateBytes: 1e6, streakGrowthBytes: 10, streakGrowingGcs: 1 },
    errors: 0,
  },
  workersHeld: 1, workerReportsDropped: 0, sourceErrors: 0,
  collectCost: { cumulative: Array.from({ length: 11 }, (_, i) => Math.min(i, 4)), count: 5, sum: 0.002 },
};

test('a family\'s name is written once in lib/metrics: in the table', () => {
  const dir = path.join(ROOT, 'lib', 'metrics');
  const table = fs.readFileSync(path.join(dir, 'families.ts'), 'utf8');
  for (const f of FAMILIES) {
    assert.equal(table.split(`'${f.name}'`).length - 1, 1, `${f.name} is declared once in families.ts`);
  }
  for (const file of fs.readdirSync(dir, { recursive: true }).filter((n) => n.endsWith('.ts') && n !== 'families.ts')) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    assert.deepEqual(text.match(/allocscope_[a-z][a-z0-9_]*/g), null, `lib/metrics/${file} names a metric`);
  }
  // The table is what users are shown.
  assert.deepEqual(metrics.families.map((f) => f.name), FAMILIES.map((f) => f.name));
});

test('every family reads a sample from the figures, labelled exactly with its declared labels', () => {
  const points = readFamilies(FAMILIES, FIGURES);
  assert.equal(points.size, FAMILIES.length);
  for (const f of FAMILIES) {
    const list = points.get(f);
    assert.ok(list.length > 0, `${f.name}: no sample from figures that have every field`);
    for (const p of list) assert.deepEqual(Object.keys(p.labels), f.labels, `${f.name}: label names, in order`);
  }
  const byName = (name) => points.get(FAMILIES.find((f) => f.name === name));
  // One sample per row of the family's series, read from that row.
  assert.deepEqual(byName('allocscope_heap_space_used_bytes').map((p) => [p.labels.thread_id, p.labels.space, p.value]),
    [[0, 'new_space', 1], [0, 'old_space', 11], [3, 'new_space', 1], [3, 'old_space', 11]]);
  assert.deepEqual(byName('allocscope_heap_used_bytes').map((p) => p.value), [100, 103]);
  assert.deepEqual(byName('allocscope_pool_class_handed_out_bytes').map((p) => [p.labels.pool, p.labels.block_bytes, p.value]), [['buffers', 64, 128], ['buffers', 64, 128]]);
  assert.deepEqual(byName('allocscope_continuous_exports_total').map((p) => p.labels), [{ exporter: 'file' }]);
  // null and non-finite values are no sample: only the Buffer pool reports hits (the object pool's are null, the tracked one's NaN).
  assert.deepEqual(byName('allocscope_pool_hits_total').map((p) => p.labels.pool), ['buffers', 'buffers']);
  assert.deepEqual(byName('allocscope_pool_misses_total').map((p) => p.labels.pool), ['buffers', 'buffers']);
  // A histogram's series carries its buckets, count and sum; prom-client gets _bucket per bound and +Inf, _sum, _count.
  const pause = FAMILIES.find((f) => f.name === 'allocscope_gc_pause_seconds');
  const scavenge = points.get(pause).find((p) => p.labels.thread_id === 0 && p.labels.type === 'scavenge');
  assert.deepEqual([scavenge.count, scavenge.sum], [12, 0.012]);
  const samples = promSamples(pause, [scavenge]);
  assert.equal(samples.length, pause.le.length + 3);
  assert.deepEqual(samples.at(-3), { metricName: 'allocscope_gc_pause_seconds_bucket', labels: { thread_id: 0, type: 'scavenge', le: '+Inf' }, value: 12 });
  assert.deepEqual(samples.at(-1), { metricName: 'allocscope_gc_pause_seconds_count', labels: { thread_id: 0, type: 'scavenge' }, value: 12 });
  assert.equal(samples[0].labels.le, 2 ** 14 / 1e9);
});

test('figures a module does not report give its families no sample', () => {
  const bare = {
    ...FIGURES,
    threads: [{ ...thread(0), gc: null, pools: null }],
    process: null,
    sources: { continuous: null, leaks: null, errors: 0 },
    collectCost: null,
  };
  const points = readFamilies(FAMILIES, bare);
  const withSamples = new Set(FAMILIES.filter((f) => points.get(f).length > 0).map((f) => f.group));
  assert.deepEqual([...withSamples].sort(), ['heap', 'metrics']);
  const metricsWithSamples = FAMILIES.filter((f) => f.group === 'metrics' && points.get(f).length > 0).map((f) => f.name);
  assert.deepEqual(metricsWithSamples, ['allocscope_metrics_workers', 'allocscope_metrics_worker_reports_dropped_total', 'allocscope_metrics_source_errors_total']);
});
