'use strict';
// allocscope_continuous_* as a Prometheus scrape reads them while a REAL
// continuous session pushes to a dead port (Pyroscope http exporter, nothing
// listening): the session → metrics mapping (lib/continuous/session.ts) against
// what happened, not against a hand-written source (test/metrics.test.js feeds
// the families fake numbers).
//
// The path is the user's: metrics.register(registry) on a prom-client Registry,
// continuous.start() with an http exporter, and the text that registry.metrics()
// serves on /metrics, parsed here. Periods are made with session.collect(), the
// call the session's timer makes each period (the period itself is a day, so no
// timer period falls inside the test). What happened is counted independently:
// periods by the test, push attempts by node:diagnostics_channel's
// http.client.request.start (every request the process starts), and the
// configured retries and queue bound give what each must come to:
//   export_failures_total = failed attempts = periods × (1 + retries)
//   dropped_profiles_total = profiles given up on after their retries + profiles pushed out of a full queue
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNodeAsync, deadPort } = require('./continuous-helpers');

const CHILD = `
  const a = require(process.env.ALLOCSCOPE_DIST);
  const { Registry } = require('prom-client');
  const dc = require('node:diagnostics_channel');
  let attempts = 0;
  dc.subscribe('http.client.request.start', () => { attempts++; });
  const url = process.env.DEAD_URL;

  /** Prometheus text exposition → { 'name{labels}': value } for allocscope_continuous_*. */
  function parse(text) {
    const out = {};
    for (const line of text.split('\\n')) {
      if (!line.startsWith('allocscope_continuous_')) continue;
      const m = /^([a-z_]+)(\\{[^}]*\\})? (\\S+)$/.exec(line);
      if (!m) throw new Error('unparsed line: ' + line);
      out[m[1] + (m[2] ?? '')] = Number(m[3]);
    }
    return out;
  }
  async function until(what, check, ms = 60000) {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for ' + what + ': ' + JSON.stringify(a.continuous.stats()));
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  const keep = [];
  const work = setInterval(() => { for (let i = 0; i < 200; i++) keep.push({ i }); if (keep.length > 20000) keep.length = 0; }, 2);

  (async () => {
    const registry = new Registry();
    const reg = a.metrics.register(registry, { malloc: false });
    const out = {};

    // 1. Every push fails: each profile is tried 1 + retries times, then given up on.
    const PERIODS = Number(process.env.PERIODS), RETRIES = Number(process.env.RETRIES);
    let session = a.continuous.start({ service: 'svc', periodMs: 86400000, exporters: [{ type: 'http', url, retries: RETRIES, backoffMs: 1, queueSize: 100 }] });
    out.before = parse(await registry.metrics());
    for (let i = 1; i <= PERIODS; i++) {
      await session.collect();
      await until('profile ' + i + ' given up', () => a.continuous.stats().failures === i);
    }
    out.failing = { metrics: parse(await registry.metrics()), attempts, stats: a.continuous.stats() };
    await session.stop({ flush: false });
    out.afterStop = Object.keys(parse(await registry.metrics())).length;

    // 2. A profile waits out a long backoff while periods go on: the queue fills, the oldest are pushed out.
    const QUEUE = Number(process.env.QUEUE), MORE = Number(process.env.MORE);
    attempts = 0;
    session = a.continuous.start({ service: 'svc', periodMs: 86400000, exporters: [{ type: 'http', url, retries: 1, backoffMs: 600000, queueSize: QUEUE }] });
    await session.collect();
    await until('the first attempt failed', () => a.continuous.stats().retries === 1);
    for (let i = 0; i < MORE; i++) await session.collect();
    out.queued = { metrics: parse(await registry.metrics()), attempts, stats: a.continuous.stats() };
    await session.stop({ flush: false });
    reg.unregister();
    clearInterval(work);
    console.log(JSON.stringify(out));
  })().catch((e) => { console.error(e); process.exit(1); });
`;

test('a real session pushing to a dead port: the scrape counts each failed attempt, each profile given up on and each pushed out of a full queue', async () => {
  const PERIODS = 4, RETRIES = 2, QUEUE = 2, MORE = 5;
  const r = await runNodeAsync({
    code: CHILD,
    env: { DEAD_URL: `http://127.0.0.1:${await deadPort()}`, PERIODS: String(PERIODS), RETRIES: String(RETRIES), QUEUE: String(QUEUE), MORE: String(MORE) },
  });
  assert.equal(r.status, 0, r.stderr);
  const { before, failing, afterStop, queued } = r.json;
  const http = (name) => `${name}{exporter="http"}`;

  // Before the first period: the session's series exist, at zero.
  assert.equal(before.allocscope_continuous_collections_total, 0);
  assert.equal(before[http('allocscope_continuous_export_failures_total')], 0);
  assert.equal(before[http('allocscope_continuous_dropped_profiles_total')], 0);

  // 1. PERIODS profiles, each tried 1 + RETRIES times against a port nobody listens on.
  const m = failing.metrics;
  assert.equal(failing.attempts, PERIODS * (1 + RETRIES), 'push attempts the process made (diagnostics_channel)');
  assert.equal(m.allocscope_continuous_collections_total, PERIODS);
  assert.equal(m[http('allocscope_continuous_export_failures_total')], failing.attempts, 'every failed attempt counted');
  assert.equal(m[http('allocscope_continuous_dropped_profiles_total')], PERIODS, 'every profile given up on after its retries');
  assert.equal(m[http('allocscope_continuous_exports_total')], 0);
  assert.equal(m[http('allocscope_continuous_exported_bytes_total')], 0);
  assert.equal(m[http('allocscope_continuous_queue_length')], 0);
  assert.match(failing.stats.lastError, /ECONNREFUSED/);
  assert.equal(failing.stats.retries, PERIODS * RETRIES);
  assert.equal(afterStop, 0, 'no continuous series once the session stopped');

  // 2. One profile in its backoff (after 1 failed attempt), QUEUE waiting behind it, the oldest pushed out of the rest.
  const q = queued.metrics;
  assert.equal(queued.attempts, 1);
  assert.equal(q.allocscope_continuous_collections_total, 1 + MORE);
  assert.equal(q[http('allocscope_continuous_export_failures_total')], 1, 'the one failed attempt');
  assert.equal(q[http('allocscope_continuous_dropped_profiles_total')], MORE - QUEUE, 'profiles pushed out of the full queue');
  assert.equal(q[http('allocscope_continuous_queue_length')], QUEUE + 1, 'the queue and the profile waiting out its backoff');
  assert.equal(q[http('allocscope_continuous_exports_total')], 0);
  assert.equal(queued.stats.drops, MORE - QUEUE);
});
