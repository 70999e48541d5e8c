#!/usr/bin/env node
'use strict';
// Peak watch benchmark (issue 15): `npm run bench:peak`.
//
// What heap.start({ mode: 'live', peak: true }) costs, on two workloads:
//   climb    a heap that climbs steadily to ~1 GB (climb-work.js: 4.4 M rows retained
//            in chunks, --max-old-space-size=2048): a new high at nearly every GC;
//   service  node:http with a bounded LRU cache at a steady state (service.js) under
//            autocannon, the server pinned to CPU 1 and the runner (load) to CPU 0.
// Every run a fresh process; variants none / live (sampler without peak) / peak,
// interleaved, the order rotated each round; medians and per-round ratios to none.
// Figures:
//   1. share of wall time spent collecting moments: figures.costMs over the climb's
//      wall time, or over the service's measured window (target ≤ 1 %);
//   2. the longest collection (figures.maxCostMs) against V8's own GetAllocationProfile
//      for a profile of the same size, timed alone by gap-addon.cc (built here) in the
//      same process: at the end of each run (median of 9) and, for the climb, along the
//      way in a live sampler without peak ("probe" runs: every 10th chunk); beside it
//      the addon's live collect and heap.profile() (target: no collection longer);
//   3. overhead on the workload: the climb's wall and CPU time, the service's
//      requests/s and server CPU per request;
//   4. instructions (valgrind --tool=callgrind, --predictable) of a short climb
//      (300 k rows, ~70 MB): none, live, peak;
//   5. the soak: the service's work in a loop for 10 minutes with the peak watch at its
//      default period (1 s) and cap (240 moments), heap.moments() read every 10 s:
//      moments held (target ≤ maxMoments + 1), thinned, the watch's stored entries, RSS.
//      It runs beside the callgrind runs (neither measures time).
// Writes benchmarks/peak/results.json and the "peak" section of docs/benchmarks.md.
//
// Options:
//   --rounds N           rounds of each workload (default 5)
//   --rows N             rows of the climb (default 4,400,000: ~1 GB used heap)
//   --service-seconds N  measured window of each service run (default 12; 3 s warm-up before)
//   --soak-seconds N     length of the soak (default 600)
//   --no-callgrind       skip the instruction counts
//   --short              2 rounds, 1.1 M rows, 6 s windows, 30 s soak, 1 callgrind run; implies --no-write
//   --no-write           print only
//   --write-docs         recompute the summary from results.json's runs and regenerate the docs section, without measuring
//   --only-own           re-measure only each collection's own part against the GetAllocationProfile inside it
//                        (peak variant, climb and service, --rounds of each) into results.json's runs.own
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { commandLine, ROOT, environment, fmt, lastJsonLine, median, pool, ratioSpread, round, run, runAsync } = require('../lib/common');
const { updateSection } = require('../lib/results');
const { pinRunner, onServerCpu, taskset } = require('../production/cpus');

pinRunner(__filename);
const autocannon = require('autocannon');

const { flag, option } = commandLine('bench:peak');
const short = flag('--short');
const CONFIG = {
  variants: ['none', 'live', 'peak'],
  rounds: option('--rounds', short ? 2 : 5),
  climb: { rows: option('--rows', short ? 1_100_000 : 4_400_000), maxOldSpaceMiB: 2048 },
  service: { warmupS: 3, seconds: option('--service-seconds', short ? 6 : 12), connections: 8 },
  soak: { seconds: option('--soak-seconds', short ? 30 : 600), everyS: short ? 5 : 10, warmupS: short ? 10 : 60 },
  callgrind: { enabled: !flag('--no-callgrind'), rows: 300_000, runs: short ? 1 : 2, jobs: 2, nodeFlags: ['--predictable', '--random-seed=1'] },
  budget: 0.01,
  write: !short && !flag('--no-write'),
};
const RESULTS = path.join(__dirname, 'results.json');
const CLIMB = path.join(__dirname, 'climb.js');
const SERVER = path.join(__dirname, 'server.js');
const SOAK = path.join(__dirname, 'soak.js');

const startedAt = Date.now();
function progress(message) {
  const s = Math.round((Date.now() - startedAt) / 1000);
  process.stderr.write(`[bench:peak +${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s] ${message}\n`);
}
const rotated = (list, r) => list.map((_, i) => list[(i + r) % list.length]);
const spread = (values, digits) => ({ median: round(median(values), digits), range: [round(Math.min(...values), digits), round(Math.max(...values), digits)] });
const pct = (x) => round(x * 100, 4);

// ---- what the children run ------------------------------------------------------

/**
 * dist/ and the addon copied into `scratch` (under node_modules/, so dist's requires
 * resolve): another engineer may rebuild them while this runs. gap-addon.cc built there.
 */
