#!/usr/bin/env node
'use strict';
// GC tracker benchmark: `npm run bench:gc`.
//
// Measures, against a perf_hooks PerformanceObserver('gc') subscriber (what
// prom-client and OpenTelemetry's runtime metrics do):
//   1. wall time of a GC-heavy workload, baseline vs allocscope vs perf_hooks vs
//      both, each run in a fresh `node`, variants interleaved round-robin;
//      medians and ratios to the baseline of the same round;
//   2. the direct cost of the tracker's callbacks per GC (ns), by driving the
//      real prologue/epilogue through the native test hook in a tight loop;
//   3. instructions per GC attributable to each subscriber, counted by
//      valgrind/callgrind (repeatable to a few thousand instructions, so it
//      resolves differences far below the wall-time noise).
// Writes benchmarks/gc-tracker/results.json and the "GC tracker" section of
// docs/benchmarks.md.
//
// Options: --rounds N (default 15), --iterations N (wall-time workload size),
//          --no-callgrind, --no-write (print, do not touch results.json / docs),
//          --quick (few rounds and small sizes, implies --no-write; for trying it out).

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { commandLine, environment: baseEnvironment, fmt, lastJsonLine, median, quantile, round, run } = require('../lib/common');
const { updateSection } = require('../lib/results');
const ROOT = path.resolve(__dirname, '..', '..');
const CHILD = path.join(__dirname, 'child.js');
const MICRO = path.join(__dirname, 'microbench.js');
const FORCED = path.join(__dirname, 'forced-gc.js');
const RESULTS = path.join(__dirname, 'results.json');
const DOCS = path.join(ROOT, 'docs', 'benchmarks.md');
const START_MARK = '<!-- gc-tracker:start -->';
const END_MARK = '<!-- gc-tracker:end -->';

// ---- configuration ---------------------------------------------------------

const { argv, flag, option: positive } = commandLine('bench:gc');
const option = (name, fallback) => positive(name, fallback, { integer: false });
const quick = flag('--quick');
const CONFIG = {
  wall: {
    rounds: option('--rounds', quick ? 3 : 15),
    variants: ['baseline', 'allocscope', 'perf_hooks', 'both'],
    iterations: option('--iterations', quick ? 4e6 : 2e7),
    retainedSlots: 100000,
  },
  micro: { processes: quick ? 1 : 3, pairsPerBlock: quick ? 50000 : 200000, blocks: 5 },
  forced: { processes: quick ? 1 : 3, gcsPerBlock: 100, cycles: quick ? 20 : 60 },
  callgrind: {
    enabled: !flag('--no-callgrind'),
    variants: ['baseline', 'allocscope', 'perf_hooks'],
    // Two sizes: the per-GC figure is the slope between them, so one-off costs
    // (loading, gc.start(), creating the observer, reading the summary) cancel.
    smallIterations: quick ? 2e5 : 1e6,
    largeIterations: quick ? 6e5 : 3e6,
    forcedGcs: 2,
    semiSpaceMb: 2,
    ipnsRuns: quick ? 1 : 5,
  },
  write: !quick && !flag('--no-write'),
};
// --predictable: single-threaded, no timing-dependent heuristics, so that two
// identical runs count the same instructions. A pinned semi-space size (the one
// V8 picks by itself for this workload) keeps subscribers' own allocations from
// changing how V8 sizes the young generation, so every variant runs the same GCs.
// Nothing is retained (only scavenges, whose schedule is deterministic) apart from
// a few full GCs forced at fixed points, so the mark-compact path is covered too.
const CALLGRIND_NODE_FLAGS = [
  '--predictable', '--expose-gc',
  `--min-semi-space-size=${CONFIG.callgrind.semiSpaceMb}`, `--max-semi-space-size=${CONFIG.callgrind.semiSpaceMb}`,
];

// ---- helpers ---------------------------------------------------------------

