#!/usr/bin/env node
'use strict';
// Production benchmark: `npm run bench:production`.
//
// An HTTP service (server.js: node:http, ~2 KB JSON per request, ~80 MB live
// cache) under a loopback load generator (autocannon), with no profiler, with
// allocscope continuous mode + metrics, with @datadog/pprof heap profiling
// pushed the same way, and with prom-client's default metrics. Every run is a
// fresh server process; variants are interleaved (order rotated each round);
// figures are medians over rounds and ratios to the baseline of the same round.
//
// Fairness on a 2-core machine: the server is pinned to CPU 1 and this runner
// (load generator, profile sink, /metrics scraper) to CPU 0 with taskset, so
// the generator never competes with the server for its core. Throughput is
// measured at saturation (closed loop, 16 connections); latency at a fixed rate
// of half the baseline's calibrated throughput (open loop), where p99 reflects
// the service rather than queueing in the generator. /metrics is scraped every
// second in every variant (baseline answers with an empty page), and profiles
// are collected every --period ms (default 60000, the documented default of
// continuous.start(); until 2026-11 this benchmark used 5000, 12x more often).
// A collection's cost at that period is amortized from collection-cost.js.
//
// Fresh processes differ by ±10 % in CPU per request on this VM (JIT and GC
// heuristics), more than the effect, so paired.js also measures allocscope on
// vs off in alternating windows of the same process.
//
// Also measured (collection-cost.js, pinned to CPU 1): how long one collection
// holds the event loop on a ~100 MB heap allocated from 2,000 call sites.
//
// Options: --rounds N (default 5), --seconds N per phase (default 8),
//          --period MS (default 60000), --no-write, --quick (2 rounds, 3 s),
//          --render (docs/benchmarks.md from results.json; with --cost, collection-cost.js again).
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const autocannon = require('autocannon');
const { commandLine, environment, fmt, lastJsonLine, median, round, run } = require('../lib/common');
const { updateSection } = require('../lib/results');

const { flag, option } = commandLine('bench:production');
const quick = flag('--quick');
const CONFIG = {
  rounds: option('--rounds', quick ? 2 : 5),
  seconds: option('--seconds', quick ? 3 : 8),
  warmupSeconds: quick ? 1 : 3,
  periodMs: option('--period', 60_000),
  pairedProcesses: quick ? 1 : 2,
  pairedPairs: quick ? 2 : 6,
  connections: 16,
  latencyConnections: 8,
  scrapeEveryMs: 1000,
  variants: ['baseline', 'allocscope', 'datadog', 'prom-client'],
  costRuns: quick ? 1 : 3,
  write: !quick && !flag('--no-write'),
};
const SERVER = path.join(__dirname, 'server.js');
const COST = path.join(__dirname, 'collection-cost.js');
const PAIRED = path.join(__dirname, 'paired.js');
const RESULTS = path.join(__dirname, 'results.json');

const taskset = spawnSync('taskset', ['--version']).status === 0;
if (taskset && !process.env.BENCH_PINNED) {
  // Re-run this runner on CPU 0; servers go to CPU 1.
  const r = spawnSync('taskset', ['-c', '0', process.execPath, __filename, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, BENCH_PINNED: '1' } });
  process.exit(r.status ?? 1);
}
const onServerCpu = (argv) => (taskset ? ['taskset', ['-c', '1', process.execPath, ...argv]] : [process.execPath, argv]);

const startedAt = Date.now();
function progress(message) {
  const s = Math.round((Date.now() - startedAt) / 1000);
  const line = `[bench:production +${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s] ${message}`;
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}`);
  else process.stderr.write(`${line}\n`);
}

/** Where profiles are pushed: reads and discards them, counts them. */
function startSink() {
  let profiles = 0;
  const server = http.createServer((req, res) => { req.resume(); req.on('end', () => { profiles++; res.end(); }); });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}`, count: () => profiles, close: () => server.close() })));
}

