'use strict';
// Step 5 of bench:native (run.js): the HTTP server (http-server.js) under load.
//   - Under autocannon: every variant a fresh server process pinned to the last CPU
//     (taskset), the load generator (this process) on the others; variants interleaved,
//     the order rotated each round (and the Node majors interleaved); per run a warm-up,
//     then a saturated phase (closed loop) in which the server's CPU time is read around
//     the requests it served: CPU per request of the server's whole process group (/proc
//     stat: for heaptrack, its interpreter and compressor too), throughput, p99; then one
//     malloc.profile() + top() timed inside the server (allocscope variants).
//   - Under callgrind: one server process per variant, its live counters
//     (callgrind_control -e Ir) read once it listens (start-up, loading, start()), after a
//     warm-up, after a fixed number of requests, and after one profile(): instructions per
//     request apart from start-up and collection.
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { bodies } = require('./http-server');
const { callgrindCounters, interleaved, listeningUrl, median, pool, ratioSpread, rotate, round, spreadOf } = require('../lib/common');

const SERVER = path.join(__dirname, 'http-server.js');
const taskset = spawnSync('taskset', ['--version']).status === 0;
const CPUS = os.cpus().length;
const SERVER_CPU = String(CPUS - 1);
const TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const REQUESTS = bodies().map((body) => ({ method: 'POST', path: '/orders', headers: { 'content-type': 'application/json' }, body }));

const getJson = (url) => new Promise((resolve, reject) => {
  http.get(url, (res) => { let t = ''; res.on('data', (d) => { t += d; }); res.on('end', () => { try { resolve(JSON.parse(t)); } catch (e) { reject(e); } }); }).on('error', reject);
});

