#!/usr/bin/env node
'use strict';
// Native memory (malloc profiler) benchmark: `npm run bench:native`.
//
// What `malloc.start()` costs a Buffer-heavy program (workload.js: Buffers of
// 1 KiB–256 KiB, some held in a bounded cache and most dropped, small gzip/gunzip
// bodies, JSON round trips; deterministic), beside heaptrack, which records every
// allocation:
//   1. wall time, CPU and peak RSS: every run a fresh process under
//      /usr/bin/time -f '%e %U %S %M', variants interleaved round-robin with the order
//      rotated each round; medians, and ratios to plain node of the same round:
//        plain                 node child.js plain
//        loaded                allocscope loaded, not started (the control)
//        allocscope            malloc.start() (512 KiB, live mode), profile() once at the end
//        allocscope-allocated  the same in allocated mode
//        heaptrack             heaptrack -o <tmp> node child.js plain
//   2. instructions (valgrind --tool=callgrind) of a short run of the same workload:
//      plain, allocscope loaded but not started, and each allocscope mode with and without
//      its final profile(), and zero-work runs of each, so that loading, start, sampling and
//      collection come apart;
//   3. the cost of one malloc(64)/free pair in C (bench-addon.c, built here with the
//      target node's headers, loaded after malloc.start() so that the dlopen hook
//      patches its GOT): ns per pair with no profiler and with each mode running, in
//      one process, alternating (microbench.js); instructions per pair counted by
//      callgrind inside the loop; and ns per pair under heaptrack;
//   4. side by side on the same workload: heaptrack's top functions by bytes allocated
//      (read from its data file) and by peak (heaptrack_print -p), and the top sites of
//      allocscope's allocated-mode profile at a 16 KiB interval; the totals of both.
//   5. the HTTP server (http-server.js: POSTed JSON orders read into Buffers, invoices gzipped
//      with the async zlib.gzip, rendered attachments, a bounded cache of Buffers) under
//      autocannon, each variant a fresh server pinned to its own CPU, interleaved and rotated:
//      CPU per request of the server's process group, throughput, p99, one final profile();
//      and its instructions per request under callgrind, start-up and profile() apart
//      (http-load.js).
// Writes benchmarks/native-memory/results.json and the "Native memory profiler"
// section of docs/benchmarks.md.
//
// Options:
//   --rounds N        wall-time rounds (default 5)
//   --short           a quick try: a quarter of the work, fewer repetitions, one callgrind run
//                     each; implies --no-write
//   --node 24[,26]    also run everything under these Node majors, beside the running node:
//                     the binary from native/supported-nodes.js, ALLOCSCOPE_ADDON set to its
//                     build-<major>/ addon (built with native/build.js --out build-<major> if
//                     missing); majors interleaved in every round
//   --no-callgrind    skip the instruction counts
//   --no-heaptrack    leave heaptrack out
//   --no-http         skip the HTTP server (5.)
//   --no-write        print only; do not touch results.json or docs/benchmarks.md
//   --only-http       measure the HTTP server (5.) alone, for the Nodes of the last run, and
//                     put its figures into results.json (the rest stays as measured then)
//   --write-docs      regenerate the docs section from results.json without measuring
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const {
  commandLine, ROOT, environment, fmt, interleaved, median, pool, progressLog, ratioSpread, rotate, round, run, runAsync, spreadOf,
} = require('../lib/common');
const { updateSection } = require('../lib/results');
const { httpServer } = require('./http-load');

const RESULTS = path.join(__dirname, 'results.json');
const REQUEST_BODIES = require('./http-server').bodies().length;
const CHILD = path.join(__dirname, 'child.js');
const MICROBENCH = path.join(__dirname, 'microbench.js');
const ADDON_SOURCE = path.join(__dirname, 'bench-addon.c');
const TIME = '/usr/bin/time';
const MiB = 1024; // /usr/bin/time and resourceUsage() report KiB

const { argv, flag, option } = commandLine('bench:native');
const short = flag('--short');
/** Majors given with --node, other than the running node's. */
function nodeOption() {
  const i = argv.indexOf('--node');
  if (i === -1) return [];
  try {
    const running = Number(process.versions.node.split('.')[0]);
    return require('../../native/supported-nodes').parseMajors(argv[i + 1] ?? '').filter((m) => m !== running);
  } catch (error) {
    console.error(`bench:native: --node expects a comma-separated list of Node majors: ${error.message}`);
    process.exit(2);
  }
}
const CONFIG = {
  intervalBytes: 512 * 1024,
  nodes: nodeOption(),
  wall: {
    rounds: option('--rounds', short ? 2 : 5),
    // Units of workload.js per run: ≈ 2.5 s of plain node here.
    units: short ? 16 : 64,
    variants: ['plain', 'loaded', 'allocscope', 'allocscope-allocated', 'heaptrack'],
  },
  callgrind: {
    enabled: !flag('--no-callgrind'),
    jobs: 2,
    runs: short ? 1 : 2,
    units: short ? 1 : 4,
    // --predictable: single-threaded V8 (no concurrent marking or compilation) and a fixed seed,
    // so that a run of plain node repeats; allocscope's sampler draws its own seed (rdtsc), so
    // where its samples land differs from run to run: two runs of plain node and of each
    // sampling run (without the final profile()) show that spread.
    nodeFlags: ['--predictable', '--random-seed=1'],
  },
  micro: {
    // Short blocks, many repetitions: medians of close-together pairs resist the machine's bursts.
    pairs: short ? 1e6 : 2e6,
    repetitions: short ? 11 : 41,
    configs: ['none', 'live', 'allocated', 'live-no-samples'],
    callgrindPairs: short ? 2e5 : 1e6,
    heaptrackPairs: short ? 2e5 : 1e6,
    heaptrackRepetitions: 5,
  },
  sites: { intervalBytes: 16 * 1024, top: 5 },
  http: {
    enabled: !flag('--no-http'),
    rounds: option('--rounds', short ? 2 : 5),
    // Per run: a warm-up, then the saturated phase (closed loop) that is measured.
    warmupS: short ? 1 : 2,
    seconds: short ? 2 : 3,
    connections: 8,
    variants: ['plain', 'loaded', 'allocscope', 'allocscope-allocated', 'heaptrack'],
    heaptrack: !flag('--no-heaptrack'),
    callgrind: {
      enabled: !flag('--no-callgrind'),
      jobs: 2,
      runs: 1,
      variants: ['plain', 'loaded', 'allocscope'],
      nodeFlags: ['--predictable', '--random-seed=1'],
      warmupRequests: short ? 200 : 300,
      // Long enough to hold ~10 mark-compacts of this server: a window of 600 held 2–3,
      // and one more or less moved its instructions per request by ~2.5 %.
      requests: short ? 1000 : 3000,
      connections: 2,
    },
  },
  heaptrack: !flag('--no-heaptrack'),
  write: !short && !flag('--no-write'),
};

const startedAt = Date.now();
const progress = progressLog('bench:native');
const toolVersion = (command, args) => {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout || r.stderr).trim().split('\n')[0] : null;
};
const sizeOf = (file) => (fs.existsSync(file) ? fs.statSync(file).size : null);

// ---- the Node binaries the children run under ----------------------------------

/**
 * The running node first, then each --node major with its own addon. dist/ and the addons
 * are copied into `scratch` first (ALLOCSCOPE_DIST, ALLOCSCOPE_ADDON): other work in this
 * tree may rebuild them while the benchmark runs. `scratch` sits under node_modules/ so
 * that dist's requires still resolve. Each target gets bench-addon.c built with its headers.
 */
function nodeTargets(scratch) {
  const dist = path.join(scratch, 'dist');
  fs.cpSync(path.join(ROOT, 'dist'), dist, { recursive: true, preserveTimestamps: true });
  const sourcesMtime = Math.max(...fs.readdirSync(path.join(ROOT, 'native'))
    .filter((f) => /\.(cc|h)$|^CMakeLists\.txt$/.test(f)).map((f) => fs.statSync(path.join(ROOT, 'native', f)).mtimeMs));
  const wanted = [{ major: Number(process.versions.node.split('.')[0]), running: true }, ...CONFIG.nodes.map((major) => ({ major, running: false }))];
  const targets = [];
  for (const { major, running } of wanted) {
    let node, version, v8, abi, built, out;
    if (running) {
      ({ execPath: node } = process);
      ({ node: version, v8 } = process.versions);
      abi = Number(process.versions.modules);
      built = require('node-gyp-build').path(ROOT);
      out = path.relative(ROOT, built);
    } else {
      const { ensureNode } = require('../../native/supported-nodes');
      const n = ensureNode(major, { log: progress });
      ({ node, version, v8, abi } = n);
      out = `build-${major}`;
      built = path.join(ROOT, out, 'Release', 'allocscope.node');
      if (!fs.existsSync(built)) {
        progress(`building the addon for Node ${version} into ${out}/`);
        run(node, [path.join(ROOT, 'native', 'build.js'), '--out', out], { env: { ...process.env, PATH: `${n.binDir}${path.delimiter}${process.env.PATH}` } });
      }
      out = `${out}/Release/allocscope.node`;
    }
    const addon = path.join(scratch, `allocscope.abi${abi}.node`);
    fs.copyFileSync(built, addon);
    const builtAt = fs.statSync(built).mtimeMs;
    if (builtAt < sourcesMtime) progress(`note: ${out} is older than native/ sources (measuring it as built)`);
    const include = path.join(path.dirname(node), '..', 'include', 'node');
    const benchAddon = path.join(scratch, `bench-addon.abi${abi}.node`);
    run('cc', ['-shared', '-fPIC', '-O2', '-fno-builtin', '-fno-omit-frame-pointer', `-I${include}`, ADDON_SOURCE, '-o', benchAddon]);
    // The size of node's ELF symbol table, which profile() loads to name native frames.
    const sections = spawnSync('readelf', ['-SW', node], { encoding: 'utf8', maxBuffer: 16 << 20 });
    const sectionBytes = (name) => {
      const m = new RegExp(`\\] ${name.replace('.', '\\.')}\\s+\\S+\\s+\\S+\\s+\\S+\\s+([0-9a-f]+)`).exec(sections.stdout ?? '');
      return m ? parseInt(m[1], 16) : 0;
    };
    const symtabBytes = sections.status === 0 ? sectionBytes('.symtab') + sectionBytes('.strtab') : null;
    targets.push({
      key: String(major), node, benchAddon,
      env: { ...process.env, ALLOCSCOPE_ADDON: addon, ALLOCSCOPE_DIST: dist },
      info: {
        version, v8, abi, symtabBytes, binary: node.startsWith(os.homedir()) ? `~/${path.relative(os.homedir(), node)}` : node,
        addon: out, addonSha256: crypto.createHash('sha256').update(fs.readFileSync(addon)).digest('hex').slice(0, 16),
        addonBuiltAt: new Date(builtAt).toISOString(), addonOlderThanSources: builtAt < sourcesMtime,
        distBuiltAt: new Date(fs.statSync(path.join(dist, 'index.js')).mtimeMs).toISOString(),
      },
    });
  }
  return targets;
}

