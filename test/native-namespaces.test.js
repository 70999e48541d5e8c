'use strict';
// The addon's exports are one namespace per native concern (each registered by
// its own Register()), the wrappers find theirs, and an addon built from older
// sources is refused with a coded error at load rather than at the first call.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { DIST, ROOT, runNodeJson } = require('./helpers');

const NAMESPACES = ['callLoop', 'envState', 'gc', 'heapLimit', 'heapStats', 'isolate', 'malloc', 'mallocProfiler', 'pool', 'rss', 'sampler', 'snapshot', 'threadClock'];

test('GIVEN the addon WHEN loaded THEN every export is a namespace object of functions and constants, none a bare function', () => {
  const { native } = require(path.join(DIST, 'core', 'native'));
  assert.deepEqual(Object.keys(native).sort(), NAMESPACES);
  for (const name of NAMESPACES) {
    const namespace = native[name];
    assert.equal(typeof namespace, 'object', name);
    const functions = Object.keys(namespace).filter((k) => typeof namespace[k] === 'function');
    assert.ok(functions.length > 0, `${name} has no functions`);
    for (const f of functions) assert.equal(namespace[f].name, f, `${name}.${f} is named after its key`);
  }
  assert.equal(typeof native.isolate.v8Version, 'string');
  assert.ok(process.versions.v8.startsWith(native.isolate.v8Version.split('.').slice(0, 2).join('.')));
  assert.deepEqual(Object.keys(native.gc.layout).sort(), ['counterHeader', 'histogramBuckets', 'histogramSubBits', 'kindCount', 'kindFields', 'kindNames']);
  assert.equal(native.gc.layout.kindNames.length, native.gc.layout.kindCount);
});

test('GIVEN an addon without the gc namespace WHEN the GC wrapper loads THEN it throws ERR_ALLOCSCOPE_ADDON_OUTDATED naming it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-outdated-'));
  const fake = path.join(dir, 'old-addon.js');
  // The real addon with one namespace missing, as a build from older sources would be.
  const real = process.env.ALLOCSCOPE_ADDON ? path.resolve(process.env.ALLOCSCOPE_ADDON) : require('node-gyp-build').path(ROOT);
  fs.writeFileSync(fake, `const real = require(${JSON.stringify(real)});
module.exports = Object.fromEntries(Object.entries(real).filter(([k]) => k !== 'gc'));`);
  try {
    const { json } = runNodeJson({
      env: { ALLOCSCOPE_ADDON: fake },
      code: `
        const dist = process.env.ALLOCSCOPE_DIST;
        let error;
        try { require(dist + '/runtime/gc'); } catch (e) { error = { code: e.code, message: e.message }; }
        console.log(JSON.stringify({ error, heapLoads: typeof require(dist + '/runtime/heap').heap.stats().usedHeapSizeBytes }));`,
    });
    assert.equal(json.error.code, 'ERR_ALLOCSCOPE_ADDON_OUTDATED');
    assert.match(json.error.message, /no "gc" bindings/);
    assert.equal(json.heapLoads, 'number');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('GIVEN GCs tracked WHEN stopped THEN readGcCounters() and gcPauseNs() agree with gc.summary()', () => {
  const { json } = runNodeJson({
    code: `
      const { gc } = require(process.env.ALLOCSCOPE_DIST);
      const { readGcCounters, gcPauseNs } = require(process.env.ALLOCSCOPE_DIST + '/runtime/gc');
      const { native } = require(process.env.ALLOCSCOPE_DIST + '/core/native');
      gc.start();
      let keep = [];
      for (let i = 0; i < 2e6; i++) { keep.push({ i }); if (keep.length > 50000) keep = []; }
      native.isolate.collectGarbage();
      gc.stop();
      const c = readGcCounters();
      const s = gc.summary();
      console.log(JSON.stringify({
        kinds: c.kinds.map((k) => k.type),
        histogramLengths: c.kinds.map((k) => k.histogram.length),
        histogramCounts: c.kinds.map((k) => k.histogram.reduce((a, b) => a + b, 0)),
        counts: c.kinds.map((k) => k.count),
        byType: Object.fromEntries(Object.entries(s.byType).map(([t, v]) => [t, v.count])),
        summaryCount: s.count, gcTimeMs: s.gcTimeMs, pauseMs: gcPauseNs() / 1e6, topLevelMs: c.topLevelPauseNs / 1e6,
        layout: native.gc.layout,
      }));`,
  });
  assert.deepEqual(json.kinds, json.layout.kindNames);
  for (const n of json.histogramLengths) assert.equal(n, json.layout.histogramBuckets);
  // Every counted GC is in its kind's histogram, once.
  assert.deepEqual(json.histogramCounts, json.counts);
  assert.ok(json.summaryCount >= 2, `GCs: ${json.summaryCount}`);
  assert.equal(json.counts.reduce((a, b) => a + b, 0), json.summaryCount);
  for (const [type, count] of Object.entries(json.byType)) assert.equal(json.counts[json.kinds.indexOf(type)], count, type);
  assert.ok(json.byType.markSweepCompact >= 1, 'the forced full GC is counted');
  assert.equal(json.pauseMs, json.gcTimeMs);
  assert.equal(json.topLevelMs, json.gcTimeMs);
});