function prepare(scratch) {
  const dist = path.join(scratch, 'dist');
  fs.cpSync(path.join(ROOT, 'dist'), dist, { recursive: true, preserveTimestamps: true });
  const built = require('node-gyp-build').path(ROOT);
  const addon = path.join(scratch, 'allocscope.node');
  fs.copyFileSync(built, addon);
  const gap = path.join(scratch, 'gap.node');
  const include = path.join(path.dirname(process.execPath), '..', 'include', 'node');
  run('c++', ['-std=c++20', '-shared', '-fPIC', '-O2', `-I${include}`, '-DNODE_GYP_MODULE_NAME=gap', path.join(__dirname, 'gap-addon.cc'), '-o', gap]);
  return {
    env: { ...process.env, ALLOCSCOPE_DIST: dist, ALLOCSCOPE_ADDON: addon }, gap,
    info: { addon: path.relative(ROOT, built), addonBuiltAt: new Date(fs.statSync(built).mtimeMs).toISOString(), distBuiltAt: new Date(fs.statSync(path.join(ROOT, 'dist', 'index.js')).mtimeMs).toISOString() },
  };
}

/** [command, args] for node `args` on every CPU (the runner itself is pinned to CPU 0). */
const onAllCpus = (args) => (taskset ? ['taskset', ['-c', `0-${os.cpus().length - 1}`, process.execPath, ...args]] : [process.execPath, args]);

// ---- 1. the climb ----------------------------------------------------------------

function climbRun(variant, target) {
  const [cmd, args] = onAllCpus([`--max-old-space-size=${CONFIG.climb.maxOldSpaceMiB}`, CLIMB, variant, '--rows', String(CONFIG.climb.rows), '--gap', target.gap]);
  return lastJsonLine(run(cmd, args, { env: target.env }).stdout);
}

function climbRounds(target) {
  const rounds = [];
  for (let r = 0; r < CONFIG.rounds; r++) {
    const round_ = { round: r + 1, order: rotated(CONFIG.variants, r), runs: {} };
    for (const variant of [...round_.order, 'probe']) {
      progress(`climb round ${r + 1}/${CONFIG.rounds}: ${variant}`);
      round_.runs[variant] = climbRun(variant, target);
    }
    rounds.push(round_);
  }
  return rounds;
}

// ---- 2. the service ----------------------------------------------------------------

const getJson = (url) => new Promise((resolve, reject) => {
  http.get(url, (res) => { let t = ''; res.on('data', (d) => { t += d; }); res.on('end', () => resolve(JSON.parse(t))); }).on('error', reject);
});
const load = (url, seconds) => new Promise((resolve, reject) => {
  autocannon({ url: `${url}/orders`, connections: CONFIG.service.connections, duration: seconds }, (error, result) => (error ? reject(error) : resolve(result)));
});

async function serviceRun(variant, target) {
  const [cmd, args] = onServerCpu([SERVER, variant, '--gap', target.gap]);
  const { spawn } = require('node:child_process');
  const child = spawn(cmd, args, { cwd: ROOT, env: target.env, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => { out += d; const m = /\{"port":(\d+)\}/.exec(out); if (m) resolve(`http://127.0.0.1:${m[1]}`); });
      child.on('exit', (code) => reject(new Error(`server ${variant} exited with ${code} before listening`)));
    });
    await load(url, CONFIG.service.warmupS);
    const before = await getJson(`${url}/__figures`);
    const r = await load(url, CONFIG.service.seconds);
    const after = await getJson(`${url}/__figures?reference=1`);
    const requests = after.served - before.served;
    const out = {
      requests, requestsPerS: r.requests.average, errors: r.errors + r.non2xx,
      cpuUsPerRequest: round(((after.cpuMs - before.cpuMs) * 1000) / requests, 2), maxRssKiB: after.maxRssKiB,
      reference: after.reference,
    };
    if (variant === 'peak') {
      const f0 = before.figures;
      const f1 = after.figures;
      out.window = {
        ms: f1.sinceStartMs - f0.sinceStartMs, collections: f1.collections - f0.collections, costMs: f1.costMs - f0.costMs,
        rateLimited: f1.rateLimited - f0.rateLimited, gcs: f1.gcs - f0.gcs,
      };
      out.figures = f1;
      out.moments = after.moments;
    }
    return out;
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
  }
}

async function serviceRounds(target) {
  const rounds = [];
  for (let r = 0; r < CONFIG.rounds; r++) {
    const round_ = { round: r + 1, order: rotated(CONFIG.variants, r), runs: {} };
    for (const variant of round_.order) {
      progress(`service round ${r + 1}/${CONFIG.rounds}: ${variant}`);
      round_.runs[variant] = await serviceRun(variant, target);
    }
    rounds.push(round_);
  }
  return rounds;
}

// ---- own part vs GetAllocationProfile ------------------------------------------------

// Each collection times V8's GetAllocationProfile inside it apart from allocscope's own
// part (folding into the shared tree, storing the moment), in the isolate thread's CPU
// time: figures.gapCpuMs, ownCpuMs, maxOwnCpuMs, maxOwnOverGap (the largest own ÷ that
// collection's GetAllocationProfile), ownOverGap (collections whose own part was the longer).
const OWN_FIGURES = ['collections', 'costMs', 'maxCostMs', 'gapCpuMs', 'ownCpuMs', 'maxOwnCpuMs', 'maxOwnOverGap', 'ownOverGap'];
const pickOwn = (figures) => Object.fromEntries(OWN_FIGURES.map((k) => [k, figures[k]]));