const startedAt = Date.now();
function progress(message) {
  const s = Math.round((Date.now() - startedAt) / 1000);
  const line = `[bench:gc +${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s] ${message}`;
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}`);
  else process.stderr.write(`${line}\n`);
}
function progressDone() {
  if (process.stderr.isTTY) process.stderr.write('\n');
}


// ---- 1. wall time, interleaved fresh processes ------------------------------

function wallTime() {
  const { rounds, variants, iterations, retainedSlots } = CONFIG.wall;
  const runs = [];
  const total = rounds * variants.length;
  let done = 0;
  for (let r = 0; r < rounds; r++) {
    // Rotate the order each round, so that no variant always runs right after another.
    const order = variants.map((_, i) => variants[(i + r) % variants.length]);
    for (const variant of order) {
      progress(`wall time ${++done}/${total}: round ${r + 1}/${rounds}, ${variant}`);
      const { stdout, wallMs } = run(process.execPath, [CHILD, variant, String(iterations), String(retainedSlots)]);
      const out = lastJsonLine(stdout);
      runs.push({ round: r, variant, workloadMs: round(out.workloadMs, 3), processMs: round(wallMs, 3),
        gcs: out.gcs, gcsByType: out.gcsByType, perfEntries: out.perfEntries, maxNestingDepth: out.maxNestingDepth });
    }
  }
  const baselineOf = (r, field) => runs.find((x) => x.round === r && x.variant === 'baseline')[field];
  const byVariant = {};
  for (const variant of variants) {
    const mine = runs.filter((x) => x.variant === variant);
    const paired = mine.map((x) => x.workloadMs / baselineOf(x.round, 'workloadMs'));
    const pairedProcess = mine.map((x) => x.processMs / baselineOf(x.round, 'processMs'));
    byVariant[variant] = {
      medianWorkloadMs: round(median(mine.map((x) => x.workloadMs)), 1),
      medianProcessMs: round(median(mine.map((x) => x.processMs)), 1),
      // Median over rounds of (this variant's time / the baseline's time in the same round).
      ratio: round(median(paired), 4),
      ratioP25: round(quantile(paired, 0.25), 4),
      ratioP75: round(quantile(paired, 0.75), 4),
      ratioMin: round(Math.min(...paired), 4),
      ratioMax: round(Math.max(...paired), 4),
      processRatio: round(median(pairedProcess), 4),
      // Other processes only add time: the fastest quarter of the runs is the least disturbed.
      fastQuartileRatio: round(quantile(mine.map((x) => x.workloadMs), 0.25) /
        quantile(runs.filter((x) => x.variant === 'baseline').map((x) => x.workloadMs), 0.25), 4),
      medianGcs: median(mine.map((x) => x.gcs)),
      medianPerfEntries: median(mine.map((x) => x.perfEntries)),
    };
  }
  const gcsPerRun = median(runs.filter((x) => x.gcs !== null).map((x) => x.gcs));
  const gcsByType = runs.find((x) => x.variant === 'allocscope')?.gcsByType ?? null;
  // At the fastest baseline run's pace: the most GCs per second, so the most overhead per second.
  const fastestBaselineMs = Math.min(...runs.filter((x) => x.variant === 'baseline').map((x) => x.workloadMs));
  const gcsPerSecond = gcsPerRun / (fastestBaselineMs / 1000);
  return { runs, byVariant, gcsPerRun, gcsByTypeExample: gcsByType, gcsPerSecond: round(gcsPerSecond, 1) };
}

// ---- 2. direct cost of the callbacks ---------------------------------------

function microbench() {
  const { processes, pairsPerBlock, blocks } = CONFIG.micro;
  const runs = [];
  for (let p = 0; p < processes; p++) {
    progress(`callback microbenchmark: process ${p + 1}/${processes}`);
    runs.push(lastJsonLine(run(process.execPath, [MICRO, String(pairsPerBlock), String(blocks)]).stdout));
  }
  // Each block of simulated GCs is paired with the empty-call block timed right after it.
  const perGc = [];
  const spaceRead = [];
  const empty = [];
  for (const r of runs) {
    for (let b = 0; b < r.blocks; b++) {
      const e = r.samples.emptyPairNs[b];
      perGc.push(r.samples.simulatedPairNs[b] - e);
      // readSpaces + one empty call, minus two empty calls: one 9-space read without N-API overhead.
      spaceRead.push(r.samples.spaceReadPairNs[b] - e);
      empty.push(e / 2);
    }
  }
  return {
    runs,
    nsPerGc: round(median(perGc), 1),
    nsPerGcP25: round(quantile(perGc, 0.25), 1),
    nsPerGcP75: round(quantile(perGc, 0.75), 1),
    // One native.heapStats.readSpaces() call (what spaces.stats() does: GetHeapSpaceStatistics for
    // every space, plus typed-array argument checks) beyond an empty N-API call.
    nsPerReadSpacesCall: round(median(spaceRead), 1),
    nsPerEmptyNapiCall: round(median(empty), 1),
    spaceCount: runs[0].spaceCount,
  };
}

// ---- 2b. real GCs, A/B inside one process -------------------------------------

function forcedGc() {
  const { processes, gcsPerBlock, cycles } = CONFIG.forced;
  const runs = [];
  for (let p = 0; p < processes; p++) {
    progress(`forced scavenges A/B: process ${p + 1}/${processes}`);
    runs.push(lastJsonLine(run(process.execPath, ['--expose-gc', FORCED, String(gcsPerBlock), String(cycles)]).stdout));
  }
  // Other processes only ever add time to a block, so each variant is represented by
  // a low quantile of its blocks (the least disturbed ones), per process; the extra
  // cost is the difference to the unsubscribed blocks' same quantile.
  const LOW = 0.1;
  const off = runs.map((r) => quantile(r.samples.off, LOW));
  const summarize = (variant) => {
    const extra = runs.map((r, i) => quantile(r.samples[variant], LOW) - off[i]);
    return {
      extraNsPerGc: round(median(extra), 0),
      perProcess: extra.map((v) => round(v, 0)),
      ratio: round(median(runs.map((r, i) => quantile(r.samples[variant], LOW) / off[i])), 4),
    };
  };
  return {
    runs,
    quantile: LOW,
    offNsPerGc: round(median(off), 0),
    allocscope: summarize('allocscope'),
    perf_hooks: summarize('perf_hooks'),
  };
}

// ---- 3. instructions (callgrind) --------------------------------------------

function valgrindVersion() {
  const r = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function callgrindRun(variant, iterations, outFile) {
  const { forcedGcs } = CONFIG.callgrind;
  const args = ['--tool=callgrind', `--callgrind-out-file=${outFile ?? '/dev/null'}`,
    process.execPath, ...CALLGRIND_NODE_FLAGS, CHILD, variant, String(iterations), '0', String(forcedGcs)];
  // Every variant loads allocscope and perf_hooks, so that only the subscription differs.
  const r = run('valgrind', args, { env: { ...process.env, GC_BENCH_PRELOAD: '1' } });
  const m = /Collected\s*:\s*(\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no "Collected" total in callgrind's output:\n${r.stderr}`);
  const out = lastJsonLine(r.stdout);
  return { variant, iterations, instructions: Number(m[1]), gcs: out.gcs, perfEntries: out.perfEntries,
    gcsByType: out.gcsByType, wallMs: round(r.wallMs, 0) };
}