function startServer(variant, sinkUrl) {
  const [cmd, args] = onServerCpu([SERVER, variant, sinkUrl, String(CONFIG.periodMs)]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}` });
    });
    child.on('exit', (code) => reject(new Error(`server ${variant} exited with ${code} before listening`)));
  });
}

function load(url, options) {
  return new Promise((resolve, reject) => {
    autocannon({ url: `${url}/orders?id=7`, ...options }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

function cpuMicros(url) {
  return new Promise((resolve, reject) => {
    http.get(`${url}/__cpu`, (res) => { let t = ''; res.on('data', (d) => { t += d; }); res.on('end', () => resolve(JSON.parse(t).cpuMicros)); }).on('error', reject);
  });
}

function scraper(url) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let scrapes = 0;
  const timer = setInterval(() => {
    http.get(`${url}/metrics`, { agent }, (res) => { res.resume(); res.on('end', () => { scrapes++; }); }).on('error', () => {});
  }, CONFIG.scrapeEveryMs);
  return { stop: () => { clearInterval(timer); agent.destroy(); return scrapes; } };
}

async function measure(variant, sink, rate) {
  const { child, url } = await startServer(variant, sink.url);
  const sinkBefore = sink.count();
  const scrape = scraper(url);
  try {
    await load(url, { connections: CONFIG.connections, duration: CONFIG.warmupSeconds });
    const cpu0 = await cpuMicros(url);
    const saturated = await load(url, { connections: CONFIG.connections, duration: CONFIG.seconds });
    const cpu1 = await cpuMicros(url);
    const paced = rate ? await load(url, { connections: CONFIG.latencyConnections, duration: CONFIG.seconds, overallRate: rate }) : null;
    return {
      variant,
      requestsPerSecond: saturated.requests.average,
      cpuMicrosPerRequest: (cpu1 - cpu0) / saturated.requests.total,
      errors: saturated.errors + saturated.non2xx,
      saturatedP99Ms: saturated.latency.p99,
      pacedRate: rate,
      pacedRequestsPerSecond: paced?.requests.average ?? null,
      pacedMeanMs: paced?.latency.mean ?? null,
      pacedP99Ms: paced?.latency.p99 ?? null,
      pacedP999Ms: paced?.latency.p99_9 ?? null,
      scrapes: scrape.stop(),
      profilesPushed: sink.count() - sinkBefore,
    };
  } finally {
    scrape.stop();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

function collectionCost() {
  const rows = [];
  for (const mode of ['live', 'allocated']) {
    for (let i = 0; i < CONFIG.costRuns; i++) {
      progress(`collection cost: ${mode} ${i + 1}/${CONFIG.costRuns}`);
      const [cmd, args] = onServerCpu([COST, mode, '10']);
      rows.push(lastJsonLine(run(cmd, args).stdout));
    }
  }
  const by = (mode) => rows.filter((r) => r.mode === mode);
  const summary = (mode) => ({
    mode,
    heapUsedMiB: median(by(mode).map((r) => r.heapUsedMiB)),
    blockingMsMedian: round(median(by(mode).map((r) => r.blockingMsMedian)), 2),
    blockingCpuMsMedian: round(median(by(mode).map((r) => r.blockingCpuMsMedian)), 2),
    blockingCpuMsMax: round(Math.max(...by(mode).map((r) => r.blockingCpuMsMax)), 2),
    longestStageMsMedian: round(median(by(mode).map((r) => r.longestStageMs)), 2),
    longestStageOwnMsMedian: round(median(by(mode).map((r) => r.longestStageOwnMs)), 2),
    longestStageOwnMsMax: round(Math.max(...by(mode).map((r) => r.longestStageOwnMs)), 2),
    stagesGcMsMedian: round(median(by(mode).map((r) => r.stagesGcMsPerCollection)), 2),
    wallMsMedian: round(median(by(mode).map((r) => r.wallMsMedian)), 2),
    pprofKiB: median(by(mode).map((r) => r.pprofKiB)),
    loopDelayMaxMsMedian: round(median(by(mode).map((r) => r.loopDelayMaxMsMedian)), 2),
  });
  return { runs: rows, live: summary('live'), allocated: summary('allocated') };
}

function summarize(runs) {
  const rows = {};
  for (const variant of CONFIG.variants) {
    const mine = runs.filter((r) => r.variant === variant);
    const ratio = (key) => median(mine.map((r) => {
      const base = runs.find((b) => b.variant === 'baseline' && b.round === r.round);
      return base && base[key] ? r[key] / base[key] : NaN;
    }));
    rows[variant] = {
      requestsPerSecond: round(median(mine.map((r) => r.requestsPerSecond)), 0),
      cpuMicrosPerRequest: round(median(mine.map((r) => r.cpuMicrosPerRequest)), 2),
      cpuPerRequestRatio: round(ratio('cpuMicrosPerRequest'), 4),
      cpuRoundRatios: mine.map((r) => {
        const base = runs.find((b) => b.variant === 'baseline' && b.round === r.round);
        return round(r.cpuMicrosPerRequest / base.cpuMicrosPerRequest, 4);
      }),
      throughputRatio: round(ratio('requestsPerSecond'), 4),
      pacedP99Ms: median(mine.map((r) => r.pacedP99Ms)),
      pacedP99Ratio: round(ratio('pacedP99Ms'), 3),
      pacedMeanMs: round(median(mine.map((r) => r.pacedMeanMs)), 3),
      pacedMeanRatio: round(ratio('pacedMeanMs'), 3),
      saturatedP99Ms: median(mine.map((r) => r.saturatedP99Ms)),
      roundRatios: mine.map((r) => {
        const base = runs.find((b) => b.variant === 'baseline' && b.round === r.round);
        return round(r.requestsPerSecond / base.requestsPerSecond, 4);
      }),
      errors: mine.reduce((s, r) => s + r.errors, 0),
      profilesPushed: mine.reduce((s, r) => s + r.profilesPushed, 0),
    };
  }
  return rows;
}

function markdown(result) {
  const { config, summary: s, cost, environment: env } = result;
  const label = { baseline: 'no profiler', allocscope: 'allocscope continuous + metrics', datadog: '@datadog/pprof heap profiling', 'prom-client': 'prom-client default metrics' };
  const lines = [
    '## Production mode (continuous profiling + metrics under load)',
    '',
    `\`npm run bench:production\` · ${env.date.slice(0, 10)} · node ${env.node} · ${env.cpuModel} × ${env.cpuCount} · load average at start ${env.loadAverageAtStart.join(' / ')}`,
    '',
    `node:http service (~2 KB JSON per request, ~80 MB live heap), server pinned to CPU 1, autocannon + profile sink + /metrics scraper (every ${config.scrapeEveryMs / 1000} s, all variants) pinned to CPU 0. ` +
    `${config.rounds} rounds × ${config.variants.length} variants, each a fresh process, order rotated per round; ${config.seconds} s per phase after ${config.warmupSeconds} s warm-up. ` +
    `Profiles collected and pushed every ${config.periodMs / 1000} s${config.periodMs === 60_000 ? ' (the production default)' : ` (the production default is 60 s)`}. Throughput at saturation (${config.connections} connections); ` +
    `latency at a fixed ${fmt(result.pacedRate)} req/s (half the calibrated baseline). Ratios are medians of per-round ratios to the same round's baseline; autocannon's latencies have 1 ms resolution.`,
    '',
    '| variant | CPU per request (median) | CPU/request vs baseline | req/s (median) | throughput vs baseline | p99 at fixed rate | p99 ratio | mean at fixed rate | mean ratio | profiles pushed |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...config.variants.map((v) => {
      const r = s[v];
      return `| ${label[v]} | ${fmt(r.cpuMicrosPerRequest, 1)} µs | ${v === 'baseline' ? '1' : `${fmt(r.cpuPerRequestRatio, 4)} (${fmt((r.cpuPerRequestRatio - 1) * 100, 2)} %)`} | ${fmt(r.requestsPerSecond)} | ${v === 'baseline' ? '1' : `${fmt(r.throughputRatio, 4)} (${fmt((r.throughputRatio - 1) * 100, 2)} %)`} | ${fmt(r.pacedP99Ms)} ms | ${v === 'baseline' ? '1' : fmt(r.pacedP99Ratio, 2)} | ${fmt(r.pacedMeanMs, 3)} ms | ${v === 'baseline' ? '1' : fmt(r.pacedMeanRatio, 2)} | ${fmt(r.profilesPushed)} |`;
    }),
    '',
    `CPU per request is the server process's CPU time (all threads: GC helpers, gzip on the thread pool, the profilers' own threads) during the saturated phase divided by the requests it served; its inverse is the throughput the service would reach on a core of its own, and preemption by other processes does not inflate it, so on a shared machine it is the figure to read for throughput loss. ` +
    `Per-round CPU-per-request ratios, allocscope: ${s.allocscope.cpuRoundRatios.map((x) => fmt(x, 4)).join(', ')}; @datadog/pprof: ${s.datadog.cpuRoundRatios.map((x) => fmt(x, 4)).join(', ')}; prom-client: ${s['prom-client'].cpuRoundRatios.map((x) => fmt(x, 4)).join(', ')}.`,
    '',
    `Per-round throughput ratios, allocscope: ${s.allocscope.roundRatios.map((x) => fmt(x, 4)).join(', ')}; @datadog/pprof: ${s.datadog.roundRatios.map((x) => fmt(x, 4)).join(', ')}; prom-client: ${s['prom-client'].roundRatios.map((x) => fmt(x, 4)).join(', ')}.`,
    '',
    ...(result.paired ? [
      `**Paired windows** (paired.js, ${result.paired.config.processes} processes × ${result.paired.config.pairs} pairs of ${fmt(result.paired.config.requests)}-request windows, allocscope continuous + metrics switched on and off in the same server process): CPU per request ×${fmt(result.paired.cpuPerRequestRatio, 4)} with allocscope on (median; quartiles ${result.paired.ratioQuartiles.map((x) => fmt(x, 4)).join('–')}, range ${result.paired.ratioRange.map((x) => fmt(x, 4)).join('–')}). ` +
      `Fresh processes differ by ±10 % on this VM (JIT and GC heuristics, memory layout), so the table above cannot resolve a 1 % effect; the paired windows cancel that variance. No instruction counts: this VM exposes no hardware counters to perf, and callgrind slows node ~50× (timers and GC heuristics then no longer match the service).`,
      '',
    ] : []),
    `${result.verdict}`,
    '',
    `**Collection cost** (collection-cost.js, ${config.costRuns} processes × 10 collections per mode, ~${cost.live.heapUsedMiB} MB heap from 2,000 call sites under allocation churn): ` +
    `one collection costs ${fmt(cost.live.blockingCpuMsMedian, 2)} ms of CPU on the event-loop thread in live mode (median; worst ${fmt(cost.live.blockingCpuMsMax, 2)} ms) and ${fmt(cost.allocated.blockingCpuMsMedian, 2)} ms in allocated mode (worst ${fmt(cost.allocated.blockingCpuMsMax, 2)} ms), split over stages with event-loop turns between them (the pprof encoding in slices of ≤ 2 ms); gzip runs on the thread pool. ` +
    (cost.live.longestStageOwnMsMax !== undefined ? `Longest single stage without the GC pauses that fell inside it (allocscope's own longest hold of the loop): ${fmt(cost.live.longestStageOwnMsMedian, 1)} / ${fmt(cost.allocated.longestStageOwnMsMedian, 1)} ms (median of processes; worst ${fmt(cost.live.longestStageOwnMsMax, 1)} / ${fmt(cost.allocated.longestStageOwnMsMax, 1)} ms). ` : '') +
    `Measured as wall time the same stages held the loop ${fmt(cost.live.blockingMsMedian, 1)} / ${fmt(cost.allocated.blockingMsMedian, 1)} ms per collection (median; longest single stage ${fmt(cost.live.longestStageMsMedian, 1)} / ${fmt(cost.allocated.longestStageMsMedian, 1)} ms), preemption and GC pauses included; ` +
    `whole collection ${fmt(cost.live.wallMsMedian, 1)} / ${fmt(cost.allocated.wallMsMedian, 1)} ms of wall time; gzipped pprof ${fmt(cost.live.pprofKiB)} / ${fmt(cost.allocated.pprofKiB)} KiB.`,
  ];
  return lines.join('\n');
}