async function ownRounds(target) {
  const own = { climb: [], service: [] };
  for (let r = 0; r < CONFIG.rounds; r++) {
    progress(`own part round ${r + 1}/${CONFIG.rounds}: climb`);
    own.climb.push(pickOwn(climbRun('peak', target).figures));
    progress(`own part round ${r + 1}/${CONFIG.rounds}: service`);
    own.service.push(pickOwn((await serviceRun('peak', target)).figures));
  }
  return own;
}

function ownSummary(rounds) {
  const sum = (k) => rounds.reduce((t, f) => t + f[k], 0);
  return {
    rounds: rounds.length,
    collections: sum('collections'),
    gapSharePct: spread(rounds.map((f) => pct(f.gapCpuMs / (f.gapCpuMs + f.ownCpuMs))), 1),
    maxOwnCpuMs: spread(rounds.map((f) => f.maxOwnCpuMs), 3),
    maxOwnOverGap: spread(rounds.map((f) => f.maxOwnOverGap), 2),
    ownOverGap: sum('ownOverGap'),
  };
}

// ---- 3. callgrind and the soak, side by side -----------------------------------------

async function callgrindRun(variant, target) {
  const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, ...CONFIG.callgrind.nodeFlags,
    `--max-old-space-size=${CONFIG.climb.maxOldSpaceMiB}`, CLIMB, variant, '--rows', String(CONFIG.callgrind.rows), '--no-reference'];
  const [cmd, full] = taskset ? ['taskset', ['-c', `0-${os.cpus().length - 1}`, 'valgrind', ...args]] : ['valgrind', args];
  const r = await runAsync(cmd, full, { env: target.env });
  const m = /Collected\s*:\s*(\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no "Collected" total in callgrind's output:\n${r.stderr.slice(-2000)}`);
  const out = lastJsonLine(r.stdout);
  return { variant, instructions: Number(m[1]), collections: out.figures?.collections ?? null, costMs: out.figures ? round(out.figures.costMs, 1) : null, wallMs: round(r.wallMs, 0) };
}

async function callgrindAndSoak(target) {
  const [cmd, args] = onAllCpus([SOAK, '--seconds', String(CONFIG.soak.seconds), '--every', String(CONFIG.soak.everyS)]);
  const soak = runAsync(cmd, args, { env: target.env }).then((r) => lastJsonLine(r.stdout));
  let cg = null;
  if (CONFIG.callgrind.enabled) {
    const tasks = [];
    for (let k = 0; k < CONFIG.callgrind.runs; k++) for (const v of CONFIG.variants) tasks.push(() => { progress(`callgrind ${v} (${k + 1}/${CONFIG.callgrind.runs})`); return callgrindRun(v, target); });
    cg = await pool(tasks, CONFIG.callgrind.jobs);
  }
  progress(`waiting for the soak (${CONFIG.soak.seconds} s from the start of this phase)`);
  return { callgrind: cg, soak: await soak };
}

// ---- summary -----------------------------------------------------------------------

