'use strict';
// Shared by the continuous-mode tests: a Pyroscope-style ingest receiver on
// loopback that decodes what it gets as Pyroscope's ingest handler does (the
// body is the pprof when the query says format=pprof; otherwise a multipart body
// is read by the platform's own Request.formData()), pprof by pprof-format, and
// a child runner that does not block the test's event loop (the receiver lives
// in the test process).
const http = require('node:http');
const zlib = require('node:zlib');
const { spawn } = require('node:child_process');
const { Profile } = require('pprof-format');
const { ROOT, DIST } = require('./helpers');

/** Decodes a pprof (gzipped or not, as Pyroscope takes either) into plain data: sample types, comments, samples with their function names. */
function decodePprof(bytes) {
  const gzipped = bytes[0] === 0x1f && bytes[1] === 0x8b;
  const p = Profile.decode(gzipped ? zlib.gunzipSync(bytes) : bytes);
  const s = p.stringTable.strings;
  const fnName = new Map(p.function.map((f) => [Number(f.id), s[Number(f.name)]]));
  const locFns = new Map(p.location.map((l) => [Number(l.id), l.line.map((line) => fnName.get(Number(line.functionId)))]));
  return {
    gzipped,
    sampleTypes: p.sampleType.map((t) => `${s[Number(t.type)]}/${s[Number(t.unit)]}`),
    periodType: p.periodType ? `${s[Number(p.periodType.type)]}/${s[Number(p.periodType.unit)]}` : null,
    period: Number(p.period),
    functions: p.function.map((f) => ({ name: s[Number(f.name)], filename: s[Number(f.filename)] })),
    comments: p.comment.map((c) => s[Number(c)]),
    strings: s,
    timeMs: Number(p.timeNanos) / 1e6,
    durationMs: Number(p.durationNanos) / 1e6,
    samples: p.sample.map((x) => ({ stack: x.locationId.flatMap((id) => locFns.get(Number(id))), values: x.value.map(Number) })),
  };
}

/** Bytes (second value) of the samples whose stack includes a function named `name`. */
function bytesOf(decoded, name) {
  return decoded.samples.filter((x) => x.stack.includes(name)).reduce((sum, x) => sum + x.values[1], 0);
}

/**
 * Starts a receiver. behaviour: 'ok' (200), 'error' (500), 'slow' (answers after slowMs).
 * Keeps every request: { method, path, query, rawQuery, headers, body (Buffer), form (multipart
 * parts: [{ name, filename, type }]), labels, app, profile (decoded), sampleTypeConfig, bytes, receivedAtMs }.
 *
 * It reads a body the way Pyroscope's /ingest handler does (pkg/ingester/pyroscope/ingest_handler.go,
 * readInputRawDataFromRequest): `format=pprof` in the query means the body is the pprof (gzipped or
 * not), whatever the content type; without a format, a multipart/form-data body carries it in a
 * `profile` part (and optionally a `sample_type_config` part). Anything else is answered 400.
 */
