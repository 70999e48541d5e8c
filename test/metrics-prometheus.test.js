'use strict';
// A real Prometheus server scrapes a service exposing allocscope's metrics; the
// test reads our series back through Prometheus's HTTP API (/api/v1/query).
// GIVEN a service (test/fixtures/metrics-service.js) on a loopback port and a
// `prometheus` (Debian package) on another with a 1 s scrape interval,
// WHEN Prometheus has scraped it a few times,
// THEN our series are there with sane values: GC count increasing between
// scrapes, space bytes > 0, histogram buckets monotone with +Inf = _count, the
// registered pool's series, and the worker's series under its thread id.
// Skips only when `prometheus` is missing outside CI (.ci/run installs it).
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { DIST, ROOT } = require('./helpers');

const IN_CI = Boolean(process.env.CI);
const PROMETHEUS = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).stdout.trim();
const DEADLINE_MS = 90_000; // correctness deadline on a loaded 2-core machine, not a timing assertion

const skip = !PROMETHEUS && !IN_CI
  ? 'the prometheus binary is not installed (apt-get install -y prometheus; .ci/run installs it and there this test must run)'
  : false;

const children = new Set();
// Whatever happens to the test (failure, timeout, crash), no server outlives it.
process.on('exit', () => { for (const child of children) child.kill('SIGKILL'); });

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value other than undefined, or fails with `what` at the deadline. */
async function until(what, check, log) {
  const deadline = Date.now() + DEADLINE_MS;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}\n${log ? log() : ''}`);
}

test('a real Prometheus scrapes our /metrics and finds sane series', { skip, timeout: 240_000 }, async (t) => {
  assert.ok(PROMETHEUS, 'in CI the prometheus binary must be installed (.ci/run installs the Debian package)');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-prom-'));
  let service, prometheus;
  let serviceLog = '', prometheusLog = '';
  const logs = () => `--- service stderr ---\n${serviceLog.slice(-3000)}\n--- prometheus log ---\n${prometheusLog.slice(-3000)}`;
  t.after(async () => {
    await stop(prometheus);
    await stop(service);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  // The service, on a port of its own choosing.
  service = track(spawn(process.execPath, [path.join(__dirname, 'fixtures', 'metrics-service.js')], {
    cwd: ROOT, env: { ...process.env, ALLOCSCOPE_DIST: DIST }, stdio: ['ignore', 'pipe', 'pipe'],
  }));
  service.stderr.on('data', (d) => { serviceLog += d; });
  const { port: servicePort, workerThreadId } = await new Promise((resolve, reject) => {
    let out = '';
    service.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    service.once('exit', (code) => reject(new Error(`the service exited with ${code}\n${logs()}`)));
  });

  // Prometheus, with a temp config and data dir, scraping every second.
  const promPort = await freePort();
  const config = path.join(tmp, 'prometheus.yml');
  fs.writeFileSync(config, [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: allocscope-test',
    '    static_configs:',
    `      - targets: ['127.0.0.1:${servicePort}']`,
    '',
  ].join('\n'));
  prometheus = track(spawn(PROMETHEUS, [
    `--config.file=${config}`,
    `--storage.tsdb.path=${path.join(tmp, 'data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
    '--log.level=warn',
  ], { stdio: ['ignore', 'pipe', 'pipe'] }));
  prometheus.stdout.on('data', (d) => { prometheusLog += d; });
  prometheus.stderr.on('data', (d) => { prometheusLog += d; });
  prometheus.once('exit', (code, signal) => { prometheusLog += `\n[prometheus exited: ${code ?? signal}]`; });

  const api = `http://127.0.0.1:${promPort}`;
  // `at` (Unix seconds) pins the evaluation time: queries at one `at` read the same scrape.
  const query = async (q, at) => {
    const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(q)}${at === undefined ? '' : `&time=${at}`}`);
    const body = await res.json();
    if (body.status !== 'success') throw new Error(`query ${q}: ${JSON.stringify(body)}`);
    return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  };
  const one = async (q, at) => {
    const r = await query(q, at);
    return r.length === 1 ? r[0].value : undefined;
  };

  await until('Prometheus to be ready', async () => ((await fetch(`${api}/-/ready`)).ok ? true : undefined), logs);
  await until('the target to be up', async () => ((await one('up{job="allocscope-test"}')) === 1 ? true : undefined), logs);

  // GC count increasing between two scrapes.
  const gcCount = 'sum(allocscope_gc_pause_seconds_count{job="allocscope-test",thread_id="0"})';
  const first = await until('a GC count', () => one(gcCount), logs);
  assert.ok(first > 0, `GC count ${first}`);
  const later = await until('the GC count to increase', async () => {
    const v = await one(gcCount);
    return v !== undefined && v > first ? v : undefined;
  }, logs);
  assert.ok(later > first);

  // Space bytes > 0 for the spaces every thread uses; never negative anywhere.
  const used = await query('allocscope_heap_space_used_bytes{thread_id="0"}');
  const bySpace = Object.fromEntries(used.map((s) => [s.labels.space, s.value]));
  for (const space of ['new_space', 'old_space', 'code_space']) assert.ok(bySpace[space] > 0, `${space} used ${bySpace[space]}`);
  const committed = await query('allocscope_heap_space_committed_bytes{thread_id="0"}');
  assert.ok(committed.length >= 5, `committed series: ${committed.length}`);
  for (const s of [...used, ...committed]) assert.ok(s.value >= 0, `${JSON.stringify(s)}`);
  for (const s of used) {
    const c = committed.find((x) => x.labels.space === s.labels.space);
    assert.ok(c && s.value <= c.value, `${s.labels.space}: used ${s.value} > committed ${c && c.value}`);
  }

  // Histogram buckets monotone in le, +Inf equal to _count (same scrape: same timestamp).
  const buckets = await query('allocscope_gc_pause_seconds_bucket{thread_id="0",type="scavenge"}');
  assert.ok(buckets.length >= 10, `scavenge buckets: ${buckets.length}`);
  const le = (s) => (s.labels.le === '+Inf' ? Infinity : Number(s.labels.le));
  buckets.sort((x, y) => le(x) - le(y));
  for (let i = 1; i < buckets.length; i++) {
    assert.ok(buckets[i].value >= buckets[i - 1].value, `bucket le=${buckets[i].labels.le} (${buckets[i].value}) < le=${buckets[i - 1].labels.le} (${buckets[i - 1].value})`);
  }
  const countAndInf = await query('allocscope_gc_pause_seconds_count{thread_id="0",type="scavenge"} - on(thread_id,type,instance,job) allocscope_gc_pause_seconds_bucket{thread_id="0",type="scavenge",le="+Inf"}');
  assert.deepEqual(countAndInf.map((s) => s.value), [0]);
  const p99 = await one('histogram_quantile(0.99, sum by (le) (allocscope_gc_pause_seconds_bucket{thread_id="0",type="scavenge"}))');
  assert.ok(p99 > 0 && p99 < 10, `scavenge p99 ${p99} s`);

  // The registered pool, per pool and per size class. The service acquires one block
  // every 50 ms and, once it holds more than 40, releases the oldest: so in any one
  // scrape in use = acquires - releases = min(acquires, 40), and the size classes'
  // in-use blocks add up to it. Past 40 acquires the cap is tested too.
  const testPool = '{pool="prom-test-pool",thread_id="0"}';
  await until('the pool to pass 40 acquires', async () => ((await one(`allocscope_pool_acquires_total${testPool}`)) > 40 ? true : undefined), logs);
  const at = Date.now() / 1000;
  const [acquires, releases, inUse, classes] = await Promise.all([
    one(`allocscope_pool_acquires_total${testPool}`, at),
    one(`allocscope_pool_releases_total${testPool}`, at),
    one(`allocscope_pool_in_use_objects${testPool}`, at),
    query(`allocscope_pool_class_in_use_blocks${testPool}`, at),
  ]);
  const figures = JSON.stringify({ acquires, releases, inUse, classes: classes.map((c) => c.value) });
  assert.ok(acquires > 40, figures);
  assert.equal(inUse, 40, figures);
  assert.equal(releases, acquires - 40, figures);
  assert.ok(classes.length >= 1, `size-class series: ${figures}`);
  assert.equal(classes.reduce((a, s) => a + s.value, 0), 40, figures);

  // The worker's figures, labelled with its thread id.
  const workerHeap = await until('the worker series', () => one(`allocscope_heap_used_bytes{thread_id="${workerThreadId}"}`), logs);
  assert.ok(workerHeap > 0);
  const workerPool = await until('the worker pool series', () => one(`allocscope_pool_acquires_total{pool="prom-worker-pool",thread_id="${workerThreadId}"}`), logs);
  assert.ok(workerPool > 0);
  assert.equal(await one('allocscope_metrics_workers'), 1);

  // The collection cost is itself a series.
  assert.ok((await one('allocscope_metrics_collect_seconds_count')) > 0);
  // Under the sanitizer lane malloc is ASan's allocator, which glibc's mallinfo2 does not see.
  if (!process.env.ALLOCSCOPE_SANITIZER) assert.ok((await one('allocscope_malloc_footprint_bytes')) > 0);
});