function summarize(runs) {
  const { climb, service, callgrind, soak } = runs;
  const per = (rounds, variant, key) => rounds.map((r) => r.runs[variant][key]);
  const ratios = (rounds, variant, key) => rounds.map((r) => r.runs[variant][key] / r.runs.none[key]);
  const byVariant = (rounds, key, digits) => Object.fromEntries(CONFIG.variants.map((v) => [v, spread(per(rounds, v, key), digits)]));
  // { live, peak } of f(rounds, variant, key): their ratios to none, summarized or per round.
  const both = (f, rounds, key) => ({ live: f(rounds, 'live', key), peak: f(rounds, 'peak', key) });
  const ratioOf = (rounds, variant, key) => ratioSpread(ratios(rounds, variant, key));
  const perRound = (rounds, variant, key) => ratios(rounds, variant, key).map((x) => round(x, 3));
  const climbSummary = {
    usedHeapMiB: spread(per(climb, 'peak', 'usedHeapBytes').map((b) => b / 2 ** 20), 0),
    workloadMs: byVariant(climb, 'workloadMs', 0),
    workloadCpuMs: byVariant(climb, 'workloadCpuMs', 0),
    wallRatio: both(ratioOf, climb, 'workloadMs'),
    cpuRatio: both(ratioOf, climb, 'workloadCpuMs'),
    perRoundWallRatio: both(perRound, climb, 'workloadMs'),
    perRoundCpuRatio: both(perRound, climb, 'workloadCpuMs'),
    peakVsLiveWall: ratioSpread(climb.map((r) => r.runs.peak.workloadMs / r.runs.live.workloadMs)),
    peakVsLiveCpu: ratioSpread(climb.map((r) => r.runs.peak.workloadCpuMs / r.runs.live.workloadCpuMs)),
    sharePct: spread(climb.map((r) => pct(r.runs.peak.figures.costMs / r.runs.peak.workloadMs)), 4),
    collections: spread(climb.map((r) => r.runs.peak.figures.collections), 0),
    rateLimited: spread(climb.map((r) => r.runs.peak.figures.rateLimited), 0),
    gcs: spread(climb.map((r) => r.runs.peak.figures.gcs), 0),
    meanCostMs: spread(climb.map((r) => r.runs.peak.figures.costMs / r.runs.peak.figures.collections), 3),
    maxCostMs: spread(climb.map((r) => r.runs.peak.figures.maxCostMs), 3),
    perRoundMaxCostMs: climb.map((r) => round(r.runs.peak.figures.maxCostMs, 2)),
    endSamples: spread(climb.map((r) => r.runs.peak.reference.samples), 0),
    endNodes: spread(climb.map((r) => r.runs.peak.reference.nodes), 0),
    // References at the end of the peak run (same process, same heap) and along the probe runs' climb.
    endGapMs: spread(climb.map((r) => r.runs.peak.reference.gapMs.median), 3),
    endCollectMs: spread(climb.map((r) => r.runs.peak.reference.collectMs.median), 3),
    endProfileMs: spread(climb.map((r) => r.runs.peak.reference.profileMs.median), 3),
    probeGapMedianMs: spread(climb.map((r) => median(r.runs.probe.probes.gapMs)), 3),
    probeGapMaxMs: spread(climb.map((r) => Math.max(...r.runs.probe.probes.gapMs)), 3),
    probeCollectMedianMs: spread(climb.map((r) => median(r.runs.probe.probes.collectMs)), 3),
    probeCollectMaxMs: spread(climb.map((r) => Math.max(...r.runs.probe.probes.collectMs)), 3),
    // GetAllocationProfile at the climb's largest profile: the median of the last 5 probes.
    probeGapFinalMs: spread(climb.map((r) => median(r.runs.probe.probes.gapMs.slice(-5))), 3),
    probes: spread(climb.map((r) => r.runs.probe.probes.gapMs.length), 0),
  };
  const serviceSummary = {
    requestsPerS: byVariant(service, 'requestsPerS', 0),
    cpuUsPerRequest: byVariant(service, 'cpuUsPerRequest', 2),
    throughputRatio: both(ratioOf, service, 'requestsPerS'),
    cpuPerRequestRatio: both(ratioOf, service, 'cpuUsPerRequest'),
    perRoundThroughputRatio: both(perRound, service, 'requestsPerS'),
    perRoundCpuPerRequestRatio: both(perRound, service, 'cpuUsPerRequest'),
    peakVsLiveCpuPerRequest: ratioSpread(service.map((r) => r.runs.peak.cpuUsPerRequest / r.runs.live.cpuUsPerRequest)),
    sharePct: spread(service.map((r) => pct(r.runs.peak.window.costMs / r.runs.peak.window.ms)), 4),
    collectionsPerS: spread(service.map((r) => (r.runs.peak.window.collections * 1000) / r.runs.peak.window.ms), 2),
    gcsPerS: spread(service.map((r) => (r.runs.peak.window.gcs * 1000) / r.runs.peak.window.ms), 1),
    meanCostMs: spread(service.map((r) => r.runs.peak.window.costMs / r.runs.peak.window.collections), 3),
    maxCostMs: spread(service.map((r) => r.runs.peak.figures.maxCostMs), 3),
    endSamples: spread(service.map((r) => r.runs.peak.reference.samples), 0),
    endGapMs: spread(service.map((r) => r.runs.peak.reference.gapMs.median), 3),
    endGapMaxMs: spread(service.map((r) => r.runs.peak.reference.gapMs.max), 3),
    endCollectMs: spread(service.map((r) => r.runs.peak.reference.collectMs.median), 3),
    liveEndCollectMs: spread(service.map((r) => r.runs.live.reference.collectMs.median), 3),
    endProfileMs: spread(service.map((r) => r.runs.peak.reference.profileMs.median), 3),
    errors: service.reduce((s, r) => s + CONFIG.variants.reduce((t, v) => t + r.runs[v].errors, 0), 0),
  };
  let cg = null;
  if (callgrind) {
    const ir = (v) => median(callgrind.filter((c) => c.variant === v).map((c) => c.instructions));
    cg = {
      instructions: Object.fromEntries(CONFIG.variants.map((v) => [v, ir(v)])),
      liveVsNone: round(ir('live') / ir('none'), 4), peakVsNone: round(ir('peak') / ir('none'), 4), peakVsLive: round(ir('peak') / ir('live'), 4),
      peakCollections: callgrind.filter((c) => c.variant === 'peak').map((c) => c.collections),
    };
  }
  const cap = soak.settings.maxMoments + 1;
  const after = soak.series.filter((s) => s.atS >= CONFIG.soak.warmupS);
  const soakSummary = {
    seconds: soak.seconds, samples: soak.series.length,
    maxMoments: Math.max(...soak.series.map((s) => s.moments)), cap,
    finalMoments: soak.series.at(-1).moments, collections: soak.figures.collections, thinned: soak.figures.thinned,
    maxEntries: Math.max(...soak.series.map((s) => s.entries)), finalEntries: soak.series.at(-1).entries, treeNodes: soak.series.at(-1).treeNodes,
    rssMiB: { afterWarmupMin: round(Math.min(...after.map((s) => s.rssBytes)) / 2 ** 20, 1), afterWarmupMax: round(Math.max(...after.map((s) => s.rssBytes)) / 2 ** 20, 1), final: round(soak.series.at(-1).rssBytes / 2 ** 20, 1) },
    sharePct: pct(soak.figures.costMs / soak.figures.sinceStartMs), maxCostMs: round(soak.figures.maxCostMs, 3),
    requests: soak.series.at(-1).requests,
  };
  const limit = CONFIG.budget * 100;
  const targets = {
    climbShare: { target: `≤ ${limit} % of wall time`, value: climbSummary.sharePct.median, met: climbSummary.sharePct.range[1] <= limit },
    serviceShare: { target: `≤ ${limit} % of wall time`, value: serviceSummary.sharePct.median, met: serviceSummary.sharePct.range[1] <= limit },
    // The longest collection (median over rounds) against GetAllocationProfile alone for the
    // largest profile of the run: along the climb (its last probes; mid-climb it is slower than
    // when called again and again at the end) and at the service's end. The longest GetAllocationProfile
    // seen (preempted ones included) is beside it in the docs, not the reference.
    climbMaxCollection: { target: 'longest collection ≤ GetAllocationProfile of the same profile', value: climbSummary.maxCostMs.median, reference: climbSummary.probeGapFinalMs.median, met: climbSummary.maxCostMs.median <= climbSummary.probeGapFinalMs.median },
    serviceMaxCollection: { target: 'longest collection ≤ GetAllocationProfile of the same profile', value: serviceSummary.maxCostMs.median, reference: serviceSummary.endGapMs.median, met: serviceSummary.maxCostMs.median <= serviceSummary.endGapMs.median },
    soakCap: { target: `moments ≤ maxMoments + 1 (${cap}) over ${soak.seconds} s`, value: soakSummary.maxMoments, met: soakSummary.maxMoments <= cap && soakSummary.maxEntries <= cap * soakSummary.treeNodes },
  };
  if (runs.own) {
    const own = { climb: ownSummary(runs.own.climb), service: ownSummary(runs.own.service) };
    const target = 'each collection\'s own part ≤ the GetAllocationProfile inside it';
    targets.climbOwn = { target, value: own.climb.maxOwnOverGap.median, met: own.climb.ownOverGap === 0 };
    targets.serviceOwn = { target, value: own.service.maxOwnOverGap.median, met: own.service.ownOverGap === 0 };
    return { climb: climbSummary, service: serviceSummary, callgrind: cg, soak: soakSummary, own, targets };
  }
  return { climb: climbSummary, service: serviceSummary, callgrind: cg, soak: soakSummary, targets };
}