// Inclusive instruction counts of named functions, from callgrind_annotate.
function inclusiveCosts(outFile, patterns) {
  const r = spawnSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', outFile], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) return null;
  const costs = {};
  for (const [key, needle] of Object.entries(patterns)) costs[key] = 0;
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$/.exec(line);
    if (!m) continue;
    if (m[2].includes("'")) continue; // recursion-cycle duplicates
    // "file:function [object]", file being ??? when unknown; paths hold no ':'.
    const fn = m[2].slice(m[2].indexOf(':') + 1);
    for (const [key, needle] of Object.entries(patterns)) {
      if (fn.startsWith(needle)) costs[key] += Number(m[1].replace(/,/g, ''));
    }
  }
  return costs;
}

function callgrind() {
  const version = valgrindVersion();
  if (!CONFIG.callgrind.enabled) return { skipped: 'disabled with --no-callgrind' };
  if (!version) return { skipped: 'valgrind not found' };
  const { variants, smallIterations, largeIterations, ipnsRuns } = CONFIG.callgrind;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-bench-gc-'));
  const runs = [];
  const profiles = {};
  try {
    const total = variants.length * 2;
    let done = 0;
    for (const [size, iterations] of [['small', smallIterations], ['large', largeIterations]]) {
      for (const variant of variants) {
        progress(`callgrind ${++done}/${total}: ${variant}, ${size} (${iterations} iterations; ~10-30 s each)`);
        const keep = size === 'large' && variant !== 'baseline';
        const outFile = keep ? path.join(tmp, `${variant}.out`) : null;
        runs.push({ size, ...callgrindRun(variant, iterations, outFile) });
        if (keep) {
          progress(`callgrind ${done}/${total}: annotating ${variant}`);
          profiles[variant] = inclusiveCosts(outFile, variant === 'allocscope'
            ? {
                onPrologue: 'allocscope::GcTracker::OnPrologue(',
                onEpilogue: 'allocscope::GcTracker::OnEpilogue(',
                readSpaces: 'allocscope::HeapStatsReader::ReadSpaces(',
                getHeapSpaceStatistics: 'v8::Isolate::GetHeapSpaceStatistics(',
              }
            : {
                markStart: 'node::performance::MarkGarbageCollectionStart(',
                markEnd: 'node::performance::MarkGarbageCollectionEnd(',
                // The immediate that turns the native record into a JS PerformanceEntry and enqueues it.
                notify: 'node::CallbackQueue<void, node::Environment*>::CallbackImpl<node::performance::MarkGarbageCollectionEnd(',
              });
          fs.rmSync(outFile, { force: true });
        }
      }
    }
    // Instructions per ns of this process on this machine: the large baseline run, natively;
    // its fastest run, the least disturbed by other processes.
    const nativeMs = [];
    for (let i = 0; i < ipnsRuns; i++) {
      progress(`callgrind: timing the large baseline natively ${i + 1}/${ipnsRuns}`);
      const r = run(process.execPath, [...CALLGRIND_NODE_FLAGS, CHILD, 'baseline', String(largeIterations), '0', String(CONFIG.callgrind.forcedGcs)],
        { env: { ...process.env, GC_BENCH_PRELOAD: '1' } });
      nativeMs.push(r.wallMs);
    }
    const get = (size, variant) => runs.find((x) => x.size === size && x.variant === variant);
    const base = { small: get('small', 'baseline'), large: get('large', 'baseline') };
    const gcsOf = (r) => r.gcs ?? r.perfEntries;
    const ipns = base.large.instructions / (Math.min(...nativeMs) * 1e6);
    const perVariant = {};
    for (const variant of variants.filter((v) => v !== 'baseline')) {
      const s = get('small', variant);
      const l = get('large', variant);
      const extraSmall = s.instructions - base.small.instructions;
      const extraLarge = l.instructions - base.large.instructions;
      const gcSmall = gcsOf(s);
      const gcLarge = gcsOf(l);
      const perGc = (extraLarge - extraSmall) / (gcLarge - gcSmall);
      perVariant[variant] = {
        gcsSmall: gcSmall,
        gcsLarge: gcLarge,
        extraInstructionsSmall: extraSmall,
        extraInstructionsLarge: extraLarge,
        // Slope over the baseline: every effect of subscribing, but two runs of one
        // configuration differ by up to a few 100 000 instructions, i.e. ± ~1 500 per GC here.
        slopeInstructionsPerGc: round(perGc, 0),
        // What is left at zero GCs: loading, start, reading the results once.
        oneOffInstructions: round(extraLarge - perGc * gcLarge, 0),
        instructionRatioLarge: round(l.instructions / base.large.instructions, 5),
      };
    }
    // Inclusive instructions inside the subscriber's own functions: exact and repeatable.
    // All of allocscope's work; for perf_hooks a lower bound (its observer's JS dispatch
    // runs later from a setImmediate and cannot be told apart by name).
    const a = profiles.allocscope;
    if (a && perVariant.allocscope) {
      const g = get('large', 'allocscope').gcs;
      perVariant.allocscope.insideInstructionsPerGc = round((a.onPrologue + a.onEpilogue) / g, 0);
      perVariant.allocscope.profile = {
        callbacksInstructionsPerGc: round((a.onPrologue + a.onEpilogue) / g, 0),
        readSpacesInstructionsPerGc: round(a.readSpaces / g, 0),
        getHeapSpaceStatisticsInstructionsPerGc: round(a.getHeapSpaceStatistics / g, 0),
        raw: a,
      };
    }
    const p = profiles.perf_hooks;
    if (p && perVariant.perf_hooks) {
      const g = get('large', 'perf_hooks').perfEntries;
      perVariant.perf_hooks.insideInstructionsPerGc = round((p.markStart + p.markEnd + p.notify) / g, 0);
      perVariant.perf_hooks.profile = {
        nativeCallbacksInstructionsPerGc: round((p.markStart + p.markEnd) / g, 0),
        entryNotifyInstructionsPerGc: round(p.notify / g, 0),
        raw: p,
      };
    }
    for (const v of Object.values(perVariant)) {
      // The conservative figure: the larger of the two.
      v.instructionsPerGc = Math.max(v.slopeInstructionsPerGc, v.insideInstructionsPerGc ?? -Infinity);
      v.estimatedNsPerGc = round(v.instructionsPerGc / ipns, 0);
    }
    return {
      valgrind: version,
      nodeFlags: CALLGRIND_NODE_FLAGS,
      workload: { smallIterations, largeIterations, retainedSlots: 0, forcedGcs: CONFIG.callgrind.forcedGcs },
      runs,
      nativeBaselineMs: nativeMs.map((x) => round(x, 1)),
      instructionsPerNs: round(ipns, 3),
      perVariant,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// ---- environment -----------------------------------------------------------


// ---- report ----------------------------------------------------------------

const x = (ratio) => (ratio === null ? '—' : `${ratio.toFixed(3)}×`);

function markdown(results) {
  const { environment: env, wallTime: w, microbench: m, forcedGc: f, callgrind: c, targets: t } = results;
  const L = [];
  L.push(START_MARK);
  L.push('## GC tracker');
  L.push('');
  L.push('What tracking every GC costs: `gc.start()` (prologue/epilogue callbacks that read all');
  L.push(`${m.spaceCount} heap spaces' used/committed bytes before and after each GC and keep a ring buffer`);
  L.push('and per-kind counters), beside a `perf_hooks` `PerformanceObserver` subscribed to `gc` entries');
  L.push('(what prom-client and OpenTelemetry\'s runtime metrics do).');
  L.push('');
  L.push(`Reproduce: \`npm run bench:gc\` (about 4 minutes on 2 cores; needs \`valgrind\` for the instruction counts).`);
  L.push(`Measured ${env.date.slice(0, 10)} on ${env.cpuModel} × ${env.cpuCount}, Node ${env.node} (V8 ${env.v8}),`);
  L.push(`${env.platform}${env.commit ? `, commit ${env.commit}` : ''}; load average ${env.loadAverageAtStart[0]} at the start, ${env.loadAverageAtEnd[0]} at the end`);
  L.push(`(other work shares the machine). Raw numbers: \`benchmarks/gc-tracker/results.json\`.`);
  L.push('');
  L.push('### How to read this');
  L.push('');
  L.push('- **Ratios, not times.** The machine is shared and noisy: two identical runs differ by ±10 % in');
  L.push('  wall time on a quiet day and by much more under load, so wall-time differences under ~5 % are');
  L.push('  invisible. Every ratio compares runs of the same round (fresh `node` per run, variants');
  L.push('  interleaved round-robin, order rotated each round).');
  L.push('- **The fine figures come from counting, not timing.** The per-GC cost is measured directly');
  L.push('  (the tracker\'s real callbacks in a tight loop) and as instructions counted by callgrind, which');
  L.push('  repeats to within ~0.02 % per run and exactly inside our callbacks. The overhead they imply for the');
  L.push('  workload is *GCs per second × cost per GC*; the wall-time ratio can only confirm it is below the noise.');
  L.push('- **"Per GC"** means per prologue/epilogue pair, as V8 reports them (scavenges, mark-compacts and');
  L.push('  incremental-marking steps alike).');
  L.push('');
  L.push('### Targets');
  L.push('');
  L.push('| target | measured | met |');
  L.push('|---|---|---|');
  L.push(`| ≤ 1 µs per GC, all spaces included | ${fmt(m.nsPerGc)} ns per GC (callbacks, all ${m.spaceCount} spaces)${c.perVariant?.allocscope ? `; ${fmt(c.perVariant.allocscope.instructionsPerGc)} instructions ≈ ${fmt(c.perVariant.allocscope.estimatedNsPerGc)} ns` : ''} | ${t.nsPerGc.met ? 'yes' : '**no**'} |`);
  L.push(`| ≤ 1.01× on a GC-heavy workload | ${t.overhead.estimatedRatio.toFixed(4)}× implied by ${fmt(w.gcsPerSecond)} GCs/s × ${fmt(m.nsPerGc)} ns${c.perVariant?.allocscope ? `; ${c.perVariant.allocscope.instructionRatioLarge.toFixed(4)}× in instructions on the callgrind workload` : ''}; wall time ${x(w.byVariant.allocscope.ratio)} (median), ${x(w.byVariant.allocscope.fastQuartileRatio)} (fastest quarter), within the noise | ${t.overhead.met ? 'yes' : '**no**'} |`);
  L.push('');
  L.push('### Wall time');
  L.push('');
  L.push(`GC-heavy workload: ${fmt(CONFIG.wall.iterations)} iterations of a loop that allocates short-lived objects (~250 B each,`);
  L.push(`a 64-entry window keeps a few alive) and recycles a ${fmt(CONFIG.wall.retainedSlots)}-slot retained set (promotion,`);
  L.push('old-space garbage); it yields to the event loop every 20 000 iterations, as a server would, so');
  L.push(`perf_hooks delivers its entries inside the measured time. ${fmt(w.gcsPerRun)} GCs per run`);
  L.push(`(${Object.entries(w.gcsByTypeExample ?? {}).map(([k, n]) => `${n} ${k}`).join(', ')} in one run), ${fmt(w.gcsPerSecond)} GCs/s at the fastest baseline run's pace.`);
  L.push(`${CONFIG.wall.rounds} rounds × ${CONFIG.wall.variants.length} variants, default V8 flags.`);
  L.push('');
  L.push('| variant | workload time vs baseline (median of rounds) | 25th–75th percentile | min–max | fastest quarter vs baseline\'s | whole process vs baseline | GCs per run |');
  L.push('|---|---|---|---|---|---|---|');
  const label = { baseline: 'baseline (no subscriber)', allocscope: 'allocscope `gc.start()`', perf_hooks: 'perf_hooks `PerformanceObserver(\'gc\')`', both: 'both' };
  for (const [variant, v] of Object.entries(w.byVariant)) {
    const gcs = v.medianGcs ?? v.medianPerfEntries;
    L.push(`| ${label[variant] ?? variant} | ${x(v.ratio)} | ${x(v.ratioP25)} – ${x(v.ratioP75)} | ${x(v.ratioMin)} – ${x(v.ratioMax)} | ${x(v.fastQuartileRatio)} | ${x(v.processRatio)} | ${gcs === null ? '(not counted)' : fmt(gcs)} |`);
  }
  L.push('');
  L.push('"Fastest quarter" compares the 25th-percentile times (other processes only ever add time, so the');
  L.push('fastest runs are the least disturbed). "Whole process" includes starting node and loading the');
  L.push('subscriber (allocscope loads its addon). GCs are counted by the subscribers themselves, so not in the baseline.');
  L.push('');
  L.push('### Cost per GC');
  L.push('');
  const ca = c.perVariant?.allocscope;
  const cp = c.perVariant?.perf_hooks;
  L.push('| method | allocscope `gc.start()` | perf_hooks `PerformanceObserver(\'gc\')` |');
  L.push('|---|---|---|');
  L.push(`| **ns per GC (callbacks, all ${m.spaceCount} spaces)**: the real callbacks in a tight loop | **${fmt(m.nsPerGc)} ns** (25th–75th: ${fmt(m.nsPerGcP25)}–${fmt(m.nsPerGcP75)}) | — (its work is spread over a native immediate and JS) |`);
  const perProcess = (v) => v.perProcess.map((n) => fmt(n)).join(', ');
  L.push(`| extra time per real GC: forced scavenges, A/B blocks in one process | ${fmt(f.allocscope.extraNsPerGc)} ns (per process: ${perProcess(f.allocscope)}) | ${fmt(f.perf_hooks.extraNsPerGc)} ns (per process: ${perProcess(f.perf_hooks)}) |`);
  L.push(`| … as a ratio to the forced scavenge itself | ${x(f.allocscope.ratio)} | ${x(f.perf_hooks.ratio)} |`);
  if (ca && cp) {
    L.push(`| instructions per GC (callgrind, the larger of the two figures below) | **${fmt(ca.instructionsPerGc)}** | **${fmt(cp.instructionsPerGc)}** |`);
    L.push(`| ≈ ns per GC from instructions (÷ ${c.instructionsPerNs.toFixed(1)} instructions/ns) | ${fmt(ca.estimatedNsPerGc)} ns | ${fmt(cp.estimatedNsPerGc)} ns |`);
  }
  L.push('');
  L.push(`- *Tight loop*: \`native.gc.simulate\` drives the tracker's prologue + epilogue (the same code a GC runs: all`);
  L.push(`  ${m.spaceCount} spaces read before and after, ring-buffer record, counters) ${fmt(CONFIG.micro.pairsPerBlock * CONFIG.micro.blocks)} times in each of`);
  L.push(`  ${CONFIG.micro.processes} fresh processes, minus an equally long loop of empty N-API calls (${fmt(m.nsPerEmptyNapiCall)} ns each). What`);
  L.push('  remains still holds the test hook\'s own argument handling, so it is an upper bound.');
  L.push(`- *Forced scavenges*: blocks of ${CONFIG.forced.gcsPerBlock} \`gc({ type: 'minor' })\` on a nearly empty young generation, no subscriber /`);
  L.push(`  allocscope / perf_hooks in rotating order, ${CONFIG.forced.cycles} cycles in each of ${CONFIG.forced.processes} processes, waiting for the event loop`);
  L.push('  so that perf_hooks\' deferred delivery is counted; each subscribed block minus the unsubscribed block of the');
  L.push(`  same cycle. Other processes only ever add time, so each variant counts by the ${Math.round(f.quantile * 100)}th percentile of its`);
  L.push(`  blocks in each process (the least disturbed ones), against the unsubscribed blocks' (${fmt(f.offNsPerGc)} ns per forced`);
  L.push('  scavenge). Real GCs, with their cold caches, but timed: differences of about 1 µs are below what it resolves here.');
  L.push('');
  if (c.skipped) {
    L.push(`Instruction counts: skipped (${c.skipped}).`);
  } else {
    const a = c.perVariant.allocscope;
    const p = c.perVariant.perf_hooks;
    L.push('### Instruction counts (callgrind)');
    L.push('');
    const dGc = a.gcsLarge - a.gcsSmall;
    L.push(`The same workload with nothing retained (only scavenges, plus ${c.workload.forcedGcs} forced full GCs at fixed points), run with`);
    L.push(`${c.nodeFlags.map((f) => `\`${f}\``).join(' ')}: \`--predictable\` makes V8 single-threaded and free of timing`);
    L.push('heuristics, and the pinned semi-space (the size V8 picks by itself for this workload) keeps a');
    L.push('subscriber\'s own allocations from resizing the young generation, so every variant runs the same GCs.');
    L.push('Every variant loads both allocscope and perf_hooks, so only the subscription differs. Runs at two sizes:');
    L.push('the slope between them (extra instructions over the baseline ÷ extra GCs) catches every effect of');
    L.push('subscribing and cancels one-off costs such as `gc.start()` or creating the observer, but repeated');
    L.push(`runs of one configuration differ by up to ~400 000 instructions, so the slope is only good to`);
    L.push(`about ±${fmt(Math.round((2 * 4e5) / dGc / 100) * 100)} per GC at these sizes: plenty for perf_hooks, coarse for allocscope. The instructions inside the`);
    L.push('subscriber\'s own functions (inclusive, from the same large run) are exact; for perf_hooks they');
    L.push('leave out its observer\'s dispatch, which runs later from a `setImmediate`.');
    L.push('');
    const implied = (v) => x(1 + (w.gcsPerSecond * v.estimatedNsPerGc) / 1e9);
    L.push('| subscriber | GCs (small / large run) | per GC: inside its own code | per GC: slope over baseline | ≈ ns per GC (larger figure) | whole-run instructions vs baseline (large run) | implied overhead at the wall-time workload\'s GC rate |');
    L.push('|---|---|---|---|---|---|---|');
    const row = (name, v) => `| ${name} | ${fmt(v.gcsSmall)} / ${fmt(v.gcsLarge)} | ${fmt(v.insideInstructionsPerGc)} | ${fmt(v.slopeInstructionsPerGc)} | ${fmt(v.estimatedNsPerGc)} | ${v.instructionRatioLarge.toFixed(4)}× | ${implied(v)} |`;
    L.push(row('allocscope `gc.start()`', a));
    L.push(row('perf_hooks `PerformanceObserver(\'gc\')`', p));
    L.push('');
    L.push(`"≈ ns" divides by the whole process's average rate, ${c.instructionsPerNs.toFixed(2)} instructions/ns (the large baseline run's`);
    L.push('instructions over its fastest native wall time): a rough conversion; the timed measurements above are the ones to trust.');
    L.push('This workload runs more GCs per instruction than the wall-time one, so its whole-run ratio is a');
    L.push('worst case; the last column scales the per-GC cost to the wall-time workload\'s GC rate.');
    if (a.profile || p.profile) {
      L.push('');
      L.push('Where the instructions go (inclusive, per GC, from the same large runs):');
      L.push('');
      if (a.profile) {
        L.push(`- allocscope: ${fmt(a.profile.callbacksInstructionsPerGc)} inside \`OnPrologue\` + \`OnEpilogue\`, of which`);
        const share = Math.round((100 * a.profile.readSpacesInstructionsPerGc) / a.profile.callbacksInstructionsPerGc);
        L.push(`  ${fmt(a.profile.readSpacesInstructionsPerGc)} (${share} %) reading the spaces (${fmt(a.profile.getHeapSpaceStatisticsInstructionsPerGc)} inside V8's \`GetHeapSpaceStatistics\`, 2 × ${m.spaceCount} calls);`);
        L.push('  nothing runs later on the event loop unless a `gc` listener is attached.');
      }
      if (p.profile) {
        L.push(`- perf_hooks: ${fmt(p.profile.nativeCallbacksInstructionsPerGc)} in node's GC callbacks (\`MarkGarbageCollectionStart/End\`),`);
        L.push(`  ${fmt(p.profile.entryNotifyInstructionsPerGc)} in the immediate that builds the JS \`PerformanceEntry\` and enqueues it;`);
        L.push('  the rest is the observer\'s JS dispatch on the event loop and collecting the entries.');
      }
    }
  }
  L.push(END_MARK);
  return L.join('\n');
}


// ---- main ------------------------------------------------------------------

function main() {
  const env = baseEnvironment();
  progress(`starting: ${CONFIG.wall.rounds} rounds × ${CONFIG.wall.variants.length} variants, then the microbenchmark, then callgrind`);
  const wall = wallTime();
  const micro = microbench();
  const forced = forcedGc();
  const cg = callgrind();
  env.loadAverageAtEnd = os.loadavg().map((v) => round(v, 2));
  env.durationS = round((Date.now() - startedAt) / 1000, 0);
  progressDone();

  const estimatedRatio = 1 + (wall.gcsPerSecond * micro.nsPerGc) / 1e9;
  const results = {
    environment: env,
    config: CONFIG,
    targets: {
      nsPerGc: { target: 1000, measured: micro.nsPerGc, met: micro.nsPerGc <= 1000 },
      overhead: {
        target: 1.01,
        estimatedRatio: round(estimatedRatio, 5),
        wallTimeRatio: wall.byVariant.allocscope.ratio,
        met: estimatedRatio <= 1.01,
        note: 'estimatedRatio = 1 + GCs/s × ns per GC; the wall-time ratio cannot resolve 1 % on this machine',
      },
    },
    wallTime: wall,
    microbench: micro,
    forcedGc: forced,
    callgrind: cg,
  };
  const section = markdown(results);
  if (CONFIG.write) {
    fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
    updateSection('gc-tracker', section);
    console.log(`wrote ${path.relative(ROOT, RESULTS)} and ${path.relative(ROOT, DOCS)}`);
  }
  console.log(section);
}

main();
