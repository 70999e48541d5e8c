#!/usr/bin/env node
'use strict';
// The host's event loop while continuous mode pushes to a backend that is down
// (connection refused), answers after 10 s, or answers 500: the event-loop delay
// (p50, p99, max, perf_hooks monitorEventLoopDelay at 10 ms resolution) with
// allocscope, and of the same host without allocscope in a fresh process (the same
// cycles). The host and its settings are test/continuous-http.test.js's (50 ms
// periods, a queue of 4, 2 retries 20 ms apart); that test checks what load cannot
// move (counts, the queue's bound, memory), and these figures are the speed claim
// it left here. Bounds (the test's former ones): p50 < 100 ms, max < 2 s.
//
// Options: --collections N (default 200), --no-write.
const fs = require('node:fs');
const path = require('node:path');
const { commandLine, environment, fmt, round } = require('../lib/common');
const { updateSection } = require('../lib/results');
const { startReceiver, deadPort, hostWithBaseline } = require('../../test/continuous-helpers');

const { flag, option } = commandLine('soak/unhealthy-backend.js');
const CONFIG = {
  collections: option('--collections', 200),
  warmupCollections: 20,
  periodMs: 50,
  bounds: { p50Ms: 100, maxMs: 2000 },
  write: !flag('--no-write'),
};

async function backend(kind) {
  if (kind === 'down') return { url: `http://127.0.0.1:${await deadPort()}`, http: {}, close: async () => {} };
  const receiver = await startReceiver(kind === 'slow' ? { behaviour: 'slow', slowMs: 10_000 } : { behaviour: 'error' });
  return { url: receiver.url, http: kind === 'slow' ? { timeoutMs: 10_000 } : { retries: 1, backoffMs: 5 }, close: () => receiver.close() };
}

(async () => {
  const cases = {};
  for (const kind of ['down', 'slow', 'error']) {
    process.stderr.write(`[unhealthy-backend] ${kind}: ${CONFIG.collections} collections with and without allocscope…\n`);
    const b = await backend(kind);
    try {
      const config = {
        options: { periodMs: CONFIG.periodMs, flushTimeoutMs: 200, exporters: [{ type: 'http', url: b.url, queueSize: 4, retries: 2, backoffMs: 20, ...b.http }] },
        collections: CONFIG.collections, warmupCollections: CONFIG.warmupCollections, workers: null,
      };
      const run = await hostWithBaseline(config, { timeoutMs: 10 * 60_000 });
      const lag = (l) => ({ p50: round(l.p50, 2), p99: round(l.p99, 2), max: round(l.max, 2) });
      const withLag = lag(run.report.lagMs);
      cases[kind] = {
        with: withLag, without: lag(run.baseline.lagMs), collections: run.report.stats.collections,
        pass: withLag.p50 < CONFIG.bounds.p50Ms && withLag.max < CONFIG.bounds.maxMs,
      };
    } finally {
      await b.close();
    }
  }
  const pass = Object.values(cases).every((c) => c.pass);
  const result = { config: CONFIG, environment: environment(), cases, pass };
  console.log(JSON.stringify({ cases, pass }, null, 2));
  if (CONFIG.write) {
    fs.writeFileSync(path.join(__dirname, 'unhealthy-backend.json'), `${JSON.stringify(result, null, 2)}\n`);
    const env = result.environment;
    const row = (kind, c) => `| ${kind} | ${fmt(c.with.p50, 1)} / ${fmt(c.with.p99, 1)} / ${fmt(c.with.max, 1)} | ${fmt(c.without.p50, 1)} / ${fmt(c.without.p99, 1)} / ${fmt(c.without.max, 1)} | ${c.pass ? '✓' : '✗'} |`;
    updateSection('unhealthy-backend', [
      '## Event-loop delay with an unhealthy backend (continuous mode, HTTP push)',
      '',
      `\`node benchmarks/soak/unhealthy-backend.js\` · ${env.date.slice(0, 10)} · node ${env.node} · ${env.cpuModel} × ${env.cpuCount} · load average at start ${env.loadAverageAtStart.join(' / ')}`,
      '',
      `${CONFIG.collections} collections of ${CONFIG.periodMs} ms after ${CONFIG.warmupCollections} of warm-up (the host of test/continuous-http.test.js), the same host without allocscope in a fresh process beside it.`,
      '',
      `| backend | event-loop delay p50 / p99 / max with allocscope (ms) | without (ms) | p50 < ${CONFIG.bounds.p50Ms} ms, max < ${CONFIG.bounds.maxMs} ms |`,
      '|---|--:|--:|---|',
      row('down (connection refused)', cases.down),
      row('answers after 10 s', cases.slow),
      row('answers 500', cases.error),
    ].join('\n'));
  }
  process.exit(pass ? 0 : 1);
})().catch((error) => { console.error(error); process.exit(1); });