// ---- docs ----------------------------------------------------------------------------

function markdown(results) {
  const { summary: s, config: c, environment: env } = results;
  // A median and its range: of per-round ratios (ratioSpread) or of per-round values (spread).
  const m = (x) => `${fmt(x.median, 3)} (${fmt(x.range[0], 3)}–${fmt(x.range[1], 3)})`;
  const r = m;
  const yes = (t) => (t.met ? 'yes' : '**no**');
  const L = [];
  L.push('<!-- peak:start -->', '## Peak watch (moments of the live heap)', '');
  L.push(`\`npm run bench:peak\` (issue 15) · ${env.date.slice(0, 10)} · Node ${env.node} · ${env.cpuCount} × ${env.cpuModel} (shared, noisy: load average ${env.loadAverageAtStart.join(' / ')} at the start) · commit ${env.commit}`);
  L.push('');
  L.push('**Method.** `heap.start({ mode: \'live\', peak: true })` at its defaults (budget 1 %, a moment a second, 240 kept, 512 KiB interval) on two workloads, every run a fresh process, variants');
  L.push(`*none* (no allocscope), *live* (the live sampler without \`peak\`) and *peak* interleaved, order rotated, ${c.rounds} rounds:`);
  L.push(`- **climb**: ${fmt(c.climb.rows)} rows retained in chunks of 10,000 (three allocation sites), \`--max-old-space-size=${c.climb.maxOldSpaceMiB}\`: the used heap climbs to ${fmt(s.climb.usedHeapMiB.median)} MiB, a new high at nearly every GC.`);
  L.push(`- **service**: node:http, a bounded LRU cache (50,000 records of ~1 KB) and a JSON body per request, under autocannon (${c.service.connections} connections) for ${c.service.warmupS} s of warm-up and a ${c.service.seconds} s measured window; server pinned to CPU 1, autocannon to CPU 0.`);
  L.push('- **Share of wall time**: `figures.costMs` (collections, timed on the isolate\'s thread inside the V8 interrupt) over the climb\'s wall time, or over the service\'s measured window.');
  L.push('- **Reference for one collection**: V8\'s `GetAllocationProfile` timed alone (a 40-line addon, `gap-addon.cc`, creating and deleting the profile of the sampler allocscope started, not walking it), in the same process at the end (median of 9, interleaved with the addon\'s live `collect` = GetAllocationProfile + folding into a fresh tree + typed arrays, and `heap.profile({ sourceMaps: false })` = that + the Profile object); for the climb also along the way, every 10th chunk, in a live sampler without `peak` (*probe* runs).');
  L.push(`- **Instructions**: \`valgrind --tool=callgrind\`, node \`${c.callgrind.nodeFlags.join(' ')}\`, a climb of ${fmt(c.callgrind.rows)} rows (~70 MB), ${c.callgrind.runs} run(s) each, medians. Under callgrind the process runs ~50× slower while the period and budget are wall-clock: the counts hold the collections that run made (listed).`);
  L.push(`- **Soak**: the service's work in a loop (no sockets) for ${fmt(s.soak.seconds)} s with \`peak: { periodMs: 1000, maxMoments: 240 }\`, \`heap.moments()\` read every ${c.soak.everyS} s (beside the callgrind runs: neither measures time).`);
  L.push('');
  L.push('| climb to ~1 GB | none | live | peak |', '|---|---:|---:|---:|');
  L.push(`| workload wall ms, median (range) | ${CONFIG.variants.map((v) => `${fmt(s.climb.workloadMs[v].median)} (${fmt(s.climb.workloadMs[v].range[0])}–${fmt(s.climb.workloadMs[v].range[1])})`).join(' | ')} |`);
  L.push(`| workload CPU ms (all threads) | ${CONFIG.variants.map((v) => fmt(s.climb.workloadCpuMs[v].median)).join(' | ')} |`);
  L.push(`| wall ratio to none, median of rounds (range) | 1 | ${r(s.climb.wallRatio.live)} | ${r(s.climb.wallRatio.peak)} |`);
  L.push(`| CPU ratio to none | 1 | ${r(s.climb.cpuRatio.live)} | ${r(s.climb.cpuRatio.peak)} |`);
  L.push('');
  L.push(`Per round, peak/none wall: ${s.climb.perRoundWallRatio.peak.join(', ')}; CPU: ${s.climb.perRoundCpuRatio.peak.join(', ')} (live/none wall: ${s.climb.perRoundWallRatio.live.join(', ')}).`);
  L.push('');
  L.push(`Peak against live, same round: wall ${r(s.climb.peakVsLiveWall)}, CPU ${r(s.climb.peakVsLiveCpu)}. Collections per run ${fmt(s.climb.collections.median)} over ${fmt(s.climb.gcs.median)} GCs (${fmt(s.climb.rateLimited.median)} new highs left to a later GC by the budget); profile at the end: ${fmt(s.climb.endSamples.median)} samples, ${fmt(s.climb.endNodes.median)} nodes.`);
  L.push('');
  L.push('| service at a steady state | none | live | peak |', '|---|---:|---:|---:|');
  L.push(`| requests/s, median (range) | ${CONFIG.variants.map((v) => `${fmt(s.service.requestsPerS[v].median)} (${fmt(s.service.requestsPerS[v].range[0])}–${fmt(s.service.requestsPerS[v].range[1])})`).join(' | ')} |`);
  L.push(`| server CPU µs per request | ${CONFIG.variants.map((v) => fmt(s.service.cpuUsPerRequest[v].median, 1)).join(' | ')} |`);
  L.push(`| throughput ratio to none | 1 | ${r(s.service.throughputRatio.live)} | ${r(s.service.throughputRatio.peak)} |`);
  L.push(`| CPU per request ratio to none | 1 | ${r(s.service.cpuPerRequestRatio.live)} | ${r(s.service.cpuPerRequestRatio.peak)} |`);
  L.push('');
  L.push(`Per round, peak/none throughput: ${s.service.perRoundThroughputRatio.peak.join(', ')}; CPU per request: ${s.service.perRoundCpuPerRequestRatio.peak.join(', ')}.`);
  L.push('');
  L.push(`Peak against live, CPU per request: ${r(s.service.peakVsLiveCpuPerRequest)}. ${fmt(s.service.collectionsPerS.median, 2)} collections/s at ${fmt(s.service.gcsPerS.median, 1)} GCs/s; profile ${fmt(s.service.endSamples.median)} samples. Errors: ${s.service.errors}.`);
  L.push('');
  L.push('| one collection (ms) | climb | service |', '|---|---:|---:|');
  L.push(`| share of wall time collecting, % | ${m(s.climb.sharePct)} | ${m(s.service.sharePct)} |`);
  L.push(`| mean collection | ${m(s.climb.meanCostMs)} | ${m(s.service.meanCostMs)} |`);
  L.push(`| **longest collection** (figures.maxCostMs) | ${m(s.climb.maxCostMs)} | ${m(s.service.maxCostMs)} |`);
  L.push(`| V8 GetAllocationProfile alone, end of run, median of 9 | ${m(s.climb.endGapMs)} | ${m(s.service.endGapMs)} |`);
  L.push(`| V8 GetAllocationProfile alone along the climb (probe runs, ${fmt(s.climb.probes.median)} probes): median / at the largest profile (last 5) / longest | ${fmt(s.climb.probeGapMedianMs.median, 3)} / ${fmt(s.climb.probeGapFinalMs.median, 3)} / ${m(s.climb.probeGapMaxMs)} | — |`);
  L.push(`| addon's live collect along the climb (probe runs): median | ${fmt(s.climb.probeCollectMedianMs.median, 3)} | — |`);
  L.push(`| addon's live collect, end of run | ${m(s.climb.endCollectMs)} | ${m(s.service.endCollectMs)} |`);
  L.push(`| heap.profile({ sourceMaps: false }), end of run | ${m(s.climb.endProfileMs)} | ${m(s.service.endProfileMs)} |`);
  L.push('');
  if (s.callgrind) {
    const cg = s.callgrind;
    L.push(`**Instructions** (callgrind, short climb): none ${fmt(cg.instructions.none / 1e6)} M, live ${fmt(cg.instructions.live / 1e6)} M, peak ${fmt(cg.instructions.peak / 1e6)} M: live/none ${fmt(cg.liveVsNone, 4)}, peak/none ${fmt(cg.peakVsNone, 4)}, **peak/live ${fmt(cg.peakVsLive, 4)}** (collections in the peak runs: ${cg.peakCollections.join(', ')}).`);
    L.push('');
  }
  const k = s.soak;
  L.push(`**Soak** (${fmt(k.seconds)} s, ${fmt(k.requests)} requests' work): ${fmt(k.collections)} collections, at most ${k.maxMoments} moments held at any reading (cap ${k.cap}), ${fmt(k.thinned)} thinned, ${k.finalMoments} at the end; the watch's stored entries at most ${fmt(k.maxEntries)} (tree of ${k.treeNodes} nodes); RSS after the ${c.soak.warmupS} s warm-up ${fmt(k.rssMiB.afterWarmupMin, 1)}–${fmt(k.rssMiB.afterWarmupMax, 1)} MiB (end ${fmt(k.rssMiB.final, 1)}); collecting took ${fmt(k.sharePct, 4)} % of the time, the longest ${fmt(k.maxCostMs, 3)} ms.`);
  L.push('');
  L.push('| target (issue 15) | measured | met |', '|---|---|---|');
  const t = s.targets;
  L.push(`| climb to 1 GB: collecting ≤ 1 % of wall time | ${fmt(t.climbShare.value, 3)} % (every round ≤ ${fmt(s.climb.sharePct.range[1], 3)} %) | ${yes(t.climbShare)} |`);
  L.push(`| service: collecting ≤ 1 % of wall time | ${fmt(t.serviceShare.value, 3)} % (every round ≤ ${fmt(s.service.sharePct.range[1], 3)} %) | ${yes(t.serviceShare)} |`);
  L.push(`| climb, read literally: no collection (GetAllocationProfile + our part) longer than GetAllocationProfile alone | longest ${fmt(t.climbMaxCollection.value, 3)} ms (per round ${s.climb.perRoundMaxCostMs.join(', ')}) vs ${fmt(t.climbMaxCollection.reference, 3)} ms for the climb's largest profile; mean collection ${fmt(s.climb.meanCostMs.median, 3)} ms vs ${fmt(s.climb.probeGapMedianMs.median, 3)} ms along the climb | ${yes(t.climbMaxCollection)} |`);
  L.push(`| service, read literally: no collection longer than GetAllocationProfile alone | longest ${fmt(t.serviceMaxCollection.value, 3)} ms vs ${fmt(t.serviceMaxCollection.reference, 3)} ms; mean collection ${fmt(s.service.meanCostMs.median, 3)} ms | ${yes(t.serviceMaxCollection)} |`);
  if (s.own) {
    const o = s.own;
    const row = (name, w) => `| ${name}: each collection's own part (folding, storing the moment) ≤ the GetAllocationProfile inside it | ${o[w].ownOverGap} of ${fmt(o[w].collections)} collections over; own ÷ GetAllocationProfile at most ${m(o[w].maxOwnOverGap)}, longest own part ${m(o[w].maxOwnCpuMs)} ms; GetAllocationProfile ${fmt(o[w].gapSharePct.median, 1)} % of the collections' CPU time (thread CPU time, so a preempted thread does not count) | ${yes(t[`${w}Own`])} |`;
    L.push(row('climb', 'climb'), row('service', 'service'));
  }
  L.push(`| soak: time series within its cap | ${t.soakCap.value} ≤ ${s.soak.cap} moments | ${yes(t.soakCap)} |`);
  L.push('');
  for (const note of results.notes ?? []) L.push(`- ${note}`);
  if (results.notes?.length) L.push('');
  L.push('<!-- peak:end -->');
  return L.join('\n');
}