async function startReceiver({ behaviour = 'ok', slowMs = 10_000 } = {}) {
  const requests = [];
  let attempts = 0;
  const timers = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      attempts++;
      const body = Buffer.concat(chunks);
      const url = new URL(req.url, 'http://receiver');
      if (behaviour === 'error') { res.writeHead(500).end('backend on fire'); return; }
      if (behaviour === 'slow') {
        const t = setTimeout(() => { timers.delete(t); res.writeHead(200).end(); }, slowMs);
        timers.add(t);
        return;
      }
      const entry = {
        method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), rawQuery: url.search.slice(1),
        headers: req.headers, body, bytes: body.length, receivedAtMs: Date.now(), form: null, sampleTypeConfig: null,
      };
      try {
        const contentType = req.headers['content-type'] ?? '';
        let pprof;
        if (url.searchParams.get('format') === 'pprof') {
          pprof = body;
        } else if (contentType.includes('multipart/form-data')) {
          const form = await new Request('http://receiver/', { method: 'POST', headers: { 'content-type': contentType }, body }).formData();
          entry.form = [...form.entries()].map(([name, v]) => ({ name, filename: typeof v === 'string' ? null : v.name, type: typeof v === 'string' ? null : v.type }));
          pprof = Buffer.from(await form.get('profile').arrayBuffer());
          const config = form.get('sample_type_config');
          if (config) entry.sampleTypeConfig = JSON.parse(await config.text());
        } else {
          throw new Error(`neither format=pprof nor a multipart body (content-type ${contentType || 'none'})`);
        }
        const name = url.searchParams.get('name');
        const m = /^([^{]*)\{(.*)\}$/.exec(name);
        entry.app = m[1];
        entry.labels = Object.fromEntries(m[2].split(',').filter(Boolean).map((kv) => kv.split('=')));
        entry.profile = decodePprof(pprof);
        requests.push(entry);
        res.writeHead(200).end();
      } catch (error) {
        requests.push({ ...entry, error: String(error) });
        res.writeHead(400).end(String(error));
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    get attempts() { return attempts; },
    close: () => new Promise((resolve) => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A loopback port with nothing listening (connection refused). */
async function deadPort() {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs `node [nodeArgs] -e code` without blocking; resolves with status, stdout, stderr, json (last stdout line). */
function runNodeAsync({ code, file, args = [], nodeArgs = [], env = {}, timeoutMs = 120_000, cwd = ROOT }) {
  return new Promise((resolve, reject) => {
    const argv = [...nodeArgs, ...(code !== undefined ? ['-e', code] : [file]), ...args];
    const child = spawn(process.execPath, argv, { cwd, env: { ...process.env, ...env, ALLOCSCOPE_DIST: DIST } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      let json;
      try { json = JSON.parse(stdout.trim().split('\n').pop()); } catch { /* none */ }
      resolve({ status, signal, stdout, stderr, json, timedOut: signal === 'SIGKILL' });
    });
  });
}

const MiB = 1024 * 1024;
const HOST = require('node:path').join(__dirname, 'fixtures', 'continuous-host.js');

/**
 * RSS growth that allocscope may add, per Node major, on top of the same workload and worker churn run
 * without allocscope (docs/production.md, "Soak": measured figures and why the newer majors need more).
 * Newer V8s keep the pages of ended workers' heaps (and glibc the workers' malloc arenas) for reuse, and
 * that retention grows with what each worker compiled and allocated: a worker that loads allocscope's
 * ~1.1 MB of JavaScript costs as much as one loading a pure-JS module tree of that size. It levels off
 * instead of growing with cycles; a leak of 1 MiB per cycle (140-160 cycles measured) or per worker
 * (70-400) would exceed every margin.
 * Each margin is the most allocscope was measured to add on that major (growth with minus growth without,
 * both read with no worker alive after a full GC), times 1.3-3:
 *   20: soak 13.6 - 1.1 = 12.5 MiB                                           -> 40
 *   22: soak 0.8 MiB in a loaded run, 65.6 in a quiet one (160 cycles, 68 workers) -> 100
 *   24: soak 130.0 - 53.2 = 76.8 MiB (397 workers)                           -> 100
 *   26: soak 30.7 + 19.7 = 50.4 MiB; http tests (no workers) 37.0, 54.4, 51.3 -> 80
 */
const RSS_MARGIN_MIB = { 20: 40, 22: 100, 24: 100, 26: 80 };
const rssMarginMiB = () => RSS_MARGIN_MIB[process.versions.node.split('.')[0]] ?? 100;

/**
 * Runs the host fixture profiled with `config`, then the same workload unprofiled in a fresh process (as
 * many cycles, and as many workers between the two readings), both read with no worker alive.
 * Returns { report, baseline, growthMiB, baselineGrowthMiB, excessMiB, figures }.
 */
async function hostWithBaseline(config, { timeoutMs = 150_000 } = {}) {
  // Under the sanitizer lane RSS holds ASan's quarantine, so no RSS bound is checked there:
  // the baseline run is skipped, and the profiled one gets the slower runtime's time.
  const sanitizer = Boolean(process.env.ALLOCSCOPE_SANITIZER);
  if (sanitizer) timeoutMs *= 2;
  const run = async (cfg) => {
    const r = await runNodeAsync({ file: HOST, nodeArgs: ['--expose-gc'], env: { HOST_CONFIG: JSON.stringify({ quiet: true, ...cfg }) }, timeoutMs });
    if (r.status !== 0) throw new Error(`host (profile: ${cfg.profile !== false}) exited ${r.status} ${r.signal} (timed out: ${r.timedOut})\n${r.stderr}`);
    return r.json;
  };
  const report = await run(config);
  if (sanitizer) return { report, baseline: null, growthMiB: NaN, baselineGrowthMiB: NaN, excessMiB: NaN, figures: 'RSS not compared under the sanitizer' };
  const baseline = await run({
    ...config, profile: false, collections: report.end.collections, warmupCollections: report.warm.collections,
    matchWorkers: config.workers ? { warm: report.warm.workersStarted, end: report.end.workersStarted } : undefined,
  });
  const growthMiB = (report.end.rssBytes - report.warm.rssBytes) / MiB;
  const baselineGrowthMiB = (baseline.end.rssBytes - baseline.warm.rssBytes) / MiB;
  const excessMiB = growthMiB - baselineGrowthMiB;
  const atGcMiB = (r) => ((r.end.rssAtGcBytes - r.warm.rssAtGcBytes) / MiB).toFixed(1);
  const figures = `RSS grew ${growthMiB.toFixed(1)} MiB with allocscope, ${baselineGrowthMiB.toFixed(1)} MiB without` +
    ` (read right after the GC, before it settled: ${atGcMiB(report)} / ${atGcMiB(baseline)})` +
    ` (${report.warm.rssBytes / MiB | 0} -> ${report.end.rssBytes / MiB | 0} vs ${baseline.warm.rssBytes / MiB | 0} -> ${baseline.end.rssBytes / MiB | 0} MiB;` +
    ` ${report.end.collections - report.warm.collections} cycles, workers ${report.warm.workersStarted}..${report.end.workersStarted} vs ${baseline.warm.workersStarted}..${baseline.end.workersStarted});` +
    ` allocscope added ${excessMiB.toFixed(1)} MiB, margin on Node ${process.versions.node.split('.')[0]}: ${rssMarginMiB()} MiB`;
  return { report, baseline, growthMiB, baselineGrowthMiB, excessMiB, figures };
}

module.exports = { startReceiver, deadPort, runNodeAsync, decodePprof, bytesOf, hostWithBaseline, rssMarginMiB };
