'use strict';
// Lints every metric family allocscope declares, and every sample a loaded
// process actually exposes, against Prometheus's naming conventions; then has
// `promtool check metrics` (Prometheus's own linter) read a real scrape.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { DIST, runNode } = require('./helpers');

const { metrics } = require(DIST);
const IN_CI = Boolean(process.env.CI);
const PROMTOOL = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim();

const UNIT_SUFFIX = { bytes: '_bytes', seconds: '_seconds', ratio: '_ratio', objects: '_objects', blocks: '_blocks' };
// Non-base units and unit spellings Prometheus asks not to use.
const FORBIDDEN = /_(ms|millis|milliseconds|us|microseconds|ns|nanoseconds|minutes|hours|kb|mb|gb|kib|mib|gib|percent|pct|bits)(_|$)/;
// Labels that would be per call site (unbounded cardinality).
const UNBOUNDED_LABELS = /^(site|stack|function|fn|frame|file|script|line|url|path|id|object)$/;

test('every declared family follows the naming conventions', () => {
  const seen = new Set();
  for (const f of metrics.families) {
    const where = f.name;
    assert.ok(!seen.has(f.name), `${where}: declared twice`);
    seen.add(f.name);
    assert.match(f.name, /^allocscope_[a-z][a-z0-9]*(_[a-z0-9]+)*$/, `${where}: allocscope_ prefix, snake_case`);
    assert.doesNotMatch(f.name, FORBIDDEN, `${where}: base units only`);
    assert.ok(['counter', 'gauge', 'histogram'].includes(f.type), `${where}: type ${f.type}`);
    const stem = f.name.replace(/_total$/, '');
    if (f.type === 'counter') assert.ok(f.name.endsWith('_total'), `${where}: a counter ends in _total`);
    else assert.ok(!f.name.endsWith('_total'), `${where}: only counters end in _total`);
    if (f.type === 'histogram') assert.doesNotMatch(f.name, /_(bucket|sum|count)$/, `${where}: histogram suffixes are added per sample`);
    if (UNIT_SUFFIX[f.unit]) assert.ok(stem.endsWith(UNIT_SUFFIX[f.unit]), `${where}: unit ${f.unit} must be the name's suffix`);
    else {
      for (const suffix of Object.values(UNIT_SUFFIX)) assert.ok(!stem.endsWith(suffix), `${where}: unit ${f.unit} but the name ends in ${suffix}`);
    }
    assert.ok(f.help.length > 10 && /\.$/.test(f.help) && !f.help.includes('\n'), `${where}: one-line help sentence`);
    for (const label of f.labels) {
      assert.ok(Object.hasOwn(metrics.labels, label), `${where}: label ${label} is not in the bounded label set`);
      assert.doesNotMatch(label, UNBOUNDED_LABELS);
      assert.match(label, /^[a-z][a-z0-9_]*$/);
      assert.ok(label !== 'le' && label !== 'quantile');
    }
    assert.equal(new Set(f.labels).size, f.labels.length, `${where}: duplicate label`);
  }
  assert.ok(metrics.families.length >= 40, `${metrics.families.length} families`);
});