// ---- main ----------------------------------------------------------------------------

/** Runs `fn` with the addon, dist and gap addon copied into a scratch directory, removed after. */
async function withTarget(fn) {
  const scratch = fs.mkdtempSync(path.join(ROOT, 'node_modules', '.bench-peak-'));
  try {
    return await fn(prepare(scratch));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** results.json and the docs section from `results`. */
function writeResults(results) {
  fs.writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  updateSection('peak', markdown(results));
}

async function main() {
  if (flag('--write-docs')) {
    // The summary and notes recomputed from the stored runs with this script's code.
    const results = JSON.parse(fs.readFileSync(RESULTS, 'utf8'));
    Object.assign(results, { summary: summarize(results.runs), notes: NOTES });
    writeResults(results);
    return;
  }
  if (flag('--only-own')) {
    const results = JSON.parse(fs.readFileSync(RESULTS, 'utf8'));
    results.runs.own = await withTarget(ownRounds);
    results.ownEnvironment = environment([['autocannon', 'autocannon']]);
    Object.assign(results, { summary: summarize(results.runs), notes: NOTES });
    console.log(JSON.stringify({ own: results.summary.own, targets: results.summary.targets }, null, 2));
    if (CONFIG.write) {
      writeResults(results);
      progress(`wrote ${path.relative(ROOT, RESULTS)} and docs/benchmarks.md`);
    }
    return;
  }
  const env = environment([['autocannon', 'autocannon']]);
  await withTarget(async (target) => {
    progress(`config ${JSON.stringify(CONFIG)}`);
    const climb = climbRounds(target);
    const service = await serviceRounds(target);
    const { callgrind, soak } = await callgrindAndSoak(target);
    const summary = summarize({ climb, service, callgrind, soak });
    const results = { config: CONFIG, build: target.info, environment: env, summary, notes: NOTES, runs: { climb, service, callgrind, soak } };
    console.log(JSON.stringify({ summary }, null, 2));
    if (CONFIG.write) {
      writeResults(results);
      progress(`wrote ${path.relative(ROOT, RESULTS)} and docs/benchmarks.md`);
    } else {
      console.log(markdown(results));
    }
  });
}

/** Read with the figures; kept in results.json so --write-docs reproduces them. */
const NOTES = [
  'The machine was shared while this ran: two cores at a load average of 7–8 (other sessions\' builds, test suites, a headless browser, benchmarks). Wall times, requests/s and CPU ratios swing by ±30 % from run to run; none of the overhead ratios above is a measurement of allocscope. The instruction counts are.',
  'Instructions: the peak watch adds 0.4 % to the live sampler (peak/live 1.0040, the median of two runs: +0.79 % with 7 collections, +0.02 % with 6). The live sampler alone adds 16 % to this allocation-only climb (live/none 1.16), which is the sampler\'s own cost (bench:sampler\'s subject), not the watch\'s.',
  'Share of wall time: met with room on both workloads (climb ≤ 0.39 % in every round, service ≤ 0.06 %). On the climb the budget deferred 3 new highs per run to a later GC.',
  'Longest collection: not met. A collection is GetAllocationProfile plus folding the profile into the moments\' shared tree, so it is longer than GetAllocationProfile alone by construction: the mean collection is ~1.4× GetAllocationProfile along the climb (~1.3× the addon\'s whole live collect there) and ~2.6× at the service\'s small profile (where it is also longer than the addon\'s whole live collect, fresh fold and typed arrays included). In the two climb rounds without an outlier the longest collection was 0.61–0.67 ms against ~0.5 ms for GetAllocationProfile of the largest profile; the 5–10 ms maxima of the other rounds match the 2–28 ms outliers of GetAllocationProfile itself in the probe runs (the thread preempted on the loaded machine), and so does the soak\'s 18 ms.',
  'Own part against GetAllocationProfile (`--only-own`, 5 more rounds of each workload with the peak variant, 2026-12-03): each collection now times the GetAllocationProfile inside it apart from our own part, in the thread\'s CPU time. In all 804 collections our part took less than the GetAllocationProfile of the same collection: at most 0.42× on the climb and 0.37× on the service (longest own part 0.11 / 0.14 ms), and GetAllocationProfile was 96 % / 88 % of the collections\' CPU time. So a collection costs at most ~1.4× V8\'s own GetAllocationProfile of that profile, and what allocscope adds is under half of it. The literal reading (a collection, which contains a GetAllocationProfile, no longer than one) cannot be met by any implementation; a first pass of this measurement in wall time had 1 of 212 service collections over (2.55×, 0.21 ms: a preempted thread on a loaded machine), which is why the split is in CPU time.',
  'GetAllocationProfile is 2–4× slower called once mid-climb (right after a chunk was built) than called 9 times in a row at the end: the end-of-run median understates it.',
  'Soak: the cap held (at most 235 moments at a 10 s reading; 119 thinned when the 241st arrived near 480 s, down to 122); the watch\'s stored entries stayed under 1,510 (node, bytes and count per entry: ~30 KB). RSS swings between 145 and 331 MiB with the workload\'s own garbage (used heap 71–242 MiB at the readings) and shows no trend.',
  'A 20 s soak was not added to the tests: test/peak.test.js already checks the cap (maxMoments 4, periodMs 10: at most 5 moments, some thinned).',
];

main().catch((error) => { console.error(error); process.exit(1); });
