'use strict';
// GIVEN metrics.registerOpenTelemetry(meter) on a real OpenTelemetry MeterProvider
// (@opentelemetry/sdk-metrics) WHEN its reader collects THEN allocscope's families
// arrive as instruments with the same values as metrics.register() on prom-client.
const test = require('node:test');
const assert = require('node:assert/strict');
const { MeterProvider, MetricReader } = require('@opentelemetry/sdk-metrics');
const { Registry } = require('prom-client');
const { metrics } = require('../dist');

class TestReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

/** name → [{ attributes, value }] of one collection. */
async function collect(reader) {
  const { resourceMetrics, errors } = await reader.collect();
  assert.deepEqual(errors, []);
  const out = new Map();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const m of scope.metrics) out.set(m.descriptor.name, { descriptor: m.descriptor, points: m.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })) });
  }
  return out;
}

/** A prom-client registry's samples of one metric name, with labels. */
async function promSamples(registry, family, metricName = family) {
  const json = await registry.getMetricsAsJSON();
  return json.find((m) => m.name === family).values.filter((v) => (v.metricName ?? family) === metricName);
}

test('the families arrive as OpenTelemetry instruments: counters without _total, histograms as _count and _sum, values equal to prom-client\'s', async () => {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const registration = metrics.registerOpenTelemetry(provider.getMeter('allocscope'));
  const registry = new Registry();
  const prom = metrics.register(registry);
  try {
    // Some GCs to count.
    for (let i = 0; i < 200; i++) new Array(10_000).fill(i);
    const otel = await collect(reader);
    // Every family has its instrument(s).
    for (const f of metrics.families) {
      const names = f.type === 'histogram' ? [`${f.name}_count`, `${f.name}_sum`] : [f.type === 'counter' ? f.name.replace(/_total$/, '') : f.name];
      for (const n of names) assert.ok(registration.names.includes(n), `instrument ${n}`);
    }
    const used = otel.get('allocscope_heap_space_used_bytes');
    assert.equal(used.descriptor.unit, 'By');
    const oldSpace = used.points.find((p) => p.attributes.space === 'old_space' && p.attributes.thread_id === 0);
    assert.ok(oldSpace.value > 1e6, `old_space used ${oldSpace?.value}`);

    // GC counts: the same in both exporters when no GC falls between the two reads.
    for (let attempt = 0; ; attempt++) {
      const o = await collect(reader);
      const p = await promSamples(registry, 'allocscope_gc_pause_seconds', 'allocscope_gc_pause_seconds_count');
      const o2 = await collect(reader);
      const count = (m) => m.get('allocscope_gc_pause_seconds_count').points.find((x) => x.attributes.type === 'scavenge' && x.attributes.thread_id === 0).value;
      const promCount = p.find((v) => v.labels.type === 'scavenge' && v.labels.thread_id === 0).value;
      if (count(o) !== count(o2) && attempt < 3) continue; // a GC in between: read again
      assert.equal(count(o), promCount);
      assert.ok(promCount > 0, 'scavenges counted');
      assert.equal(o.get('allocscope_gc_pause_seconds_count').descriptor.type, 'OBSERVABLE_COUNTER');
      break;
    }
    // A counter lost its _total, a gauge kept its name.
    assert.ok(otel.has('allocscope_gc_time_seconds'));
    assert.ok(otel.has('allocscope_gc_time_ratio'));
    assert.equal(otel.has('allocscope_gc_time_seconds_total'), false);
  } finally {
    prom.unregister();
    assert.equal(registration.unregister(), true);
    assert.equal(registration.unregister(), false);
  }
  // After unregister() nothing is observed any more: the SDK keeps re-exporting the
  // last cumulative points, and they no longer move however the heap changes.
  const last = await collect(reader);
  const keep = Array.from({ length: 50_000 }, (_, i) => ({ i }));
  const after = await collect(reader);
  const used = (m) => m.get('allocscope_heap_used_bytes').points.find((p) => p.attributes.thread_id === 0).value;
  assert.equal(used(after), used(last));
  assert.equal(keep.length, 50_000);
  await provider.shutdown();
});

test('misuse: not a meter, the same meter twice, bad options: coded errors', () => {
  const provider = new MeterProvider({ readers: [new TestReader()] });
  const meter = provider.getMeter('x');
  const code = (f) => { try { f(); return null; } catch (e) { return e.code; } };
  assert.equal(code(() => metrics.registerOpenTelemetry({})), 'ERR_ALLOCSCOPE_INVALID_ARGUMENT');
  assert.equal(code(() => metrics.registerOpenTelemetry(meter, { maxPools: -1 })), 'ERR_ALLOCSCOPE_INVALID_OPTION');
  assert.equal(code(() => metrics.registerOpenTelemetry(meter, { gcc: true })), 'ERR_ALLOCSCOPE_UNKNOWN_OPTION');
  const r = metrics.registerOpenTelemetry(meter);
  assert.equal(code(() => metrics.registerOpenTelemetry(meter)), 'ERR_ALLOCSCOPE_ALREADY_REGISTERED');
  r.unregister();
  metrics.registerOpenTelemetry(meter).unregister(); // registrable again
});