/** Amortized CPU share of the collections at the configured period (from collection-cost.js, live mode). */
const amortizedCollectionShare = (cost, config) => cost.live.blockingCpuMsMedian / config.periodMs;

function verdictOf(summary, paired, cost, config) {
  const a = summary.allocscope;
  const peersP99 = Math.min(summary.datadog.pacedP99Ms, summary['prom-client'].pacedP99Ms);
  const loss = (1 - a.throughputRatio) * 100;
  const spread = Math.max(...a.roundRatios) - Math.min(...a.roundRatios);
  const cpuLoss = (1 - 1 / a.cpuPerRequestRatio) * 100;
  const cpuSpread = (Math.max(...a.cpuRoundRatios) - Math.min(...a.cpuRoundRatios)) * 100;
  const pairedLoss = paired ? (1 - 1 / paired.cpuPerRequestRatio) * 100 + amortizedCollectionShare(cost, config) * 100 : null;
  return [
    paired ? `Paired windows in one process (the figure with the least noise): CPU per request ×${fmt(paired.cpuPerRequestRatio, 4)} with allocscope on (median of ${paired.pairs} pairs; quartiles ${paired.ratioQuartiles.map((x) => fmt(x, 4)).join('–')}), plus ${fmt(amortizedCollectionShare(cost, config) * 100, 3)} % for one live collection per ${config.periodMs / 1000} s: ` +
      `${fmt(pairedLoss, 2)} % throughput loss by the median; ` +
      (paired.ratioQuartiles[0] <= 1.01 && paired.ratioQuartiles[1] >= 1.01
        ? `but the quartiles straddle 1 %, so the ≤ 1 % target is **neither shown nor refuted** at this resolution.`
        : `the ≤ 1 % target is ${pairedLoss <= 1 ? 'met' : '**missed**'}.`) : '',
    cpuLoss <= 1 ? `Fresh processes, CPU per request: ${fmt(cpuLoss, 2)} % (median within the target; per-round ratios spread over ${fmt(cpuSpread, 1)} points${cpuSpread > 2 ? ', so not resolved' : ''}).`
      : `Fresh processes, CPU per request: ${fmt(cpuLoss, 2)} % (**missed**; per-round ratios spread over ${fmt(cpuSpread, 1)} points${cpuSpread > Math.abs(cpuLoss) ? ', more than the loss itself' : ''}).`,
    loss <= 1 ? `Measured req/s: ${fmt(loss, 2)} % loss (median of per-round ratios, within the target; rounds spread over ${fmt(spread * 100, 1)} points${spread * 100 > 2 ? ', so not resolved' : ''}).`
      : `Measured req/s: **missed**, ${fmt(loss, 2)} % loss (median of per-round ratios; rounds spread over ${fmt(spread * 100, 1)} points${spread * 100 > loss ? ', more than the loss itself: the noise is larger than the effect' : ''}).`,
    Math.max(a.pacedP99Ms, peersP99, summary.baseline.pacedP99Ms) < 1 ? `p99: every variant's p99 at the fixed rate is below autocannon's 1 ms resolution (reported as 0 ms), so "no worse than the peers" holds only at that resolution; at the 60 s period no collection fell inside a latency phase (a collection holds the loop for up to the longest stage below, once a minute: ~0.01 % of requests, beyond p99).`
      : a.pacedP99Ms <= peersP99 ? `p99 target met: ${fmt(a.pacedP99Ms)} ms vs the best peer's ${fmt(peersP99)} ms.` : `p99 target **missed**: ${fmt(a.pacedP99Ms)} ms vs the best peer's ${fmt(peersP99)} ms.`,
  ].filter(Boolean).join(' ');
}