// A process with every group active: GC, pools with size classes, malloc, sources, a worker.
const LOADED = `
  const a = require(process.env.ALLOCSCOPE_DIST);
  const sources = require(process.env.ALLOCSCOPE_DIST + '/metrics/sources');
  const { Registry } = require('prom-client');
  const { Worker } = require('node:worker_threads');
  const registry = new Registry();
  a.metrics.register(registry, { mallocMaxAgeMs: 0 });
  const pool = a.pools.create('lint-pool'); for (let i = 0; i < 50; i++) pool.alloc(16 + i * 40);
  a.pools.objectPool('lint-objects', { create: () => ({}) }).acquire();
  a.pools.track('lint-tracked', { inUse: () => 1, idle: () => 1, capacity: 4 });
  sources.setMetricsSource('continuous', () => ({ collections: 1, collectionSecondsTotal: 0.1, lastCollectionSeconds: 0.1, exporters: [{ name: 'file', exports: 1, exportedBytes: 10, failures: 0, dropped: 0, queueLength: 0 }] }));
  const watch = a.leaks.watch({ topSites: 0 }); // real leak-watch state
  let k = []; for (let i = 0; i < 5e5; i++) { k.push({ i }); if (k.length > 1e4) k = []; }
  const w = new Worker("require(process.env.ALLOCSCOPE_DIST).metrics.reportToMainThread({ intervalMs: 100 }); setInterval(() => {}, 1000);", { eval: true });
  // Scrape once the worker's figures have arrived (its first report can take ~0.9 s on a
  // loaded machine: it boots and loads allocscope in its own isolate), not after a fixed wait.
  const workerReported = (json) => new Set(json.find((f) => f.name === 'allocscope_heap_used_bytes').values.map((v) => v.labels.thread_id)).size >= 2;
  (async () => {
    const deadline = Date.now() + 30_000;
    let json = await registry.getMetricsAsJSON();
    while (!workerReported(json) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      json = await registry.getMetricsAsJSON();
    }
    const text = await registry.metrics();
    process.stdout.write(JSON.stringify(json) + '\\n');
    process.stdout.write(text);
    await w.terminate();
    watch.stop();
  })();
`;

let scraped;
function loadedScrape() {
  if (scraped) return scraped;
  const r = runNode({ code: LOADED });
  assert.equal(r.status, 0, r.stderr);
  const newline = r.stdout.indexOf('\n');
  scraped = { json: JSON.parse(r.stdout.slice(0, newline)), text: r.stdout.slice(newline + 1) };
  return scraped;
}

test('every exposed sample belongs to a declared family and uses only its labels', () => {
  const { json } = loadedScrape();
  const declared = new Map(metrics.families.map((f) => [f.name, f]));
  const groupsSeen = new Set();
  for (const family of json) {
    const d = declared.get(family.name);
    assert.ok(d, `${family.name} is exposed but not declared`);
    assert.equal(family.type, d.type);
    if (family.values.length > 0) groupsSeen.add(d.group);
    for (const v of family.values) {
      const name = v.metricName ?? family.name;
      if (d.type === 'histogram') assert.match(name, new RegExp(`^${d.name}_(bucket|sum|count)$`));
      else assert.equal(name, d.name);
      const allowed = new Set([...d.labels, ...(name.endsWith('_bucket') ? ['le'] : [])]);
      for (const label of Object.keys(v.labels)) assert.ok(allowed.has(label), `${name}: undeclared label ${label}`);
      for (const label of d.labels) assert.ok(label in v.labels, `${name}: missing label ${label}`);
      assert.ok(Number.isFinite(v.value), `${name}: value ${v.value}`);
    }
  }
  assert.equal(json.length, metrics.families.length);
  assert.deepEqual([...groupsSeen].sort(), ['continuous', 'gc', 'heap', 'leaks', 'malloc', 'metrics', 'pools']);
  const threads = new Set(json.find((f) => f.name === 'allocscope_heap_used_bytes').values.map((v) => v.labels.thread_id));
  assert.equal(threads.size, 2, 'main thread and the worker');
});

test('promtool check metrics accepts a real scrape', { skip: !PROMTOOL && !IN_CI ? 'promtool is not installed (apt-get install -y prometheus; in CI it must run)' : false }, () => {
  assert.ok(PROMTOOL, 'in CI promtool must be installed (.ci/run installs the prometheus package)');
  const { text } = loadedScrape();
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(`${r.stdout}${r.stderr}`.trim(), '', 'promtool findings');
  assert.equal(r.status, 0);
  // The linter does catch what it should (so that a pass above means something).
  const bad = spawnSync(PROMTOOL, ['check', 'metrics'], { input: '# HELP allocscope_x_ms x\n# TYPE allocscope_x_ms counter\nallocscope_x_ms 1\n', encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
});

test('docs/metrics.md lists every family', () => {
  const doc = require('node:fs').readFileSync(require('node:path').join(__dirname, '..', 'docs', 'metrics.md'), 'utf8');
  const missing = metrics.families.filter((f) => !doc.includes(`| \`${f.name}\` | ${f.type} |`)).map((f) => f.name);
  assert.deepEqual(missing, []);
});