// ---- 1. wall time, CPU, peak RSS --------------------------------------------------

/** Runs `command` under /usr/bin/time; wall and CPU in seconds, peak RSS in MiB. */
function timed(command, { env, tmp }) {
  const out = path.join(tmp, 'time.txt');
  const r = spawnSync(TIME, ['-o', out, '-f', '%e %U %S %M', ...command], { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${command.join(' ')} exited with ${r.status}:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  const [wallS, userS, systemS, maxRssKiB] = fs.readFileSync(out, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { wallS, cpuS: round(userS + systemS, 2), maxRssMiB: round(maxRssKiB / MiB, 1) };
}

/** heaptrack's output file: it appends the compressor's extension to -o. */
function heaptrackFile(base) {
  const dir = path.dirname(base);
  const name = fs.readdirSync(dir).find((f) => f.startsWith(`${path.basename(base)}.`));
  if (!name) throw new Error(`heaptrack wrote no ${base}.* file`);
  return path.join(dir, name);
}

function oneRun(target, variant, units, tmp) {
  const report = path.join(tmp, 'report.json');
  fs.rmSync(report, { force: true });
  const childArgs = [CHILD, variant === 'heaptrack' ? 'plain' : variant, '--units', String(units), '--report', report];
  let t;
  let outputBytes = null;
  if (variant === 'heaptrack') {
    const base = path.join(tmp, 'heaptrack-run');
    t = timed(['heaptrack', '-o', base, target.node, ...childArgs], { env: target.env, tmp });
    const file = heaptrackFile(base);
    outputBytes = sizeOf(file);
    fs.rmSync(file, { force: true });
  } else {
    t = timed([target.node, ...childArgs], { env: target.env, tmp });
  }
  const c = JSON.parse(fs.readFileSync(report, 'utf8'));
  return {
    ...t, outputBytes, checksum: c.checksum,
    workloadMs: round(c.workloadMs, 1), workloadCpuMs: round(c.workloadCpuMs, 1), setupMs: round(c.setupMs, 1), collectMs: round(c.collectMs, 1),
    childMaxRssMiB: round(c.maxRssKiB / MiB, 1), childMaxRssBeforeCollectMiB: round(c.maxRssBeforeCollectKiB / MiB, 1),
    samples: c.figures?.samples ?? null, profileBytes: c.profileBytes === undefined ? null : Math.round(c.profileBytes),
  };
}

function wallTime(targets, tmp) {
  const { rounds, units } = CONFIG.wall;
  const runsOf = Object.fromEntries(targets.map((t) => [t.key, []]));
  // Node majors interleaved too, and the variants' order rotated each round.
  for (const { round: r, target, item: variant, done, total } of interleaved(rounds, targets, (t, r) => rotate(t.variants, r))) {
    progress(`wall time ${done}/${total}: round ${r + 1}/${rounds}${targets.length > 1 ? `, Node ${target.key}` : ''}, ${variant}`);
    runsOf[target.key].push({ round: r, variant, ...oneRun(target, variant, units, tmp) });
  }
  return Object.fromEntries(targets.map((t) => [t.key, summarizeWall(runsOf[t.key], t.variants)]));
}

function summarizeWall(runs, variants) {
  const checksums = [...new Set(runs.map((x) => x.checksum))];
  if (checksums.length !== 1) throw new Error(`the variants did not do the same work: checksums ${checksums.join(', ')}`);
  const inRound = (r, variant) => runs.find((x) => x.round === r && x.variant === variant);
  const mine = (variant) => runs.filter((x) => x.variant === variant);
  const byVariant = {};
  for (const variant of variants) {
    const m = mine(variant);
    const pairs = m.map((x) => [x, inRound(x.round, 'plain')]);
    byVariant[variant] = {
      wallS: spreadOf(m.map((x) => x.wallS), 2),
      cpuS: spreadOf(m.map((x) => x.cpuS), 2),
      maxRssMiB: spreadOf(m.map((x) => x.maxRssMiB), 1),
      workloadMs: spreadOf(m.map((x) => x.workloadMs), 1),
      workloadCpuMs: spreadOf(m.map((x) => x.workloadCpuMs), 1),
      setupMs: spreadOf(m.map((x) => x.setupMs), 1),
      collectMs: variant.startsWith('allocscope') ? spreadOf(m.map((x) => x.collectMs), 1) : null,
      // What the final profile() added to the child's peak RSS.
      collectRssMiB: variant.startsWith('allocscope') ? spreadOf(m.map((x) => x.childMaxRssMiB - x.childMaxRssBeforeCollectMiB), 1) : null,
      childMaxRssMiB: spreadOf(m.map((x) => x.childMaxRssMiB), 1),
      childMaxRssBeforeCollectMiB: spreadOf(m.map((x) => x.childMaxRssBeforeCollectMiB), 1),
      samples: variant.startsWith('allocscope') ? median(m.map((x) => x.samples)) : null,
      profileBytes: variant.startsWith('allocscope') ? median(m.map((x) => x.profileBytes)) : null,
      outputBytes: variant === 'heaptrack' ? median(m.map((x) => x.outputBytes)) : null,
      vsPlain: variant === 'plain' ? null : {
        // The whole command as /usr/bin/time sees it: start-up, loading, the profiler's start, the
        // work, the final profile() (allocscope) or heaptrack's interpreter and compressor (heaptrack).
        wall: ratioSpread(pairs.map(([x, o]) => x.wallS / o.wallS)),
        cpu: ratioSpread(pairs.map(([x, o]) => x.cpuS / o.cpuS)),
        rssMiB: ratioSpread(pairs.map(([x, o]) => x.maxRssMiB - o.maxRssMiB)),
        // Inside the child, around the work only (the profiler already running).
        workload: ratioSpread(pairs.map(([x, o]) => x.workloadMs / o.workloadMs)),
        workloadCpu: ratioSpread(pairs.map(([x, o]) => x.workloadCpuMs / o.workloadCpuMs)),
        // The child's own peak before its final collection (allocscope) against plain's peak.
        rssBeforeCollectMiB: ratioSpread(pairs.map(([x, o]) => x.childMaxRssBeforeCollectMiB - o.childMaxRssMiB)),
      },
    };
  }
  return { units: CONFIG.wall.units, checksum: checksums[0], byVariant, runs };
}

// ---- 2. instructions (callgrind) ----------------------------------------------------

/** Total instructions of a callgrind out file ("summary:" or "totals:" line). */
function callgrindTotal(file) {
  const m = /^(?:summary|totals):\s*(\d+)/m.exec(fs.readFileSync(file, 'utf8'));
  if (!m) throw new Error(`no summary/totals line in ${file}`);
  return Number(m[1]);
}

async function callgrind(targets, tmp) {
  const version = toolVersion('valgrind', ['--version']);
  const skipped = !CONFIG.callgrind.enabled ? 'disabled with --no-callgrind' : !version ? 'valgrind not found' : null;
  if (skipped) return Object.fromEntries(targets.map((t) => [t.key, { skipped }]));
  const { units, runs, jobs, nodeFlags } = CONFIG.callgrind;
  // name → child arguments. "empty": zero units (start-up, loading, the profiler's start and
  // stop, or its profile() of an empty run). Longest first, so that the pool ends evenly.
  const kinds = {
    'allocscope-allocated': ['allocscope-allocated', '--units', String(units)],
    allocscope: ['allocscope', '--units', String(units)],
    'allocscope-allocated, no profile()': ['allocscope-allocated', '--units', String(units), '--no-collect'],
    'allocscope, no profile()': ['allocscope', '--units', String(units), '--no-collect'],
    loaded: ['loaded', '--units', String(units)],
    plain: ['plain', '--units', String(units)],
    'allocscope-allocated, empty': ['allocscope-allocated', '--units', '0'],
    'allocscope, empty': ['allocscope', '--units', '0'],
    'allocscope-allocated, no profile(), empty': ['allocscope-allocated', '--units', '0', '--no-collect'],
    'allocscope, no profile(), empty': ['allocscope', '--units', '0', '--no-collect'],
    'loaded, empty': ['loaded', '--units', '0'],
    'plain, empty': ['plain', '--units', '0'],
  };
  // `runs` runs of plain node, the control and the sampling runs (their spread shows), one of the others.
  const repeated = new Set(['plain', 'loaded', 'allocscope, no profile()', 'allocscope-allocated, no profile()']);
  const specs = [];
  for (const [kind, args] of Object.entries(kinds)) {
    for (const target of targets) for (let i = 0; i < (repeated.has(kind) ? runs : 1); i++) specs.push({ target, kind, args, i });
  }
  let done = 0;
  progress(`callgrind: ${specs.length} runs, ${jobs} at a time (~30-90 s each)`);
  const all = await pool(specs.map((spec) => async () => {
    const out = path.join(tmp, `callgrind.${crypto.randomUUID()}.out`);
    const name = `${targets.length > 1 ? `Node ${spec.target.key}, ` : ''}${spec.kind} #${spec.i + 1}`;
    const t0 = Date.now();
    try {
      const r = await runAsync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, spec.target.node, ...nodeFlags, CHILD, ...spec.args],
        { env: spec.target.env });
      const instructions = callgrindTotal(out);
      const lines = r.stdout.trim().split('\n');
      const child = JSON.parse(lines[lines.length - 1]);
      progress(`callgrind ${++done}/${specs.length}: ${name}: ${(instructions / 1e9).toFixed(3)} G instructions (${Math.round((Date.now() - t0) / 1000)} s)`);
      return { node: spec.target.key, kind: spec.kind, instructions, checksum: child.checksum, samples: child.figures?.samples ?? null };
    } catch (error) {
      progress(`callgrind ${++done}/${specs.length}: ${name}: FAILED`);
      return { node: spec.target.key, kind: spec.kind, error: String(error.message).slice(0, 2000) };
    } finally {
      fs.rmSync(out, { force: true });
    }
  }), jobs);
  const byNode = {};
  for (const target of targets) {
    const mine = all.filter((x) => x.node === target.key).map(({ node, ...x }) => x);
    const failed = mine.find((x) => x.error);
    byNode[target.key] = failed
      ? { skipped: `valgrind could not run Node ${target.info.version}: ${failed.error.split('\n').slice(0, 3).join(' ')}`, valgrind: version, runs: mine }
      : summarizeCallgrind(mine, version);
  }
  return byNode;
}

function summarizeCallgrind(runs, version) {
  const of = (kind) => runs.filter((x) => x.kind === kind).map((x) => x.instructions);
  const med = (kind) => median(of(kind));
  /** Largest difference between runs of one kind, as a fraction of their median. */
  const spread = (kind) => (of(kind).length > 1 ? round((Math.max(...of(kind)) - Math.min(...of(kind))) / med(kind), 5) : null);
  const plainEmpty = med('plain, empty');
  const work = med('plain') - plainEmpty;
  // The control: allocscope loaded, not started. Its work differs from plain node's a little
  // (a larger heap moves V8's GC schedule): the sampling is measured against it.
  const loadedEmpty = med('loaded, empty');
  const loadedWork = med('loaded') - loadedEmpty;
  const byVariant = {};
  for (const variant of ['allocscope', 'allocscope-allocated']) {
    const full = med(variant);
    const noCollect = med(`${variant}, no profile()`);
    const emptyNoCollect = med(`${variant}, no profile(), empty`);
    const empty = med(`${variant}, empty`);
    const sampling = noCollect - emptyNoCollect - loadedWork;
    byVariant[variant] = {
      instructions: full,
      // The whole process, start-up included, against plain node's.
      ratio: round(full / med('plain'), 5),
      // The work with everything allocscope adds to it: loading, start, sampling, the final profile().
      workloadRatio: round((full - plainEmpty) / work, 5),
      // The work with loading, start and sampling (no final profile()).
      workloadNoCollectRatio: round((noCollect - plainEmpty) / work, 5),
      // The sampling alone: the work of a run without profile() (minus its zero-work run:
      // loading, start, stop) against the control's work (loaded, not started).
      samplingRatio: round(1 + sampling / loadedWork, 5),
      samplingInstructions: sampling,
      loadInstructions: loadedEmpty - plainEmpty,
      startStopInstructions: emptyNoCollect - loadedEmpty,
      fixedInstructions: emptyNoCollect - plainEmpty,
      collectInstructions: full - noCollect,
      emptyCollectInstructions: empty - emptyNoCollect,
      samples: median(runs.filter((x) => x.kind === variant).map((x) => x.samples)),
      spread: { full: spread(variant), noCollect: spread(`${variant}, no profile()`) },
    };
  }
  return {
    valgrind: version, nodeFlags: CONFIG.callgrind.nodeFlags, units: CONFIG.callgrind.units, runsEach: CONFIG.callgrind.runs,
    plainInstructions: med('plain'), plainEmptyInstructions: plainEmpty, workInstructions: work, plainSpread: spread('plain'),
    loadedWorkInstructions: loadedWork, loadedWorkRatio: round(loadedWork / work, 5), loadedSpread: spread('loaded'),
    byVariant,
    heaptrack: 'not measured: under valgrind, heaptrack\'s LD_PRELOAD library records no allocation (0 in its data file), and `heaptrack --use-inject` crashed (SIGSEGV)',
    runs,
  };
}

// ---- 3. one malloc/free pair ---------------------------------------------------------

async function microbench(targets, tmp) {
  const { pairs, repetitions, configs, callgrindPairs, heaptrackPairs, heaptrackRepetitions } = CONFIG.micro;
  const byNode = {};
  for (const target of targets) {
    progress(`malloc/free pairs${targets.length > 1 ? `, Node ${target.key}` : ''}: ${repetitions} × ${configs.length} configurations × ${fmt(pairs)} pairs, one process`);
    const out = JSON.parse(run(target.node, [MICROBENCH, target.benchAddon, String(pairs), String(repetitions), configs.join(',')], { env: target.env }).stdout.trim().split('\n').pop());
    const none = out.nsPerPair.none;
    const byConfig = {};
    for (const config of configs) {
      const ns = out.nsPerPair[config];
      byConfig[config] = {
        // The thread's CPU time per pair (time spent waiting for a core left out), and the wall clock's.
        nsPerPair: spreadOf(ns, 2),
        wallNsPerPair: spreadOf(out.wallNsPerPair[config], 2),
        // Each repetition against the no-profiler repetition of the same round.
        extraNs: config === 'none' ? null : ratioSpread(ns.map((x, i) => x - none[i])),
        ratio: config === 'none' ? null : ratioSpread(ns.map((x, i) => x / none[i])),
        all: ns.map((x) => round(x, 2)),
      };
    }
    const entry = { pairs, repetitions, size: out.size, byConfig };
    // Instructions per pair, counted inside allocscope_bench_pairs only (--toggle-collect): one process per configuration.
    if (CONFIG.callgrind.enabled && toolVersion('valgrind', ['--version'])) {
      const warm = Math.min(callgrindPairs, 100000);
      const counted = await pool(configs.map((config) => async () => {
        const file = path.join(tmp, `micro.${crypto.randomUUID()}.out`);
        try {
          await runAsync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${file}`, '--toggle-collect=allocscope_bench_pairs',
            target.node, MICROBENCH, target.benchAddon, String(callgrindPairs), '1', config], { env: target.env });
          return [config, round(callgrindTotal(file) / (callgrindPairs + warm), 2)];
        } catch (error) {
          return [config, { error: String(error.message).slice(0, 500) }];
        } finally {
          fs.rmSync(file, { force: true });
        }
      }), CONFIG.callgrind.jobs);
      entry.instructionsPerPair = Object.fromEntries(counted);
      entry.callgrindPairs = callgrindPairs;
      progress(`  instructions per pair: ${JSON.stringify(entry.instructionsPerPair)}`);
    }
    if (CONFIG.heaptrack) {
      const base = path.join(tmp, 'heaptrack-micro');
      const r = run('heaptrack', ['-o', base, target.node, MICROBENCH, target.benchAddon, String(heaptrackPairs), String(heaptrackRepetitions), 'none'], { env: target.env });
      fs.rmSync(heaptrackFile(base), { force: true });
      const line = r.stdout.split('\n').find((l) => l.startsWith('{"pairs"'));
      const ns = JSON.parse(line).nsPerPair.none;
      entry.heaptrack = { pairs: heaptrackPairs, repetitions: heaptrackRepetitions, nsPerPair: spreadOf(ns, 2), all: ns.map((x) => round(x, 2)),
        wallNsPerPair: spreadOf(JSON.parse(line).wallNsPerPair.none, 2),
        ratioToNone: round(median(ns) / byConfig.none.nsPerPair.median, 2) };
    }
    byNode[target.key] = entry;
    progress(`  ns per pair: ${configs.map((c) => `${c} ${byConfig[c].nsPerPair.median}`).join(', ')}${entry.heaptrack ? `, heaptrack ${entry.heaptrack.nsPerPair.median}` : ''}`);
  }
  return byNode;
}

// ---- 4. heaptrack and allocscope side by side ---------------------------------------

/**
 * Reads heaptrack's data file (zstd- or gzip-compressed text: strings `s`, instruction
 * pointers `i`, trace nodes `t`, allocation infos `a`, allocations `+`, frees `-`): bytes
 * allocated in total, calls, leaked, and bytes allocated by the innermost function of each
 * backtrace (heaptrack_print has no list by bytes allocated). For each function, the first
 * frame above node's own code on its largest backtrace: where JavaScript called it.
 */
async function readHeaptrack(file) {
  const decompress = file.endsWith('.zst') ? ['zstdcat', [file]] : ['zcat', [file]];
  const z = spawn(decompress[0], decompress[1], { stdio: ['ignore', 'pipe', 'inherit'] });
  const rl = readline.createInterface({ input: z.stdout, crlfDelay: Infinity });
  const strings = [null];
  const ips = [null];
  const traces = [null];
  const infos = [];
  const plus = [];
  const minus = [];
  for await (const line of rl) {
    const c = line[0];
    if (c === '+') { const i = parseInt(line.slice(2), 16); plus[i] = (plus[i] ?? 0) + 1; continue; }
    if (c === '-') { const i = parseInt(line.slice(2), 16); minus[i] = (minus[i] ?? 0) + 1; continue; }
    if (c === 's') { strings.push(line.slice(line.indexOf(' ', 2) + 1)); continue; }
    if (c !== 'i' && c !== 't' && c !== 'a') continue;
    const f = line.split(' ');
    if (c === 'i') ips.push({ ip: f[1], module: parseInt(f[2], 16), fn: f[3] ? parseInt(f[3], 16) : 0 });
    else if (c === 't') traces.push({ ip: parseInt(f[1], 16), parent: parseInt(f[2], 16) });
    else infos.push({ size: parseInt(f[1], 16), trace: parseInt(f[2], 16) });
  }
  const frameName = (ip) => (ip.fn ? strings[ip.fn] : `0x${ip.ip} in ${ip.module ? path.basename(strings[ip.module]) : '??'}`);
  let bytes = 0, calls = 0, leaked = 0;
  const byTrace = new Map();
  infos.forEach((a, i) => {
    const n = plus[i] ?? 0;
    bytes += n * a.size;
    calls += n;
    leaked += (n - (minus[i] ?? 0)) * a.size;
    byTrace.set(a.trace, (byTrace.get(a.trace) ?? 0) + n * a.size);
  });
  const byFunction = new Map();
  for (const [trace, b] of byTrace) {
    const ip = ips[traces[trace]?.ip];
    const name = ip ? frameName(ip) : '(no backtrace)';
    const entry = byFunction.get(name) ?? { bytes: 0, topTrace: trace, topTraceBytes: 0 };
    entry.bytes += b;
    if (b > entry.topTraceBytes) { entry.topTrace = trace; entry.topTraceBytes = b; }
    byFunction.set(name, entry);
  }
  /** The first frame of a backtrace, innermost first, that heaptrack could not name (JIT code). */
  const firstUnnamed = (trace) => {
    for (let t = trace, depth = 0; t && depth < 256; t = traces[t].parent, depth++) {
      const ip = ips[traces[t].ip];
      if (ip && !ip.fn) return frameName(ip);
    }
    return null;
  };
  const top = [...byFunction].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, CONFIG.sites.top)
    .map(([name, e]) => ({ function: name, bytes: e.bytes, share: round(e.bytes / bytes, 4), jsCaller: firstUnnamed(e.topTrace) }));
  return { bytes, calls, leaked, top };
}

/** heaptrack_print's size figures ("54.41M", "606.00K", "79B"): 1024-based. */
function parseSize(text) {
  const m = /^([\d.]+)([KMGT]?)B?$/.exec(text.trim());
  if (!m) return null;
  return Math.round(Number(m[1]) * 1024 ** ' KMGT'.indexOf(m[2] || ' '));
}

/** heaptrack_print -p: the top peak consumers (merged by function) and the summary. */
function heaptrackPrint(file) {
  const n = CONFIG.sites.top;
  const args = ['-f', file, '-p', '-n', String(n), '-s', '0', '-a', '0', '-T', '0', '-l', '0'];
  const r = run('heaptrack_print', args);
  const peaks = [];
  const re = /^(\S+) peak memory consumed over (\d+) calls from\n(.+)\n\s+in (.+)$/gm;
  for (let m; (m = re.exec(r.stdout));) peaks.push({ function: m[3].trim(), module: m[4].trim(), peak: m[1], peakBytes: parseSize(m[1]), calls: Number(m[2]) });
  const line = (label) => (new RegExp(`^${label}:\\s*(.+)$`, 'm').exec(r.stdout)?.[1] ?? null);
  return {
    command: `heaptrack_print ${args.join(' ').replace(file, '<file>')}`,
    peaks: peaks.slice(0, n),
    peakHeap: line('peak heap memory consumption'), peakHeapBytes: parseSize(line('peak heap memory consumption') ?? ''),
    peakRss: line('peak RSS \\(including heaptrack overhead\\)'),
    leaked: line('total memory leaked'), calls: line('calls to allocation functions'),
  };
}

async function sideBySide(targets, tmp) {
  const units = CONFIG.wall.units;
  const byNode = {};
  for (const target of targets) {
    const label = targets.length > 1 ? `Node ${target.key}: ` : '';
    progress(`${label}side by side: allocscope, allocated mode at ${CONFIG.sites.intervalBytes / 1024} KiB`);
    const report = path.join(tmp, 'sites.json');
    run(target.node, [CHILD, 'allocscope-allocated', '--units', String(units), '--interval', String(CONFIG.sites.intervalBytes), '--top', String(CONFIG.sites.top), '--report', report], { env: target.env });
    const a = JSON.parse(fs.readFileSync(report, 'utf8'));
    const entry = {
      units,
      allocscope: {
        intervalBytes: CONFIG.sites.intervalBytes, mode: 'allocated', totalBytes: Math.round(a.profileBytes), samples: a.figures.samples, collectMs: round(a.collectMs, 0),
        collectRssMiB: round((a.maxRssKiB - a.maxRssBeforeCollectKiB) / MiB, 1),
        top: a.top.map((r) => ({ ...r, file: r.file ? path.relative(ROOT, r.file) || r.file : r.file })),
      },
    };
    if (CONFIG.heaptrack) {
      const read = async (u) => {
        progress(`${label}side by side: heaptrack, ${u} units`);
        const base = path.join(tmp, `heaptrack-sites-${u}`);
        run('heaptrack', ['-o', base, target.node, CHILD, 'plain', '--units', String(u), '--report', path.join(tmp, 'heaptrack-sites.json')], { env: target.env });
        const file = heaptrackFile(base);
        try {
          return { file: path.basename(file), fileBytes: sizeOf(file), ...(await readHeaptrack(file)), print: heaptrackPrint(file) };
        } finally {
          fs.rmSync(file, { force: true });
        }
      };
      const full = await read(units);
      // Node's own start-up and exit, which heaptrack records and allocscope (started by the
      // program, after start-up) does not: a zero-work run's bytes.
      const empty = await read(0);
      entry.heaptrack = { ...full, emptyRun: { bytes: empty.bytes, calls: empty.calls }, workBytes: full.bytes - empty.bytes };
      entry.allocscopeVsHeaptrackWork = round(entry.allocscope.totalBytes / entry.heaptrack.workBytes, 4);
      entry.allocscopeVsHeaptrackTotal = round(entry.allocscope.totalBytes / full.bytes, 4);
    }
    byNode[target.key] = entry;
  }
  return byNode;
}

// ---- results and docs -----------------------------------------------------------------

const x = (r, digits = 3) => (r === null || r === undefined ? '—' : `${fmt(r, digits)}×`);
const mib = (s) => (s === null || s === undefined ? '—' : `${s >= 0 ? '+' : '−'}${fmt(Math.abs(s), 1)} MiB`);
const ratioCell = (s) => `${x(s.median)} (${x(s.quartiles[0])} – ${x(s.quartiles[1])})`;
const diffCell = (s) => `${mib(s.median)} (${mib(s.quartiles[0])} – ${mib(s.quartiles[1])})`;
const pct = (r) => (r === null || r === undefined ? '—' : `${r >= 1 ? '+' : '−'}${fmt(Math.abs(r - 1) * 100, 1)} %`);
const mb = (b) => `${fmt(b / 1e6, 1)} MB`;
const LABELS = {
  plain: 'plain `node`',
  loaded: 'allocscope loaded, not started (the control)',
  allocscope: 'allocscope `malloc.start()`, live',
  'allocscope-allocated': 'allocscope `malloc.start({ mode: \'allocated\' })`',
  heaptrack: '`heaptrack node …`',
};
const CONFIG_LABELS = {
  none: 'no profiler',
  live: 'allocscope live mode, 512 KiB',
  allocated: 'allocscope allocated mode, 512 KiB',
  'live-no-samples': 'allocscope live mode, interval 1 TiB (hooks only, never samples)',
};
const nodeName = (n) => `Node ${n.node.version}`;
// Targets are recomputed from the figures, so that --write-docs follows changes to targetsOf.
const nodesOf = (results) => results.nodes.map((key) => ({ key, ...results.byNode[key], targets: targetsOf(results.byNode[key]) }));

function targetsOf(n) {
  const w = n.wallTime.byVariant.allocscope.vsPlain;
  const c = n.callgrind.skipped ? null : n.callgrind.byVariant.allocscope;
  const ca = n.callgrind.skipped ? null : n.callgrind.byVariant['allocscope-allocated'];
  const h = n.wallTime.byVariant.heaptrack?.vsPlain ?? null;
  const lv = n.wallTime.byVariant.allocscope;
  const fixedShareOfRun = (lv.setupMs.median + lv.collectMs.median) / 1000 / n.wallTime.byVariant.plain.wallS.median;
  const wholeEstimate = round((c?.samplingRatio ?? w.workload.median) + fixedShareOfRun, 4);
  return {
    overhead: {
      target: 1.03,
      // The running profiler (per allocation): judged on instructions, which resolve 3 %
      // where wall time cannot; on the work's wall time when callgrind was skipped.
      samplingRatio: c?.samplingRatio ?? null,
      allocatedSamplingRatio: ca?.samplingRatio ?? null,
      workloadRatio: w.workload.median,
      met: c ? c.samplingRatio <= 1.03 : w.workload.median <= 1.03,
      // Once per process: loading allocscope and start(), against the short callgrind run's work.
      fixedInstructions: c?.fixedInstructions ?? null,
      withStartRatio: c?.workloadNoCollectRatio ?? null,
      metWithStart: c ? c.workloadNoCollectRatio <= 1.03 : null,
      // The whole process at the wall-time run's length, one final profile() included.
      collectInstructions: c?.collectInstructions ?? null,
      withCollectRatio: c?.workloadRatio ?? null,
      wallRatio: w.wall.median, cpuRatio: w.cpu.median,
      // One-time costs timed inside the child (loading + start, final profile()), as a share of plain node's whole run.
      fixedShareOfRun: round(fixedShareOfRun, 4),
      // The whole process, estimated from the figures that resolve it: the sampling's ratio plus the
      // one-time costs' share (the wall-time ratio of whole processes is too noisy to judge 3 % by).
      wholeEstimate,
      metWholeProcess: wholeEstimate <= 1.03,
      // The run length (s) at which the one-time costs fit in what the sampling leaves of 3 %.
      breakEvenS: (c?.samplingRatio ?? w.workload.median) < 1.03
        ? round((lv.setupMs.median + lv.collectMs.median) / 1000 / (1.03 - (c?.samplingRatio ?? w.workload.median)), 1) : null,
      heaptrackWallRatio: h?.wall.median ?? null, heaptrackCpuRatio: h?.cpu.median ?? null, heaptrackWorkloadRatio: h?.workload.median ?? null,
    },
    totals: n.sites.heaptrack ? { allocscopeVsHeaptrack: n.sites.allocscopeVsHeaptrackWork, met: Math.abs(n.sites.allocscopeVsHeaptrackWork - 1) <= 0.15 } : null,
    http: n.http ? httpTargetOf(n.http) : null,
  };
}

/**
 * The HTTP server's target: judged on instructions per request against plain node (loading
 * allocscope's effect included), which resolve 3 %; on the paired CPU per request when callgrind
 * was skipped. CPU per request and throughput are stated beside it.
 */
function httpTargetOf(h) {
  const l = h.load.byVariant;
  const c = h.callgrind.skipped ? null : h.callgrind.byVariant;
  const ht = l.heaptrack?.vsPlain ?? null;
  return {
    target: 1.03,
    instructionsPerRequestRatio: c?.allocscope.perRequestVsPlain ?? null,
    instructionsVsControl: c?.allocscope.perRequestVsControl ?? null,
    controlInstructionsRatio: c?.loaded.perRequestVsPlain ?? null,
    cpuPerRequestRatio: l.allocscope.vsPlain.cpuPerRequest.median,
    cpuPerRequestQuartiles: l.allocscope.vsPlain.cpuPerRequest.quartiles,
    allocatedCpuPerRequestRatio: l['allocscope-allocated']?.vsPlain.cpuPerRequest.median ?? null,
    controlCpuPerRequestRatio: l.loaded?.vsPlain.cpuPerRequest.median ?? null,
    throughputRatio: l.allocscope.vsPlain.throughput.median,
    collectMs: l.allocscope.collectMs.median,
    met: c ? c.allocscope.perRequestVsPlain <= 1.03 : l.allocscope.vsPlain.cpuPerRequest.median <= 1.03,
    metOnCpu: l.allocscope.vsPlain.cpuPerRequest.median <= 1.03,
    heaptrackCpuPerRequestRatio: ht?.cpuPerRequest.median ?? null,
    heaptrackThroughputRatio: ht?.throughput.median ?? null,
  };
}

function section(results) {
  const env = results.environment;
  const nodes = nodesOf(results);
  const p = nodes[0];
  const several = nodes.length > 1;
  const L = [];
  L.push('## Native memory profiler (`malloc.start()`)', '');
  L.push('What sampling native allocations costs a Buffer-heavy program, beside heaptrack (which records every allocation): ' +
    '`malloc.start()` at the default 512 KiB interval in live and allocated mode, on a deterministic workload ' +
    '(`benchmarks/native-memory/workload.js`: Buffers of 1 KiB–256 KiB, one in four held in a bounded 64-entry cache and the rest dropped, ' +
    'small bodies gzipped and gunzipped with `zlib.gzipSync`/`gunzipSync`, JSON stringify/parse round trips); what one malloc/free pair costs ' +
    'through allocscope\'s hooks; what each tool says the workload allocates' +
    `${nodes.some((n) => n.http) ? '; and what each costs an HTTP server under load (`benchmarks/native-memory/http-server.js`: POSTed JSON, gzipped responses, Buffers)' : ''}.`, '');
  const mins = Math.max(1, Math.round((env.durationS ?? 0) / 60));
  const opts = [results.config.nodes.length ? `--node ${results.config.nodes.join(',')}` : '', results.config.wall.rounds !== 5 ? `--rounds ${results.config.wall.rounds}` : ''].filter(Boolean);
  L.push(`Reproduce: \`npm run bench:native${opts.length ? ` -- ${opts.join(' ')}` : ''}\` (about ${mins} minutes here; needs \`heaptrack\` and \`valgrind\`; \`--rounds N\`, \`--short\`, \`--node 24\`). ` +
    `Measured ${env.date.slice(0, 10)} on ${env.cpuModel} × ${env.cpuCount}, ${nodes.map((n) => `${nodeName(n)} (V8 ${n.node.v8})`).join(' and ')}, ${env.platform}; ` +
    `allocscope: ${results.root}; ${results.tools.heaptrack}, ${results.tools.valgrind}; ` +
    `load average ${env.loadAverageAtStart[0]} at the start, ${env.loadAverageAtEnd[0]} at the end, on ${env.cpuCount} cores ` +
    '(other work shares the machine: wall and CPU times stretch from run to run, so compare the paired ratios and the instruction counts). ' +
    'Raw numbers: `benchmarks/native-memory/results.json`.' +
    (results.httpRemeasured ? ` The HTTP server alone was measured again (\`--only-http\`) on ${results.httpRemeasured.date.slice(0, 10)}, ${results.httpRemeasured.root}, ` +
      `load average ${results.httpRemeasured.loadAverageAtStart[0]} at its start and ${results.httpRemeasured.loadAverageAtEnd[0]} at its end.` : ''), '');
  L.push('### Method', '');
  L.push(`- **Wall time, CPU, peak RSS**: ${results.config.wall.rounds} rounds; each variant a fresh process under \`/usr/bin/time -f '%e %U %S %M'\`, ` +
    `variants interleaved and the order rotated each round${several ? ' (and the Node majors interleaved)' : ''}; medians, and per-round comparisons with plain node ` +
    `(ratios for time, differences for peak RSS). ${p.wallTime.units} units of work per run (plain node ≈ ${fmt(p.wallTime.byVariant.plain.wallS.median, 1)} s here). ` +
    'The allocscope variants load allocscope, start the profiler before the work, and call `malloc.profile()` + `top()` once at the end; ' +
    'the control loads allocscope and starts nothing; ' +
    '"whole process" is what `/usr/bin/time` sees (start-up, loading, the work, the final `profile()`; for heaptrack also its interpreter and compressor, ' +
    'whose CPU is counted with the child\'s and whose peak RSS is the larger of the processes\'); "workload" is timed inside the child around the work only. ' +
    'Every run checks that the workload\'s checksum is the same as plain node\'s.');
  L.push(`- **Instructions**: \`valgrind --tool=callgrind node ${results.config.callgrind.nodeFlags.join(' ')} child.js … --units ${results.config.callgrind.units}\` ` +
    `(a short run; ${results.config.callgrind.runs > 1 ? `${results.config.callgrind.runs} runs of plain node and of each sampling run, medians, one of the others` : 'one run of each'}); totals read from the out file's \`totals:\` line. ` +
    'Zero-work runs of each variant (the same process, no units) separate what allocscope costs once (loading, `start()`, `stop()`) from the sampling, ' +
    'the control separates loading from the sampling, and runs with and without the final `profile()` separate the collection.');
  L.push(`- **One malloc/free pair**: \`bench-addon.c\` (a loop of \`malloc(64)\`/\`free\` in C, built here with the target node's headers and \`-O2 -fno-builtin\` so every call goes through its PLT) ` +
    `loaded after \`malloc.start()\`, so that the dlopen hook patches its GOT; then, in the same process, ${results.config.micro.repetitions} repetitions of ${fmt(results.config.micro.pairs)} pairs ` +
    'under each configuration (stopped, or started in a mode), the order rotated each repetition; the thread\'s CPU time and the wall clock around the loop; medians, and each repetition against the no-profiler one of the same repetition. ' +
    `Instructions per pair: the same under callgrind with \`--toggle-collect=allocscope_bench_pairs\` (only the loop, ${fmt(results.config.micro.callgrindPairs)} pairs, one process per configuration). ` +
    `heaptrack: the loop run under \`heaptrack node\` (${fmt(results.config.micro.heaptrackPairs)} pairs × ${results.config.micro.heaptrackRepetitions}).`);
  L.push(`- **Side by side**: the same workload (${p.sites.units} units) once under \`heaptrack\`, whose data file is read for bytes allocated per innermost function ` +
    '(`heaptrack_print` 1.4 lists peak, leaked, calls and temporary allocations, not bytes allocated) and whose peak consumers come from ' +
    `\`${p.sites.heaptrack?.print.command ?? 'heaptrack_print -p'}\`; and once with allocscope's allocated-mode profile at a ${results.config.sites.intervalBytes / 1024} KiB interval, \`top(5)\` by site ` +
    '(the innermost frame of the program\'s own JavaScript).');
  if (results.config.http?.enabled && p.http) {
    const hc = results.config.http;
    L.push(`- **HTTP server**: \`http-server.js\`, an order service on \`node:http\`: each POST carries a JSON order of 2–6 KB (${REQUEST_BODIES} fixed bodies, cycled), read into Buffers ` +
      'and joined with `Buffer.concat`, parsed; the invoice (about twice the order) built, `Buffer.from` and gzipped with the async `zlib.gzip` (deflate\'s state malloc\'d and freed ' +
      'on the libuv threadpool, per request); an attachment of 4–64 KiB rendered into a `Buffer.allocUnsafe`; the gzipped invoice and part of the attachment kept in a bounded cache ' +
      `(256 orders, oldest dropped). Load from autocannon ${results.tools.autocannon ?? ''} in the runner's process: ${hc.rounds} rounds, each variant a fresh server process ` +
      `(pinned to the last CPU with \`taskset\`, the load generator on the other${several ? '; Node majors interleaved' : ''}), variants interleaved and the order rotated each round; ` +
      `per run ${hc.warmupS} s of warm-up, then ${hc.seconds} s saturated (closed loop, ${hc.connections} connections), around which the CPU time (user + system, \`/proc/<pid>/stat\`) ` +
      'of the server\'s whole process group is read (for heaptrack: node, heaptrack\'s interpreter and its compressor, on the same CPU) and divided by the requests the server served; ' +
      'then one `malloc.profile()` + `top(10)` timed inside the server (allocscope variants). Medians, and medians of per-round ratios to plain node of the same round. ' +
      (hc.callgrind.enabled ? `Instructions: one server per variant under \`valgrind --tool=callgrind node ${hc.callgrind.nodeFlags.join(' ')}\`, the load generator outside valgrind ` +
        `(${hc.callgrind.connections} connections); the server's live counters (\`callgrind_control -e Ir\`, all threads) read once it listens (start-up, loading allocscope, \`start()\`), ` +
        `after ${fmt(hc.callgrind.warmupRequests)} warm-up requests, after ${fmt(hc.callgrind.requests)} more (instructions per request), and after one \`profile()\`: ` +
        'so start-up and the collection come apart from the per-request cost within one process, where a zero-request run of each variant would come from another.' : ''));
  }
  L.push('');

  L.push('### Targets', '');
  L.push(`| target |${several ? ' Node |' : ''} measured | met |`);
  L.push(`|---|${several ? '---|' : ''}---|---|`);
  for (const n of nodes) {
    const t = n.targets.overhead;
    const nc = several ? ` ${n.node.version} |` : '';
    const lv = n.wallTime.byVariant.allocscope;
    L.push(`| allocscope ≤ 1.03× at 512 KiB: the running profiler (live mode) |${nc} instructions of the work ${x(t.samplingRatio, 4)} against the control, allocscope loaded and not started (allocated mode ${x(t.allocatedSamplingRatio, 4)}); ` +
      `wall time of the work ${x(t.workloadRatio)} (noise ±10 %) | ${t.met ? 'yes' : '**no**'} |`);
    L.push(`| … with loading allocscope and \`start()\` (once per process) |${nc} +${fmt((t.fixedInstructions ?? 0) / 1e6, 0)} M instructions (${fmt(lv.setupMs.median, 0)} ms): ` +
      `${x(t.withStartRatio, 4)} of the short callgrind run's work (${fmt(n.callgrind.workInstructions / 1e6, 0)} M) | — (once per process; see the next row) |`);
    L.push(`| … and one final \`profile()\`: the whole ${fmt(n.wallTime.byVariant.plain.wallS.median, 1)} s process |${nc} timed inside the child, loading + \`start()\` ${fmt(lv.setupMs.median, 0)} ms and ` +
      `\`profile()\` ${fmt(lv.collectMs.median, 0)} ms, ${fmt(100 * t.fixedShareOfRun, 1)} % of plain node's run: with the sampling ≈ **${x(t.wholeEstimate)}**; ` +
      `measured whole process: wall ${x(t.wallRatio)}, CPU ${x(t.cpuRatio)} (noise ±10 %); in instructions, \`profile()\` is +${fmt((t.collectInstructions ?? 0) / 1e6, 0)} M ` +
      `(${x(t.withCollectRatio, 4)} of the short run's work with everything counted)` +
      `${t.breakEvenS ? `; at this rate a run of ≥ ${fmt(t.breakEvenS, 0)} s with one \`profile()\` would be within 1.03×` : ''} | ${t.metWholeProcess ? 'yes' : '**no**'} |`);
    if (t.heaptrackWallRatio !== null) {
      L.push(`| (heaptrack, for comparison: ×1.16 measured earlier on a similar workload) |${nc} whole process: wall ${x(t.heaptrackWallRatio)}, CPU ${x(t.heaptrackCpuRatio)}; the work inside the child ${x(t.heaptrackWorkloadRatio)} | — |`);
    }
    if (n.targets.totals) {
      L.push(`| total bytes allocated agree with heaptrack's within ~15 % |${nc} allocscope ${mb(n.sites.allocscope.totalBytes)} (16 KiB, allocated mode), heaptrack ${mb(n.sites.heaptrack.workBytes)} ` +
        `(${mb(n.sites.heaptrack.bytes)} minus ${mb(n.sites.heaptrack.emptyRun.bytes)} of node's start-up and exit): ${x(n.sites.allocscopeVsHeaptrackWork)} | ${n.targets.totals.met ? 'yes' : '**no**'} |`);
    }
    const ht = n.targets.http;
    if (ht) {
      L.push(`| allocscope ≤ 1.03× at 512 KiB on the HTTP server (live mode) |${nc} ` +
        `${ht.instructionsPerRequestRatio !== null ? `instructions per request ${x(ht.instructionsPerRequestRatio, 4)} of plain node's (${x(ht.instructionsVsControl, 4)} of the control's); ` : ''}` +
        `CPU per request ${x(ht.cpuPerRequestRatio)} (quartiles ${x(ht.cpuPerRequestQuartiles[0])} – ${x(ht.cpuPerRequestQuartiles[1])}; the control ${x(ht.controlCpuPerRequestRatio)}), ` +
        `throughput ${x(ht.throughputRatio)}; one \`profile()\` ${fmt(ht.collectMs, 0)} ms | ${ht.met ? 'yes' : '**no**'}${ht.instructionsPerRequestRatio !== null && ht.met !== ht.metOnCpu ? ' (on instructions; CPU per request, within the noise, says otherwise)' : ''} |`);
      if (ht.heaptrackCpuPerRequestRatio !== null) {
        L.push(`| (heaptrack on the same HTTP server) |${nc} CPU per request ${x(ht.heaptrackCpuPerRequestRatio)} (its interpreter and compressor included), throughput ${x(ht.heaptrackThroughputRatio)} | — |`);
      }
    }
  }
  L.push('');
  if (several) {
    L.push(`### ${nodes.map(nodeName).join(' beside ')}`, '');
    L.push('The headline figures of each Node, from the same run (the detailed tables below are ' + `${nodeName(p)}'s; the others' are under \`byNode\` in results.json).`, '');
    L.push(`| figure | ${nodes.map(nodeName).join(' | ')} |`);
    L.push(`|---|${nodes.map(() => '---|').join('')}`);
    const row = (label, f) => L.push(`| ${label} | ${nodes.map((n) => { try { return f(n); } catch { return '—'; } }).join(' | ')} |`);
    row('the control (allocscope loaded, not started): instructions of the work vs plain', (n) => x(n.callgrind.loadedWorkRatio, 4));
    row('live: instructions, work + loading + start + sampling', (n) => x(n.callgrind.byVariant.allocscope.workloadNoCollectRatio, 4));
    row('live: instructions, sampling alone (vs the control)', (n) => x(n.callgrind.byVariant.allocscope.samplingRatio, 4));
    row('allocated: instructions, sampling alone (vs the control)', (n) => x(n.callgrind.byVariant['allocscope-allocated'].samplingRatio, 4));
    row('live: instructions incl. final `profile()`', (n) => x(n.callgrind.byVariant.allocscope.workloadRatio, 4));
    row('allocated: instructions, work + loading + start + sampling', (n) => x(n.callgrind.byVariant['allocscope-allocated'].workloadNoCollectRatio, 4));
    row('allocated: instructions incl. final `profile()`', (n) => x(n.callgrind.byVariant['allocscope-allocated'].workloadRatio, 4));
    for (const v of ['allocscope', 'allocscope-allocated', 'heaptrack']) {
      row(`${LABELS[v]}: whole process wall / CPU vs plain`, (n) => `${x(n.wallTime.byVariant[v].vsPlain.wall.median)} / ${x(n.wallTime.byVariant[v].vsPlain.cpu.median)}`);
      row(`${LABELS[v]}: peak RSS vs plain`, (n) => mib(n.wallTime.byVariant[v].vsPlain.rssMiB.median));
    }
    for (const cfg of ['none', 'live', 'allocated']) row(`ns per malloc/free pair, ${CONFIG_LABELS[cfg]}`, (n) => `${fmt(n.microbench.byConfig[cfg].nsPerPair.median, 1)} ns${n.microbench.instructionsPerPair ? ` (${fmt(n.microbench.instructionsPerPair[cfg], 1)} instr.)` : ''}`);
    row('ns per malloc/free pair under heaptrack', (n) => `${fmt(n.microbench.heaptrack.nsPerPair.median, 0)} ns`);
    row('final `profile()`, live / allocated (timed in the wall-time runs)', (n) => `${fmt(n.wallTime.byVariant.allocscope.collectMs.median, 0)} ms / ${fmt(n.wallTime.byVariant['allocscope-allocated'].collectMs.median, 0)} ms`);
    row('peak RSS added by the first `profile()` (live)', (n) => mib(n.wallTime.byVariant.allocscope.collectRssMiB.median));
    row('total bytes: allocscope / heaptrack (work)', (n) => `${mb(n.sites.allocscope.totalBytes)} / ${mb(n.sites.heaptrack.workBytes)} = ${x(n.sites.allocscopeVsHeaptrackWork)}`);
    if (nodes.some((n) => n.http)) {
      row('HTTP server: instructions per request vs plain, control / live', (n) => `${x(n.targets.http.controlInstructionsRatio, 4)} / ${x(n.targets.http.instructionsPerRequestRatio, 4)}`);
      row('HTTP server: CPU per request vs plain, control / live / allocated / heaptrack', (n) => [n.targets.http.controlCpuPerRequestRatio, n.targets.http.cpuPerRequestRatio, n.targets.http.allocatedCpuPerRequestRatio, n.targets.http.heaptrackCpuPerRequestRatio].map((r) => x(r)).join(' / '));
      row('HTTP server: throughput vs plain, live / heaptrack', (n) => `${x(n.targets.http.throughputRatio)} / ${x(n.targets.http.heaptrackThroughputRatio)}`);
      row('HTTP server: final `profile()`, live / allocated', (n) => `${fmt(n.http.load.byVariant.allocscope.collectMs.median, 0)} ms / ${fmt(n.http.load.byVariant['allocscope-allocated']?.collectMs.median ?? null, 0)} ms`);
    }
    L.push('');
    const odd = nodes.filter((n) => !n.callgrind.skipped && Math.abs(n.callgrind.loadedWorkRatio - 1) > 0.02);
    if (odd.length) {
      L.push(`On ${odd.map((n) => `${nodeName(n)} the control's work took ${pct(n.callgrind.loadedWorkRatio)} instructions`).join(', ')} against plain node's, ` +
        'with allocscope only loaded (the same in both of its runs; not investigated here): the "sampling alone" figures are measured against the control of the same Node, ' +
        'the "+ loading" figures against plain node, so they include it.', '');
    }
  }

  // ---- wall time
  const w = p.wallTime;
  L.push(`### Overhead: wall time, CPU, peak RSS${several ? ` (${nodeName(p)})` : ''}`, '');
  L.push('| variant | whole process, median | vs plain (paired) | CPU (user + sys) vs plain | workload in the child vs plain | peak RSS, median | vs plain (paired) | final `profile()` | samples | output |');
  L.push('|---|---:|---|---|---|---:|---|---:|---:|---:|');
  for (const [name, s] of Object.entries(w.byVariant)) {
    const v = s.vsPlain;
    L.push(`| ${LABELS[name]} | ${fmt(s.wallS.median, 2)} s | ${v ? ratioCell(v.wall) : '1 (reference)'} | ${v ? ratioCell(v.cpu) : '—'} | ${v ? ratioCell(v.workload) : '—'} | ` +
      `${fmt(s.maxRssMiB.median, 1)} MiB | ${v ? diffCell(v.rssMiB) : '—'} | ${s.collectMs ? `${fmt(s.collectMs.median, 0)} ms` : '—'} | ${s.samples === null ? '—' : fmt(s.samples)} | ` +
      `${s.outputBytes ? `${fmt(s.outputBytes / 2 ** 20, 1)} MiB` : '—'} |`);
  }
  L.push('', 'Quartiles of the per-round comparisons in brackets. "Samples": allocations sampled in the run (allocscope\'s `figures().samples`); "output": heaptrack\'s data file.', '');
  const lv = w.byVariant.allocscope;
  const al = w.byVariant['allocscope-allocated'];
  L.push(`Peak RSS before the final \`profile()\` (the child's own \`resourceUsage().maxRSS\`, against plain node's): live ${diffCell(lv.vsPlain.rssBeforeCollectMiB)}, ` +
    `allocated ${diffCell(al.vsPlain.rssBeforeCollectMiB)}; allocscope loaded and not started: ${diffCell(w.byVariant.loaded.vsPlain.rssMiB)}. ` +
    `Inside the child, loading allocscope took ${fmt(w.byVariant.loaded.setupMs.median, 0)} ms, loading it and starting the profiler ${fmt(lv.setupMs.median, 0)} ms.`, '');

  // ---- callgrind
  const c = p.callgrind;
  L.push(`### Overhead: instructions (callgrind)${several ? ` (${nodeName(p)})` : ''}`, '');
  if (c.skipped) {
    L.push(`Skipped (${c.skipped}).`, '');
  } else {
    const signed = (v) => `${v >= 0 ? '+' : '−'}${fmt(Math.abs(v) / 1e6, 1)} M`;
    L.push(`Short runs (${c.units} unit${c.units === 1 ? '' : 's'}), ${c.valgrind}, \`${c.nodeFlags.join(' ')}\`. Plain node: ${fmt(c.plainInstructions / 1e9, 3)} G instructions, ` +
      `of which ${fmt(c.workInstructions / 1e9, 3)} G the work (the rest start-up and exit, from a zero-work run)` +
      `${c.plainSpread !== null ? `; its ${c.runsEach} runs differed by ${fmt(c.plainSpread * 100, 3)} %` : ''}. ` +
      `The control (allocscope loaded, not started) did the same work in ${x(c.loadedWorkRatio, 4)} of plain node's instructions` +
      `: loading a module changes what V8 does afterwards (a larger heap, ${mib(w.byVariant.loaded?.vsPlain.rssMiB.median ?? null)} peak RSS here, another GC schedule), so the sampling is measured against the control.`, '');
    L.push('| variant | sampling alone (vs the control) | + loading and `start()` | + final `profile()` | whole process | loading | `start()` + `stop()` | final `profile()` | samples | spread between runs |');
    L.push('|---|---|---|---|---|---:|---:|---:|---:|---:|');
    for (const [name, s] of Object.entries(c.byVariant)) {
      L.push(`| ${LABELS[name]} | **${x(s.samplingRatio, 4)}** (${signed(s.samplingInstructions)}) | ${x(s.workloadNoCollectRatio, 4)} | ${x(s.workloadRatio, 4)} | ${x(s.ratio, 4)} | ` +
        `${fmt(s.loadInstructions / 1e6, 1)} M | ${fmt(s.startStopInstructions / 1e6, 1)} M | ${fmt(s.collectInstructions / 1e6, 1)} M | ${fmt(s.samples)} | ${s.spread.noCollect === null ? '—' : `${fmt(s.spread.noCollect * 100, 3)} %`} |`);
    }
    L.push('', '"Sampling alone": the work of a run without the final `profile()` (its instructions minus a zero-work run of the same variant: loading, `start()`, `stop()`), ' +
      'against the control\'s work. The next columns are ratios to plain node\'s work (instructions minus a zero-work plain run) with the one-time costs counted in: ' +
      'loading allocscope and `start()` (patching the GOTs, enumerating V8\'s code for the JIT log), then the final `profile()` (the run with it minus the run without). ' +
      '"Spread": the largest difference between the runs without `profile()`, as a share of their median (allocscope seeds its sampler from the time-stamp counter, ' +
      `so the samples land elsewhere each run${c.loadedSpread !== null ? `; the control's runs differed by ${fmt(c.loadedSpread * 100, 3)} %` : ''}). ` +
      `heaptrack: ${c.heaptrack}.`, '');
  }

  // ---- microbench
  const m = p.microbench;
  L.push(`### One malloc/free pair${several ? ` (${nodeName(p)})` : ''}`, '');
  L.push('| configuration | ns per pair (thread CPU time), median (quartiles) | extra ns vs no profiler (paired) | ratio (paired) | wall clock, median | instructions per pair (callgrind) |');
  L.push('|---|---|---|---|---:|---:|');
  for (const [cfg, s] of Object.entries(m.byConfig)) {
    const ipp = m.instructionsPerPair?.[cfg];
    L.push(`| ${CONFIG_LABELS[cfg]} | ${fmt(s.nsPerPair.median, 1)} ns (${fmt(s.nsPerPair.quartiles[0], 1)} – ${fmt(s.nsPerPair.quartiles[1], 1)}) | ` +
      `${s.extraNs ? `${s.extraNs.median >= 0 ? '+' : '−'}${fmt(Math.abs(s.extraNs.median), 1)} ns (${fmt(s.extraNs.quartiles[0], 1)} – ${fmt(s.extraNs.quartiles[1], 1)})` : '—'} | ` +
      `${s.ratio ? ratioCell(s.ratio) : '—'} | ${s.wallNsPerPair ? `${fmt(s.wallNsPerPair.median, 1)} ns` : '—'} | ${typeof ipp === 'number' ? fmt(ipp, 1) : '—'} |`);
  }
  if (m.heaptrack) {
    L.push(`| \`heaptrack node\` (records every call) | ${fmt(m.heaptrack.nsPerPair.median, 1)} ns (${fmt(m.heaptrack.nsPerPair.quartiles[0], 1)} – ${fmt(m.heaptrack.nsPerPair.quartiles[1], 1)}) | — | ${x(m.heaptrack.ratioToNone, 1)} of the no-profiler median (another process) | ${m.heaptrack.wallNsPerPair ? `${fmt(m.heaptrack.wallNsPerPair.median, 1)} ns` : '—'} | — |`);
  }
  L.push('');
  const every = Math.round(results.config.intervalBytes / m.size);
  L.push(`At 512 KiB a 64-byte pair is sampled once in ~${fmt(every)} (Poisson over bytes), so the 512 KiB rows are the unsampled path plus the samples' cost spread thin; ` +
    'the 1 TiB row never samples: it is the hooks\' pass-through alone (in live mode each `free` also looks the block up in the occupancy map). ' +
    `Times are the thread's CPU time (\`CLOCK_THREAD_CPUTIME_ID\`, which leaves out time spent waiting for a core) beside the wall clock; ` +
    `even so, the no-profiler loop ranged from ${fmt(Math.min(...m.byConfig.none.all), 1)} to ${fmt(Math.max(...m.byConfig.none.all), 1)} ns per pair over the repetitions ` +
    '(a virtual machine whose 2 vCPUs share their host with other work): quote the paired differences and the instruction counts, which do not move.', '');

  // ---- side by side (every Node: the lists are short, and they differ)
  L.push('### heaptrack and allocscope side by side', '');
  L.push(`The same workload (${p.sites.units} units) under each tool. allocscope: allocated mode at ${p.sites.allocscope.intervalBytes / 1024} KiB, bytes allocated from \`malloc.start()\` to \`profile()\`, ` +
    '`top(5)` by site. heaptrack: bytes allocated over the whole process by innermost function (from its data file), and its peak consumers (`heaptrack_print -p`); ' +
    'node\'s start-up and exit, measured by a zero-work run under heaptrack, are subtracted for the comparison of totals.', '');
  for (const n of nodes) {
    const sb = n.sites;
    L.push(`**${nodeName(n)}.** allocscope: ${fmt(sb.allocscope.samples)} samples, \`profile()\` took ${fmt(sb.allocscope.collectMs)} ms; **${mb(sb.allocscope.totalBytes)}** allocated.`, '');
    L.push('| # | allocscope site (`top(5)`) | bytes | share |');
    L.push('|---:|---|---:|---:|');
    sb.allocscope.top.forEach((r, i) => L.push(`| ${i + 1} | \`${r.function}\`${r.file ? ` (${r.file}:${r.line})` : ''} | ${mb(r.bytes)} | ${fmt(100 * r.bytes / sb.allocscope.totalBytes, 1)} % |`));
    L.push('');
    if (!sb.heaptrack) continue;
    const h = sb.heaptrack;
    L.push(`heaptrack: ${fmt(h.calls)} calls, **${mb(h.bytes)}** allocated over the whole process, of which ${mb(h.emptyRun.bytes)} in node's start-up and exit ` +
      `(${fmt(h.emptyRun.calls)} calls), so **${mb(h.workBytes)}** for the program: allocscope / heaptrack = **${x(sb.allocscopeVsHeaptrackWork)}** ` +
      `(${x(sb.allocscopeVsHeaptrackTotal)} against the whole process). Leaked ${mb(h.leaked)}; heaptrack_print: peak heap ${h.print.peakHeap}, ` +
      `peak RSS ${h.print.peakRss} (with heaptrack's overhead); data file ${fmt(h.fileBytes / 2 ** 20, 1)} MiB.`, '');
    L.push('| # | heaptrack, by bytes allocated (innermost function) | bytes | share | JavaScript caller on its largest backtrace |');
    L.push('|---:|---|---:|---:|---|');
    h.top.forEach((r, i) => L.push(`| ${i + 1} | \`${r.function}\` | ${mb(r.bytes)} | ${fmt(100 * r.share, 1)} % | ${r.jsCaller ? `\`${r.jsCaller}\`` : '—'} |`));
    L.push('');
    L.push('| # | heaptrack_print, peak consumers (`-p`) | peak | calls |');
    L.push('|---:|---|---:|---:|');
    h.print.peaks.forEach((r, i) => L.push(`| ${i + 1} | \`${r.function}\` | ${r.peak} | ${fmt(r.calls)} |`));
    L.push('');
  }
  L.push('heaptrack names the allocator\'s caller inside node (`node::NodeArrayBufferAllocator::…`, zlib\'s `AllocForZlib`, `operator new`); above it the JavaScript ' +
    'is raw addresses in JIT code (`0x7f… in ??`). allocscope names the same bytes by the program\'s function: the `allocUnsafe` in `scratchBuffer`, the `Buffer.alloc` ' +
    'in `cacheEntry`, the zlib state in `compressBody`. Sites are the innermost JavaScript frame as it ran, so a function TurboFan inlined into its caller is charged ' +
    'to the caller: `run` holds the Buffers of `cacheEntry` and `scratchBuffer` where they were inlined into it (a check with `node --no-turbo-inlining` ' +
    'moved them back; `allocscope run` turns inlining off by default). `[thread] …` rows are allocations on threads with no JavaScript (V8\'s platform workers, the libuv pool).', '');
  if (nodes.some((n) => n.http)) httpSection(L, nodes);
  L.push('### What the figures mean', '');
  for (const note of notesOf(results)) L.push(`- ${note}`);
  return L.join('\n');
}

/** The HTTP server's tables, every Node (the figures are few, and they differ). */
function httpSection(L, nodes) {
  L.push('### HTTP server', '');
  for (const n of nodes.filter((m) => m.http)) {
    const { load: l, callgrind: c } = n.http;
    L.push(`**${nodeName(n)}.**`, '');
    L.push('| variant | CPU per request, median | vs plain (paired) | req/s, median | throughput vs plain (paired) | p99 (saturated), median | final `profile()` | samples |');
    L.push('|---|---:|---|---:|---|---:|---:|---:|');
    for (const [name, s] of Object.entries(l.byVariant)) {
      const v = s.vsPlain;
      L.push(`| ${LABELS[name].replace('node …', 'node http-server.js plain')} | ${fmt(s.cpuUsPerRequest.median, 0)} µs | ${v ? ratioCell(v.cpuPerRequest) : '1 (reference)'} | ${fmt(s.requestsPerSecond.median)} | ` +
        `${v ? ratioCell(v.throughput) : '—'} | ${fmt(s.p99Ms.median, 0)} ms | ${s.collectMs ? `${fmt(s.collectMs.median, 0)} ms` : '—'} | ${s.samples === null ? '—' : fmt(s.samples)} |`);
    }
    L.push('');
    const errors = Object.values(l.byVariant).reduce((k, s) => k + s.errors, 0);
    L.push(`Per-round CPU-per-request ratios, live: ${l.byVariant.allocscope.vsPlain.cpuRoundRatios.map((r) => fmt(r, 3)).join(', ')}; ` +
      `the control: ${l.byVariant.loaded?.vsPlain.cpuRoundRatios.map((r) => fmt(r, 3)).join(', ') ?? '—'}${errors ? `; ${fmt(errors)} errors or non-2xx responses` : ''}. ` +
      'The control does nothing once loaded, so its spread is the noise of fresh processes on this machine.', '');
    if (c.skipped) {
      L.push(`Instructions: skipped (${c.skipped}).`, '');
      continue;
    }
    const gcs = (s) => (s.majorGcs == null ? '—' : `${s.majorGcs} / ${s.minorGcs}`);
    L.push('| variant (callgrind) | instructions per request | vs plain | vs the control | mark-compacts / scavenges in the window | start-up to listening | over plain\'s | final `profile()` | samples |');
    L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const [name, s] of Object.entries(c.byVariant)) {
      L.push(`| ${LABELS[name]} | ${fmt(s.perRequest)} | ${x(s.perRequestVsPlain, 4)} | ${x(s.perRequestVsControl, 4)} | ${gcs(s)} | ${fmt(s.startup / 1e6, 0)} M | ` +
        `${name === 'plain' ? '—' : `${s.startupOverPlain >= 0 ? '+' : '−'}${fmt(Math.abs(s.startupOverPlain) / 1e6, 1)} M`} | ${s.collect === null ? '—' : `${fmt(s.collect / 1e6, 1)} M`} | ${s.samples === null ? '—' : fmt(s.samples)} |`);
    }
    L.push('');
  }
}

/** The notes under the tables: what this run's figures say, and what they cannot. */
function notesOf(results) {
  const n = nodesOf(results)[0];
  const c = n.callgrind;
  const w = n.wallTime.byVariant;
  const m = n.microbench;
  const notes = [];
  if (!c.skipped) {
    const lv = c.byVariant.allocscope;
    const al = c.byVariant['allocscope-allocated'];
    const ipp = m.instructionsPerPair;
    notes.push(`**The running profiler is cheap; its one-time costs are not, on a short run.** Against the control, live-mode sampling changed the work's instructions by ${pct(lv.samplingRatio)} ` +
      `and allocated mode by ${pct(al.samplingRatio)} (${fmt(lv.samples)} and ${fmt(al.samples)} samples)` +
      `${ipp && typeof ipp.live === 'number' ? `; every hooked malloc/free pair pays ${fmt(ipp.live - ipp.none, 0)} instructions in live mode and ${fmt(ipp.allocated - ipp.none, 0)} in allocated mode, sampled or not` : ''}. ` +
      `Loading allocscope costs ${fmt(lv.loadInstructions / 1e6, 0)} M instructions and \`start()\` + \`stop()\` ${fmt(lv.startStopInstructions / 1e6, 0)} M, once; the final \`profile()\` ` +
      `${fmt(lv.collectInstructions / 1e6, 0)} M in live mode and ${fmt(al.collectInstructions / 1e6, 0)} M in allocated mode on this short run (it names every native frame with \`dladdr\` ` +
      'and node\'s ELF `.symtab`, and every JavaScript frame from the JIT log). ' +
      `Timed in the ${fmt(w.plain.wallS.median, 1)} s runs, \`profile()\` took ${fmt(w.allocscope.collectMs.median, 0)} ms (live) and ${fmt(w['allocscope-allocated'].collectMs.median, 0)} ms (allocated): ` +
      'a cost per collection, not per allocation, that shrinks as a share of a longer run and is paid again by each `profile()`.');
  }
  const lvw = w.allocscope.vsPlain;
  notes.push(`**Wall time cannot resolve 3 % here**: the work's paired ratio for live mode is ${ratioCell(lvw.workload)} and the whole process ${ratioCell(lvw.wall)}` +
    `${w.loaded ? `, while the control, which does nothing, came out at ${ratioCell(w.loaded.vsPlain.wall)}` : ''}; pairs of identical runs on this machine spread by ±10 %. ` +
    'The instruction counts are the figures the targets are judged on; the one-time costs are timed directly inside the child.');
  if (w.heaptrack) {
    const h = w.heaptrack.vsPlain;
    notes.push(`**heaptrack** records every call (${fmt(n.sites.heaptrack?.calls ?? 0)} in the side-by-side run) with its backtrace: its child ran the work at ${x(h.workload.median)} of plain node's time, ` +
      `the whole command took ${x(h.wall.median)} the wall time and ${x(h.cpu.median)} the CPU (its interpreter and compressor run beside the program, on the other core here), ` +
      `and its peak RSS was ${mib(h.rssMiB.median)} over plain node's. In the microbenchmark a malloc/free pair under heaptrack took ${fmt(m.heaptrack?.nsPerPair.median ?? null, 0)} ns ` +
      `against ${fmt(m.byConfig.none.nsPerPair.median, 1)} ns without a profiler and ${fmt(m.byConfig.live.nsPerPair.median, 1)} ns under allocscope's live mode. heaptrack's figures are exact; ` +
      'allocscope\'s are estimates from ~1 sample per 512 KiB.');
  }
  const rss = w.allocscope.vsPlain;
  notes.push(`**Peak RSS**: allocscope's live mode ended ${mib(rss.rssMiB.median)} over plain node, of which ${mib(rss.rssBeforeCollectMiB.median)} before the final \`profile()\` ` +
    `(${w.loaded ? `loading allocscope alone: ${mib(w.loaded.vsPlain.rssMiB.median)}; ` : ''}the rest comes with \`start()\` and the sampling). ` +
    `The jump comes at the first \`profile()\` that names native frames and hardly depends on the number of samples (${mib(w.allocscope.collectRssMiB.median)} with ${fmt(w.allocscope.samples)} samples, ` +
    `${mib(n.sites.allocscope.collectRssMiB)} with ${fmt(n.sites.allocscope.samples)} in the side-by-side run): it loads the ELF symbol table of node's binary ` +
    `(\`.symtab\` + \`.strtab\`${n.node.symtabBytes ? `, ${fmt(n.node.symtabBytes / 2 ** 20, 1)} MiB on disk for this node` : ''}) to name node's internal functions. ` +
    'heaptrack keeps its symbolization out of the process (its interpreter, then `heaptrack_print`).');
  const h = n.http;
  if (h) {
    const lv = h.load.byVariant.allocscope;
    const c = h.callgrind.skipped ? null : h.callgrind.byVariant;
    const ht = h.load.byVariant.heaptrack?.vsPlain;
    notes.push(`**HTTP server** (${nodeName(n)}): ` +
      (c ? `per request, live mode took ${pct(c.allocscope.perRequestVsPlain)} instructions against plain node and ${pct(c.allocscope.perRequestVsControl)} against the control ` +
        `(${fmt(c.allocscope.samples)} samples over ${fmt(results.config.http.callgrind.warmupRequests + results.config.http.callgrind.requests)} requests); ` +
        `loading allocscope and \`start()\` cost +${fmt(c.allocscope.startupOverPlain / 1e6, 0)} M instructions once, and the final \`profile()\` +${fmt(c.allocscope.collect / 1e6, 0)} M. ` : '') +
      `In fresh processes the CPU per request came out at ${x(lv.vsPlain.cpuPerRequest.median)} of plain node's for live mode and ${x(h.load.byVariant.loaded?.vsPlain.cpuPerRequest.median)} for the control, ` +
      'which does nothing once loaded: that distance from 1 is the noise of this machine, larger than the 3 % being judged, so the instruction counts decide. ' +
      `One \`profile()\` + \`top()\` at the end took ${fmt(lv.collectMs.median, 0)} ms (live)` +
      `${ht ? `. heaptrack, whose interpreter and compressor share the server's CPU, took ${x(ht.cpuPerRequest.median)} the CPU per request and served ${x(ht.throughput.median)} the requests per second` : ''}.`);
  }
  notes.push('**Totals**: allocscope counts from `malloc.start()` (after node\'s start-up), heaptrack from the first allocation of the process to its exit; a zero-work run under heaptrack ' +
    'measures that start-up and exit, and is subtracted. allocscope\'s bytes are an unbiased estimate from a Poisson sample (each sample weighted 1/(1 − e^(−size/interval))); ' +
    'heaptrack\'s are exact. allocscope also samples anonymous `mmap`, which heaptrack does not hook.');
  return notes;
}

/** Where the measured tree stands: its commit, and whether lib/ or native/ have changes. */
function workingTree() {
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'lib', 'native'], { cwd: ROOT, encoding: 'utf8' });
  return `this working tree${git.status === 0 ? ` at ${git.stdout.trim()}` : ''}${dirty.status === 0 && dirty.stdout.trim() ? ' (with uncommitted changes in lib/ or native/)' : ''}`;
}

/** --only-http: the HTTP step again, for the Nodes of the last full run; the rest of results.json stays. */
async function onlyHttp() {
  const results = JSON.parse(fs.readFileSync(RESULTS, 'utf8'));
  const running = String(process.versions.node.split('.')[0]);
  if (!results.nodes.includes(running) && !results.nodes.includes(Number(running))) throw new Error(`--only-http: the last run did not measure Node ${running}`);
  CONFIG.nodes = results.config.nodes;
  const env = environment();
  fs.mkdirSync(path.join(ROOT, 'node_modules', '.cache'), { recursive: true });
  const scratch = fs.mkdtempSync(path.join(ROOT, 'node_modules', '.cache', 'allocscope-bench-native-'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-bench-native-'));
  try {
    const targets = nodeTargets(scratch);
    progress(`only the HTTP server: ${targets.map((t) => `Node ${t.info.version}`).join(', ')}`);
    const http = await httpServer(targets, CONFIG.http, tmp, progress);
    for (const t of targets) {
      results.byNode[t.key].http = http[t.key];
      results.byNode[t.key].targets = targetsOf(results.byNode[t.key]);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  env.loadAverageAtEnd = os.loadavg().map((v) => round(v, 2));
  results.config.http = CONFIG.http;
  results.httpRemeasured = { ...env, root: workingTree() };
  if (CONFIG.write) {
    fs.writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
    writeDocs(results);
    progress('wrote the HTTP figures into results.json and docs/benchmarks.md');
  } else {
    process.stdout.write(`${section(results)}\n`);
  }
}

function writeDocs(results) {
  updateSection('native-memory', section(results));
}

// ---- main ------------------------------------------------------------------------------------

async function main() {
  if (flag('--write-docs')) {
    const results = JSON.parse(fs.readFileSync(RESULTS, 'utf8'));
    writeDocs(results);
    return;
  }
  for (const [tool, needed] of [[TIME, true], ['cc', true], ['heaptrack', CONFIG.heaptrack], ['heaptrack_print', CONFIG.heaptrack], ['zstdcat', CONFIG.heaptrack]]) {
    if (needed && spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} not found (needed; --no-heaptrack leaves heaptrack out)`);
  }
  if (flag('--only-http')) {
    await onlyHttp();
    return;
  }
  const env = environment();
  const root = workingTree();
  fs.mkdirSync(path.join(ROOT, 'node_modules', '.cache'), { recursive: true });
  const scratch = fs.mkdtempSync(path.join(ROOT, 'node_modules', '.cache', 'allocscope-bench-native-'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-bench-native-'));
  let results;
  try {
    const targets = nodeTargets(scratch);
    for (const t of targets) t.variants = CONFIG.wall.variants.filter((v) => v !== 'heaptrack' || CONFIG.heaptrack);
    progress(`starting: ${targets.map((t) => `Node ${t.info.version}`).join(', ')}; ${CONFIG.wall.rounds} rounds × ${targets[0].variants.length} variants, then callgrind, the malloc/free pairs, side by side${CONFIG.http.enabled ? ', the HTTP server' : ''}`);
    const wall = wallTime(targets, tmp);
    const cg = await callgrind(targets, tmp);
    const micro = await microbench(targets, tmp);
    const sites = await sideBySide(targets, tmp);
    const httpResults = CONFIG.http.enabled ? await httpServer(targets, CONFIG.http, tmp, progress) : null;
    env.loadAverageAtEnd = os.loadavg().map((v) => round(v, 2));
    env.durationS = round((Date.now() - startedAt) / 1000, 0);
    const byNode = {};
    for (const t of targets) {
      byNode[t.key] = { node: t.info, wallTime: wall[t.key], callgrind: cg[t.key], microbench: micro[t.key], sites: sites[t.key], http: httpResults?.[t.key] ?? null };
      byNode[t.key].targets = targetsOf(byNode[t.key]);
    }
    results = {
      environment: env, root,
      tools: {
        heaptrack: toolVersion('heaptrack', ['--version']), valgrind: toolVersion('valgrind', ['--version']), cc: toolVersion('cc', ['--version']),
        autocannon: JSON.parse(fs.readFileSync(require.resolve('autocannon/package.json'), 'utf8')).version,
      },
      config: CONFIG, nodes: targets.map((t) => t.key), byNode,
    };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const text = section(results);
  if (CONFIG.write) {
    fs.writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
    writeDocs(results);
    progress(`wrote ${path.relative(ROOT, RESULTS)} and docs/benchmarks.md in ${env.durationS} s`);
  } else {
    process.stdout.write(`${text}\n`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
