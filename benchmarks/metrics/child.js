'use strict';
// One benchmark process: a service-like heap, one metrics set-up (the variant),
// then `scrapes` scrapes of the registry (Registry.metrics(): collection and
// text formatting, what Prometheus's GET /metrics costs), each timed.
// Usage: node child.js <variant> <scrapes> <liveObjects> [scrapes-only]
// (scrapes-only: no extra measurements after the scrapes, for callgrind.) Prints one JSON line.
const path = require('node:path');
const { Registry, collectDefaultMetrics } = require('prom-client');
const a = require(path.join(__dirname, '..', '..'));

const [variant, scrapesArg, liveArg] = process.argv.slice(2);
const scrapes = Number(scrapesArg);
const liveObjects = Number(liveArg);
const scrapesOnly = process.argv[5] === 'scrapes-only';
const VARIANTS = ['empty', 'allocscope', 'allocscope-malloc', 'prom-default', 'both'];
if (!VARIANTS.includes(variant) || !(scrapes >= 0) || !(liveObjects >= 0)) {
  console.error(`usage: child.js <${VARIANTS.join('|')}> <scrapes> <liveObjects>`);
  process.exit(2);
}

// A service-like state: a live heap, GCs of several kinds behind us, a Buffer
// pool with traffic over ~20 size classes and an object pool.
const live = [];
for (let i = 0; i < liveObjects; i++) live.push({ id: i, name: `item-${i}`, tags: [i & 7] });
const registry = new Registry();
if (variant === 'allocscope' || variant === 'both') a.metrics.register(registry);
if (variant === 'allocscope-malloc') a.metrics.register(registry, { mallocMaxAgeMs: 0 });
if (variant === 'prom-default' || variant === 'both') collectDefaultMetrics({ register: registry });
const buffers = a.pools.create('buffers');
const held = [];
for (let i = 0; i < 2000; i++) {
  held.push(buffers.alloc(64 + (i * 97) % 8000));
  if (held.length > 300) buffers.release(held.shift());
}
const objects = a.pools.objectPool('objects', { create: () => ({}) });
for (let i = 0; i < 100; i++) objects.release(objects.acquire());
let churn = [];
for (let i = 0; i < 300000; i++) { churn.push({ i }); if (churn.length > 10000) churn = []; }

const hasAllocscope = !scrapesOnly && (variant.startsWith('allocscope') || variant === 'both');
/** allocscope's own collection-cost histogram: [sum seconds, count]. */
async function collectCost() {
  const v = (await registry.getMetricsAsJSON()).find((f) => f.name === 'allocscope_metrics_collect_seconds').values;
  return [v.find((x) => x.metricName.endsWith('_sum')).value, v.find((x) => x.metricName.endsWith('_count')).value];
}

(async () => {
  let checksum = 0;
  // Warm-up: JIT, first allocator read, prom-client's lazy set-up.
  for (let i = 0; i < Math.min(20, scrapes); i++) checksum += (await registry.metrics()).length;
  const costBefore = hasAllocscope ? await collectCost() : null;
  const times = [];
  for (let i = 0; i < scrapes; i++) {
    const t0 = process.hrtime.bigint();
    const text = await registry.metrics();
    times.push(Number(process.hrtime.bigint() - t0) / 1e3);
    checksum += text.length;
  }
  times.sort((x, y) => x - y);
  const q = (p) => (times.length ? times[Math.min(times.length - 1, Math.floor(p * times.length))] : null);
  // allocscope's collection alone (readings + samples, no text): one family's
  // get() runs one whole collection. Median, and the mean allocscope reports
  // itself in allocscope_metrics_collect_seconds over the timed scrapes.
  let collectMedianUs = null;
  let collectMeanUs = null;
  if (hasAllocscope) {
    const costAfter = await collectCost();
    collectMeanUs = ((costAfter[0] - costBefore[0]) / (costAfter[1] - costBefore[1] - 1)) * 1e6; // - 1: collectCost()'s own scrape
    const family = registry.getSingleMetric('allocscope_heap_used_bytes');
    const collects = [];
    for (let i = 0; i < scrapes; i++) {
      const t0 = process.hrtime.bigint();
      await family.get();
      collects.push(Number(process.hrtime.bigint() - t0) / 1e3);
    }
    collects.sort((x, y) => x - y);
    collectMedianUs = collects.length ? collects[collects.length >> 1] : null;
  }
  const text = await registry.metrics();
  console.log(JSON.stringify({
    variant, scrapes, medianUs: q(0.5), p25Us: q(0.25), p75Us: q(0.75), collectMedianUs, collectMeanUs,
    bytes: text.length, samples: text.split('\n').filter((l) => l && !l.startsWith('#')).length,
    checksum, live: live.length + held.length,
  }));
})();
