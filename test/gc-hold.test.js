'use strict';
// GC tracking is shared by metrics.register(), continuous.start() and
// leaks.watch() (lib/metrics/gc-hold.ts): whichever starts first and whichever
// stops first, the ones still running keep receiving GC figures, and the
// tracker stops once the last of them stops (when none of them found it running).
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNodeJson } = require('./helpers');

const CHILD = `
  const a = require(process.env.ALLOCSCOPE_DIST);
  const { Registry } = require('prom-client');
  const out = (v) => console.log(JSON.stringify(v));
  const memoryExporter = () => ({
    name: 'memory', export() {}, close: async () => {},
    stats: () => ({ name: 'memory', exported: 0, bytesExported: 0, failures: 0, drops: 0, retries: 0, queueLength: 0, lastError: null }),
  });
  // Each module's own view of how many GCs it has seen.
  const modules = {
    metrics: {
      start() { this.registry = new Registry(); this.registration = a.metrics.register(this.registry, { malloc: false, workers: false }); },
      async gcs() {
        const families = await this.registry.getMetricsAsJSON();
        const f = families.find((x) => x.name === 'allocscope_gc_pause_seconds');
        return f.values.filter((v) => v.metricName === 'allocscope_gc_pause_seconds_count').reduce((s, v) => s + v.value, 0);
      },
      async stop() { this.registration.unregister(); },
    },
    continuous: {
      start() { this.session = a.continuous.start({ periodMs: 3600000, exporters: [memoryExporter()], workers: false }); },
      async gcs() { const c = await this.session.collect(); return c.figures.gc ? c.figures.gc.count : -1; },
      async stop() { await this.session.stop({ flush: false }); },
    },
    leaks: {
      start() { this.watch = a.leaks.watch({ topSites: 0 }); },
      async gcs() { return this.watch.majorGcs; }, // major GCs only: global.gc() is one
      async stop() { this.watch.stop(); },
    },
  };
  const permutations = (xs) => xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
  (async () => {
    const cases = [];
    const names = Object.keys(modules);
    for (const startOrder of permutations(names)) {
      for (const stopOrder of [startOrder, [...startOrder].reverse(), [startOrder[1], startOrder[0], startOrder[2]]]) {
        const c = { startOrder, stopOrder, checks: [], runningAtEnd: null };
        for (const name of startOrder) modules[name].start();
        const running = new Set(startOrder);
        for (const stopping of [null, ...stopOrder]) {
          if (stopping) { await modules[stopping].stop(); running.delete(stopping); }
          if (running.size === 0) break;
          // Ground truth: two forced full GCs; every module still running must see at least two more GCs.
          const before = {};
          for (const name of running) before[name] = await modules[name].gcs();
          global.gc(); global.gc();
          // Leak watch hears of GCs through an async notification: read until every module has seen
          // both (a poll, not a fixed wait that a loaded machine could outlast), at most 10 s.
          const grew = {};
          for (const deadline = Date.now() + 10_000; ;) {
            for (const name of running) grew[name] = (await modules[name].gcs()) - before[name];
            if ([...running].every((name) => grew[name] >= 2) || Date.now() >= deadline) break;
            await new Promise((r) => setTimeout(r, 10));
          }
          for (const name of running) c.checks.push({ after: stopping, module: name, grew: grew[name] });
        }
        c.runningAtEnd = a.gc.running;
        cases.push(c);
      }
    }
    // A tracker the user started is never stopped by them.
    a.gc.start();
    modules.metrics.start(); modules.continuous.start(); modules.leaks.start();
    await modules.continuous.stop(); await modules.metrics.stop(); await modules.leaks.stop();
    const userTrackerRunning = a.gc.running;
    a.gc.stop();
    out({ cases, userTrackerRunning });
  })().catch((e) => { console.error(e); process.exit(1); });
`;

test('metrics, continuous mode and leak watch share GC tracking: any start order, any stop order, figures keep flowing to the ones still running', () => {
  const { json } = runNodeJson({ code: CHILD, nodeArgs: ['--expose-gc'] });
  assert.equal(json.cases.length, 18);
  for (const c of json.cases) {
    const where = `started ${c.startOrder.join(', ')}; stopped ${c.stopOrder.join(', ')}`;
    // 3 modules before any stop, 2 after the first, 1 after the second.
    assert.equal(c.checks.length, 6, where);
    for (const check of c.checks) {
      assert.ok(check.grew >= 2, `${where}: after ${check.after ?? 'none'} stopped, ${check.module} saw ${check.grew} more GCs for 2 forced full GCs`);
    }
    assert.equal(c.runningAtEnd, false, `${where}: the tracker they started must stop with the last of them`);
  }
  assert.equal(json.userTrackerRunning, true, "the user's own tracker must outlive them");
});