if (flag('--render')) {
  // Re-renders docs/benchmarks.md (and the verdict) from the committed results.json.
  const result = JSON.parse(fs.readFileSync(RESULTS, 'utf8'));
  if (flag('--cost')) result.cost = collectionCost(); // --render --cost: the collection cost measured again
  result.verdict = verdictOf(result.summary, result.paired, result.cost, result.config);
  fs.writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
  updateSection('production', markdown(result));
  process.exit(0);
}

(async () => {
  const sink = await startSink();
  progress('calibrating the baseline');
  const calibration = await measure('baseline', sink, null);
  const rate = Math.round(calibration.requestsPerSecond / 2 / 100) * 100;
  const runs = [];
  for (let round = 0; round < CONFIG.rounds; round++) {
    const order = CONFIG.variants.map((_, i) => CONFIG.variants[(i + round) % CONFIG.variants.length]);
    for (const variant of order) {
      progress(`round ${round + 1}/${CONFIG.rounds}: ${variant}`);
      runs.push({ round, ...(await measure(variant, sink, rate)) });
    }
  }
  sink.close();
  const cost = collectionCost();
  progress('paired windows: allocscope on vs off in the same process');
  const paired = JSON.parse(run(process.execPath, [PAIRED, '--processes', String(CONFIG.pairedProcesses), '--pairs', String(CONFIG.pairedPairs), '--period', String(CONFIG.periodMs)]).stdout);
  const summary = summarize(runs);
  const verdict = verdictOf(summary, paired, cost, CONFIG);
  const result = { config: CONFIG, pacedRate: rate, calibration, paired, environment: environment([['autocannon', 'autocannon'], ['datadogPprof', '@datadog/pprof'], ['promClient', 'prom-client']]), summary, verdict, cost, runs };
  process.stderr.write('\n');
  console.log(JSON.stringify({ summary, verdict, cost: { live: cost.live, allocated: cost.allocated } }, null, 2));
  if (CONFIG.write) {
    fs.writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
    updateSection('production', markdown(result));
    progress(`wrote ${path.relative(process.cwd(), RESULTS)} and docs/benchmarks.md\n`);
  }
})().catch((error) => { console.error(error); process.exit(1); });