function load(url, options) {
  const autocannon = require('autocannon');
  return new Promise((resolve, reject) => {
    autocannon({ url, requests: REQUESTS, timeout: 120, ...options }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** User + system CPU seconds of every process in process group `pgid` (from /proc/<pid>/stat). */
function groupCpuS(pgid) {
  let ticks = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try { stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8'); } catch { continue; }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    if (Number(f[2]) === pgid) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / TICKS_PER_S;
}

/** Starts http-server.js as `variant` in a process group of its own; resolves once it listens. */
function startServer(command, env) {
  const child = spawn(command[0], command.slice(1), { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  return listeningUrl(child, command.join(' '), () => stderr).then((url) => ({ child, url }));
}

/** Asks the server to exit (heaptrack then finishes its file); kills its group if it has not within `ms`. */
async function stopServer({ child, url }, ms = 60_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  await getJson(`${url}/__exit`).catch(() => {});
  const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch {} }, ms);
  await exited;
  clearTimeout(timer);
}

function serverCommand(target, variant, tmp) {
  const base = variant === 'heaptrack' ? ['heaptrack', '-o', path.join(tmp, 'heaptrack-http'), target.node, SERVER, 'plain'] : [target.node, SERVER, variant];
  return taskset ? ['taskset', '-c', SERVER_CPU, ...base] : base;
}

/** One fresh server process of `variant` under load: its figures. */
async function measureOne(target, variant, cfg, tmp) {
  const server = await startServer(serverCommand(target, variant, tmp), target.env);
  const pgid = server.child.pid;
  let result = null;
  try {
    const url = `${server.url}/orders`;
    await load(url, { connections: cfg.connections, duration: cfg.warmupS });
    const cpu0 = groupCpuS(pgid);
    const n0 = await getJson(`${server.url}/__cpu`);
    const saturated = await load(url, { connections: cfg.connections, duration: cfg.seconds });
    const n1 = await getJson(`${server.url}/__cpu`);
    const cpu1 = groupCpuS(pgid);
    const served = n1.served - n0.served;
    const p = await getJson(`${server.url}/__profile`);
    result = {
      requestsPerSecond: round(saturated.requests.average, 1),
      served,
      cpuUsPerRequest: round((cpu1 - cpu0) * 1e6 / served, 2),
      nodeCpuUsPerRequest: round((n1.cpuMicros - n0.cpuMicros) / served, 2),
      p99Ms: saturated.latency.p99,
      errors: saturated.errors + saturated.non2xx,
      gzipBytesPerRequest: round((n1.bytesOut - n0.bytesOut) / served, 1),
      setupMs: round(p.setupMs, 1), collectMs: round(p.collectMs, 1), samples: p.samples ?? null, profileBytes: p.profileBytes ?? null,
      outputBytes: null,
    };
  } finally {
    await stopServer(server);
    // heaptrack's data file, once it has finished writing it.
    const name = variant === 'heaptrack' ? fs.readdirSync(tmp).find((f) => f.startsWith('heaptrack-http.')) : null;
    if (name) {
      if (result) result.outputBytes = fs.statSync(path.join(tmp, name)).size;
      fs.rmSync(path.join(tmp, name), { force: true });
    }
  }
  return result;
}

/** Saturated runs: rounds × variants × majors, fresh processes. */
async function loadRuns(targets, cfg, tmp, progress) {
  const runsOf = Object.fromEntries(targets.map((t) => [t.key, []]));
  // This process (the load generator) away from the server's CPU while it runs.
  const others = CPUS > 1 ? `0-${CPUS - 2}` : '0';
  if (taskset) spawnSync('taskset', ['-a', '-p', '-c', others, String(process.pid)]);
  try {
    for (const { round: r, target, item: variant, done, total } of interleaved(cfg.rounds, targets, (t, r) => rotate(t.httpVariants, r))) {
      const run = await measureOne(target, variant, cfg, tmp);
      progress(`HTTP ${done}/${total}: round ${r + 1}/${cfg.rounds}${targets.length > 1 ? `, Node ${target.key}` : ''}, ${variant}: ` +
        `${run.cpuUsPerRequest} µs CPU/request, ${Math.round(run.requestsPerSecond)} req/s${run.collectMs !== null ? `, profile() ${run.collectMs} ms` : ''}`);
      runsOf[target.key].push({ round: r, variant, ...run });
    }
  } finally {
    if (taskset) spawnSync('taskset', ['-a', '-p', '-c', `0-${CPUS - 1}`, String(process.pid)]);
  }
  return runsOf;
}

function summarizeLoad(runs, variants) {
  const inRound = (r) => runs.find((x) => x.round === r && x.variant === 'plain');
  const byVariant = {};
  for (const variant of variants) {
    const m = runs.filter((x) => x.variant === variant);
    const pairs = m.map((x) => [x, inRound(x.round)]);
    const allocscope = variant.startsWith('allocscope');
    byVariant[variant] = {
      cpuUsPerRequest: spreadOf(m.map((x) => x.cpuUsPerRequest), 2),
      nodeCpuUsPerRequest: spreadOf(m.map((x) => x.nodeCpuUsPerRequest), 2),
      requestsPerSecond: spreadOf(m.map((x) => x.requestsPerSecond), 0),
      p99Ms: spreadOf(m.map((x) => x.p99Ms), 1),
      errors: m.reduce((n, x) => n + x.errors, 0),
      setupMs: variant === 'plain' || variant === 'heaptrack' ? null : spreadOf(m.map((x) => x.setupMs), 1),
      collectMs: allocscope ? spreadOf(m.map((x) => x.collectMs), 1) : null,
      samples: allocscope ? median(m.map((x) => x.samples)) : null,
      outputBytes: variant === 'heaptrack' ? median(m.map((x) => x.outputBytes)) : null,
      vsPlain: variant === 'plain' ? null : {
        cpuPerRequest: ratioSpread(pairs.map(([x, o]) => x.cpuUsPerRequest / o.cpuUsPerRequest)),
        throughput: ratioSpread(pairs.map(([x, o]) => x.requestsPerSecond / o.requestsPerSecond)),
        p99: ratioSpread(pairs.map(([x, o]) => x.p99Ms / o.p99Ms)),
        cpuRoundRatios: pairs.map(([x, o]) => round(x.cpuUsPerRequest / o.cpuUsPerRequest, 4)),
      },
    };
  }
  return { byVariant, runs };
}

/** One server under callgrind: counters at listening, after the warm-up, after the requests, after profile(). */
async function callgrindOne(target, variant, cfg, tmp) {
  const out = path.join(tmp, `callgrind-http.${crypto.randomUUID()}.out`);
  const server = await startServer(['valgrind', '--tool=callgrind', `--callgrind-out-file=${out}`, target.node, ...cfg.nodeFlags, SERVER, variant, '--count-gcs'], target.env);
  const pid = server.child.pid;
  try {
    const url = `${server.url}/orders`;
    const listening = callgrindCounters(pid).all;
    await load(url, { connections: cfg.connections, amount: cfg.warmupRequests });
    const gcsBefore = await getJson(`${server.url}/__gcs`);
    const warm = callgrindCounters(pid).all;
    const r = await load(url, { connections: cfg.connections, amount: cfg.requests });
    const done = callgrindCounters(pid).all;
    const gcsAfter = await getJson(`${server.url}/__gcs`);
    const p = await getJson(`${server.url}/__profile`);
    const profiled = callgrindCounters(pid).all;
    return {
      variant, startup: listening, warmupPerRequest: round((warm - listening) / cfg.warmupRequests, 0),
      perRequest: round((done - warm) / r.requests.total, 0), requests: r.requests.total, errors: r.errors + r.non2xx,
      collect: p.collectMs === null ? null : profiled - done, samples: p.samples ?? null,
      // The GCs inside the measured window: a mark-compact more or less moves it by ~1 %.
      majorGcs: gcsAfter.major - gcsBefore.major, minorGcs: gcsAfter.minor - gcsBefore.minor,
    };
  } finally {
    await stopServer(server, 120_000);
    fs.rmSync(out, { force: true });
  }
}

async function callgrindRuns(targets, cfg, tmp, progress) {
  const specs = [];
  for (const target of targets) for (const variant of cfg.variants) for (let i = 0; i < cfg.runs; i++) specs.push({ target, variant, i });
  let finished = 0;
  progress(`HTTP under callgrind: ${specs.length} server processes, ${cfg.jobs} at a time, ${cfg.warmupRequests} + ${cfg.requests} requests each`);
  const all = await pool(specs.map((spec) => async () => {
    const t0 = Date.now();
    const name = `${targets.length > 1 ? `Node ${spec.target.key}, ` : ''}${spec.variant} #${spec.i + 1}`;
    try {
      const r = await callgrindOne(spec.target, spec.variant, cfg, tmp);
      progress(`HTTP callgrind ${++finished}/${specs.length}: ${name}: ${r.perRequest} instructions/request, start-up ${(r.startup / 1e6).toFixed(0)} M (${Math.round((Date.now() - t0) / 1000)} s)`);
      return { node: spec.target.key, ...r };
    } catch (error) {
      progress(`HTTP callgrind ${++finished}/${specs.length}: ${name}: FAILED`);
      return { node: spec.target.key, variant: spec.variant, error: String(error.message).slice(0, 2000) };
    }
  }), cfg.jobs);
  const byNode = {};
  for (const target of targets) {
    const mine = all.filter((x) => x.node === target.key).map(({ node, ...x }) => x);
    const failed = mine.find((x) => x.error);
    if (failed) { byNode[target.key] = { skipped: `failed: ${failed.error.split('\n').slice(0, 3).join(' ')}`, runs: mine }; continue; }
    const med = (variant, key) => median(mine.filter((x) => x.variant === variant).map((x) => x[key]));
    const byVariant = {};
    for (const variant of cfg.variants) {
      byVariant[variant] = {
        perRequest: med(variant, 'perRequest'), startup: med(variant, 'startup'), warmupPerRequest: med(variant, 'warmupPerRequest'),
        collect: med(variant, 'collect'), samples: med(variant, 'samples'),
        majorGcs: med(variant, 'majorGcs'), minorGcs: med(variant, 'minorGcs'),
        perRequestVsPlain: round(med(variant, 'perRequest') / med('plain', 'perRequest'), 5),
        perRequestVsControl: round(med(variant, 'perRequest') / med('loaded', 'perRequest'), 5),
        startupOverPlain: med(variant, 'startup') - med('plain', 'startup'),
      };
    }
    const spread = (variant) => {
      const v = mine.filter((x) => x.variant === variant).map((x) => x.perRequest);
      return v.length > 1 ? round((Math.max(...v) - Math.min(...v)) / median(v), 5) : null;
    };
    byNode[target.key] = { byVariant, spread: Object.fromEntries(cfg.variants.map((v) => [v, spread(v)])), runs: mine };
  }
  return byNode;
}

/** The HTTP step for every target: { [key]: { load, callgrind } }. */
async function httpServer(targets, cfg, tmp, progress) {
  for (const t of targets) t.httpVariants = cfg.variants.filter((v) => v !== 'heaptrack' || cfg.heaptrack);
  progress(`HTTP server: ${cfg.rounds} rounds × ${targets[0].httpVariants.length} variants${targets.length > 1 ? ` × ${targets.length} Node majors` : ''}, ${cfg.warmupS} s warm-up + ${cfg.seconds} s saturated each`);
  const runsOf = await loadRuns(targets, cfg, tmp, progress);
  const cg = cfg.callgrind.enabled ? await callgrindRuns(targets, cfg.callgrind, tmp, progress) : {};
  return Object.fromEntries(targets.map((t) => [t.key, {
    load: summarizeLoad(runsOf[t.key], t.httpVariants),
    callgrind: cfg.callgrind.enabled ? cg[t.key] : { skipped: 'disabled with --no-callgrind' },
  }]));
}

module.exports = { httpServer, callgrindRuns, SERVER_CPU, taskset };
