#!/usr/bin/env node
'use strict';
// Import benchmark: `npm run bench:import`.
//
// What `require('allocscope')` costs a program, beside `require('@datadog/pprof')`
// and a child that requires nothing (node's own start-up):
//   1. time: every run a fresh `node -e`, the variants interleaved round-robin with
//      the order rotated each round; inside the child, process.hrtime.bigint()
//      around the require, then the number of modules in require.cache; outside,
//      the whole process's wall time. Medians, and per-round paired ratios;
//   2. instructions (callgrind): `node --predictable -e "require(…)"` counted
//      whole, minus `node --predictable -e 0` counted the same way. Load does not
//      change the counts; --predictable (V8 single-threaded, no timing heuristics)
//      makes them repeat to a few thousand instructions, where node's default
//      background threads made runs of one program differ by up to ~1 % (~5 M).
// Both names are required as a program would, by package name, from the
// allocscope root (its package.json names it; @datadog/pprof resolves from its
// node_modules).
//
// Options:
//   --rounds N              timed rounds (default 21)
//   --callgrind-runs N      callgrind runs per variant (default 2); --no-callgrind skips them
//   --allocscope-root DIR   the allocscope package to measure (default: this repository)
//   --snapshot COMMIT       measure this commit instead: its lib/ compiled into a temporary
//                           root (node_modules linked from this repository, the addon copied
//                           from build/Release or --addon FILE)
//   --label NAME            where the figures go in results.json (default "current";
//                           e.g. --snapshot 587d0fd --label before). Other labels are kept.
//   --no-write              print only; do not touch results.json or docs/benchmarks.md
//   --write-docs            regenerate the docs section from results.json without measuring
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { commandLine, ROOT, environment, fmt, median, quantile, ratioSpread, round, run } = require('../lib/common');
const { updateSection } = require('../lib/results');

const RESULTS = path.join(__dirname, 'results.json');
const { flag, option, stringOption } = commandLine('bench:import');

const CONFIG = {
  rounds: option('--rounds', 21),
  callgrindRuns: flag('--no-callgrind') ? 0 : option('--callgrind-runs', 2),
  label: stringOption('--label') ?? 'current',
  snapshot: stringOption('--snapshot') ?? null,
  addon: stringOption('--addon') ?? null,
  root: stringOption('--allocscope-root') ?? null,
  write: !flag('--no-write'),
};

// name → the child's program (`node -e`); the baseline requires nothing.
const VARIANTS = {
  baseline: null,
  allocscope: 'allocscope',
  pprof: '@datadog/pprof',
};
const LABELS = { baseline: 'no require (`node -e` start-up)', allocscope: "`require('allocscope')`", pprof: "`require('@datadog/pprof')`" };

function childProgram(specifier) {
  const load = specifier ? `require(${JSON.stringify(specifier)});` : '';
  return 'const t0 = process.hrtime.bigint();' + load +
    'const importMs = Number(process.hrtime.bigint() - t0) / 1e6;' +
    'process.stdout.write(JSON.stringify({ importMs, modules: Object.keys(require.cache).length }));';
}

const startedAt = Date.now();
function progress(message) {
  const s = Math.round((Date.now() - startedAt) / 1000);
  process.stderr.write(`[bench:import +${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s] ${message}\n`);
}

// ---- the allocscope root under test -------------------------------------------

/** A root holding `commit`'s lib/ compiled, this repository's node_modules, and an addon. */
function snapshotRoot(commit) {
  const sha = run('git', ['rev-parse', '--short', commit]).stdout.trim();
  const dir = path.join(os.tmpdir(), `allocscope-import-${sha}`);
  const addon = CONFIG.addon ? path.resolve(CONFIG.addon) : path.join(ROOT, 'build', 'Release', 'allocscope.node');
  if (!fs.existsSync(path.join(dir, 'dist', 'index.js'))) {
    progress(`building ${sha} in ${dir} (git archive, tsc)…`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const archive = spawnSync('git', ['archive', '--format=tar', sha, 'lib', 'tsconfig.json', 'package.json'], { cwd: ROOT, maxBuffer: 256 << 20 });
    if (archive.status !== 0) throw new Error(`git archive ${sha} failed: ${archive.stderr}`);
    run('tar', ['-x', '-C', dir], { input: archive.stdout, encoding: 'buffer' });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir });
  }
  fs.mkdirSync(path.join(dir, 'build', 'Release'), { recursive: true });
  fs.copyFileSync(addon, path.join(dir, 'build', 'Release', 'allocscope.node'));
  return { dir, commit: sha, source: `commit ${sha} (lib/ compiled into ${dir}; addon copied from ${path.relative(ROOT, addon) || addon})` };
}

function rootUnderTest() {
  if (CONFIG.snapshot) return snapshotRoot(CONFIG.snapshot);
  const dir = path.resolve(CONFIG.root ?? ROOT);
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'lib', 'native'], { cwd: dir, encoding: 'utf8' });
  const commit = git.status === 0 ? git.stdout.trim() : null;
  const changed = dirty.status === 0 && dirty.stdout.trim() !== '';
  return { dir, commit, source: `${dir === ROOT ? 'this working tree' : dir}${commit ? ` at ${commit}` : ''}${changed ? ' (with uncommitted changes in lib/ or native/)' : ''}` };
}

/** Fails early, with the child's error, if a name does not load from `root`. */
function checkLoads(root) {
  for (const [variant, specifier] of Object.entries(VARIANTS)) {
    if (!specifier) continue;
    const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(specifier)})`], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${variant}: require(${JSON.stringify(specifier)}) fails from ${root}:\n${r.stderr}`);
  }
}

// ---- 1. time, interleaved fresh processes ---------------------------------------

function timed(root) {
  const names = Object.keys(VARIANTS);
  const runs = [];
  for (let r = 0; r < CONFIG.rounds; r++) {
    // Rotate the order each round, so that no variant always runs right after another.
    const order = names.map((_, i) => names[(i + r) % names.length]);
    if (r % 5 === 0) progress(`time: round ${r + 1}/${CONFIG.rounds}`);
    for (const variant of order) {
      const { stdout, wallMs } = run(process.execPath, ['-e', childProgram(VARIANTS[variant])], { cwd: root });
      const out = JSON.parse(stdout);
      runs.push({ round: r, variant, importMs: round(out.importMs, 3), modules: out.modules, processMs: round(wallMs, 2) });
    }
  }
  const of = (variant, field) => runs.filter((x) => x.variant === variant).map((x) => x[field]);
  const inRound = (r, variant) => runs.find((x) => x.round === r && x.variant === variant);
  const byVariant = {};
  for (const variant of names) {
    const importMs = of(variant, 'importMs');
    const processMs = of(variant, 'processMs');
    const modules = [...new Set(of(variant, 'modules'))];
    byVariant[variant] = {
      importMs: { median: round(median(importMs), 2), quartiles: [round(quantile(importMs, 0.25), 2), round(quantile(importMs, 0.75), 2)] },
      modules: modules.length === 1 ? modules[0] : modules,
      processMs: { median: round(median(processMs), 1), quartiles: [round(quantile(processMs, 0.25), 1), round(quantile(processMs, 0.75), 1)] },
      // Whole process over the baseline's in the same round: what the require adds to a program's start.
      processVsBaseline: ratioSpread(runs.filter((x) => x.variant === variant).map((x) => x.processMs / inRound(x.round, 'baseline').processMs)),
    };
  }
  const paired = (field) => [...Array(CONFIG.rounds).keys()].map((r) => inRound(r, 'allocscope')[field] / inRound(r, 'pprof')[field]);
  const allocscopeVsPprof = {
    importRatioOfMedians: round(byVariant.allocscope.importMs.median / byVariant.pprof.importMs.median, 4),
    importPairedRatio: ratioSpread(paired('importMs')),
    processRatioOfMedians: round(byVariant.allocscope.processMs.median / byVariant.pprof.processMs.median, 4),
    processPairedRatio: ratioSpread(paired('processMs')),
  };
  return { byVariant, allocscopeVsPprof, runs };
}

// ---- 2. instructions (callgrind) ------------------------------------------------

function valgrindVersion() {
  const r = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

// V8 single-threaded and free of timing heuristics: two runs of one program count
// the same instructions to within a few thousand.
const CALLGRIND_NODE_FLAGS = ['--predictable'];

function instructions(root, variant) {
  const specifier = VARIANTS[variant];
  const program = specifier ? `require(${JSON.stringify(specifier)})` : '0';
  const r = run('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, ...CALLGRIND_NODE_FLAGS, '-e', program], { cwd: root });
  const m = /Collected\s*:\s*(\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no "Collected" total in callgrind's output:\n${r.stderr}`);
  return Number(m[1]);
}

function callgrind(root) {
  const version = valgrindVersion();
  if (CONFIG.callgrindRuns === 0) return { skipped: 'disabled with --no-callgrind' };
  if (!version) return { skipped: 'valgrind not found' };
  const names = Object.keys(VARIANTS);
  const counts = Object.fromEntries(names.map((v) => [v, []]));
  let done = 0;
  for (let r = 0; r < CONFIG.callgrindRuns; r++) {
    for (const variant of names.map((_, i) => names[(i + r) % names.length])) {
      progress(`callgrind ${++done}/${names.length * CONFIG.callgrindRuns}: ${variant} (~10-40 s each)`);
      counts[variant].push(instructions(root, variant));
    }
  }
  const base = median(counts.baseline);
  const byVariant = Object.fromEntries(names.map((v) => [v, {
    runs: counts[v],
    median: median(counts[v]),
    // Largest difference between runs of the same program, relative to its median.
    spread: round((Math.max(...counts[v]) - Math.min(...counts[v])) / median(counts[v]), 5),
    importInstructions: v === 'baseline' ? null : median(counts[v]) - base,
  }]));
  return {
    valgrind: version,
    nodeFlags: CALLGRIND_NODE_FLAGS,
    byVariant,
    allocscopeVsPprof: round(byVariant.allocscope.importInstructions / byVariant.pprof.importInstructions, 4),
  };
}

// ---- results and docs -----------------------------------------------------------

function readResults() {
  try { return JSON.parse(fs.readFileSync(RESULTS, 'utf8')); } catch { return { labels: {} }; }
}

const ms = (x) => `${fmt(x, x < 10 ? 2 : 1)} ms`;
const times = (x) => `${fmt(x, 3)}×`;
const spread = (s) => `${times(s.median)} (quartiles ${times(s.quartiles[0])} – ${times(s.quartiles[1])})`;
const millions = (x) => `${fmt(x / 1e6, 1)} M`;

function section(results) {
  const cur = results.labels.current ?? Object.values(results.labels)[0];
  const env = cur.environment;
  const t = cur.time;
  const a = t.byVariant.allocscope;
  const p = t.byVariant.pprof;
  const b = t.byVariant.baseline;
  const cg = cur.callgrind;
  const L = [];
  L.push('## Import cost (`require(\'allocscope\')`)', '');
  L.push('What loading the package costs a program that only wants `gc.start()` or `heap.read()`: ' +
    '`require(\'allocscope\')` beside `require(\'@datadog/pprof\')` (also a native addon with a sampling heap profiler), ' +
    'and a child that requires nothing, for node\'s own start-up. Only the addon and what the first call needs load at import; ' +
    'reporters, profiles, leaks, pools, bench, continuous mode, metrics and snapshots load on first use.', '');
  L.push(`Reproduce: \`npm run bench:import\` (about ${Math.max(1, Math.round(env.durationS / 60))} minute${env.durationS >= 90 ? 's' : ''} here; needs \`valgrind\` for the instruction counts).`);
  L.push(`Measured ${env.date.slice(0, 10)} on ${env.cpuModel} × ${env.cpuCount}, Node ${env.node} (V8 ${env.v8}), ${env.platform}; ` +
    `allocscope: ${cur.root.source}; @datadog/pprof ${env.pprof}; ` +
    `load average ${env.loadAverageAtStart[0]} at the start, ${env.loadAverageAtEnd[0]} at the end, on ${env.cpuCount} cores (other work shares the machine). ` +
    'Raw numbers: `benchmarks/import/results.json`.', '');
  L.push('### Time and modules', '');
  L.push(`${cur.config.rounds} rounds × 3 variants, each run a fresh \`node -e\` started from the allocscope root, variants interleaved ` +
    'and the order rotated each round. "Import" is `process.hrtime.bigint()` around the `require` inside the child; "modules" is ' +
    '`Object.keys(require.cache).length` after it; "whole process" is the child\'s wall time seen by the runner (spawn to exit).', '');
  L.push('| variant | import, median (quartiles) | modules loaded | whole process, median | whole process vs no require (paired, median) |');
  L.push('|---|---|---:|---|---|');
  for (const [v, s] of [['allocscope', a], ['pprof', p], ['baseline', b]]) {
    L.push(`| ${LABELS[v]} | ${v === 'baseline' ? '—' : `${ms(s.importMs.median)} (${ms(s.importMs.quartiles[0])} – ${ms(s.importMs.quartiles[1])})`} | ${v === 'baseline' ? s.modules : s.modules} | ${ms(s.processMs.median)} | ${v === 'baseline' ? '1.000×' : spread(s.processVsBaseline)} |`);
  }
  L.push('');
  const r = t.allocscopeVsPprof;
  L.push(`allocscope / @datadog/pprof, import time: **${times(r.importRatioOfMedians)}** as a ratio of the medians; ` +
    `${spread(r.importPairedRatio)} as the median of the ${cur.config.rounds} per-round paired ratios (range ${times(r.importPairedRatio.range[0])} – ${times(r.importPairedRatio.range[1])}). ` +
    `Whole process: ${times(r.processRatioOfMedians)} of the medians, ${spread(r.processPairedRatio)} paired.`, '');
  if (cg && !cg.skipped) {
    L.push('### Instructions (callgrind)', '');
    const flags = (cg.nodeFlags ?? []).join(' ');
    L.push(`\`valgrind --tool=callgrind node ${flags} -e "require(…)"\`, the whole process counted, minus \`node ${flags} -e 0\` counted the same way ` +
      `(${cg.byVariant.baseline.runs.length} runs each, medians; ${cg.valgrind}). Counting does not depend on the machine's load; ` +
      '`--predictable` makes V8 single-threaded and free of timing heuristics, so runs of one program repeat to the spread shown ' +
      '(with node\'s default background threads they differed by up to ~1 %, more than the difference between the two imports).', '');
    L.push('| variant | whole process | spread between runs | the import (minus the baseline) |');
    L.push('|---|---:|---:|---:|');
    for (const v of ['allocscope', 'pprof', 'baseline']) {
      const c = cg.byVariant[v];
      L.push(`| ${LABELS[v]} | ${millions(c.median)} | ${fmt(c.spread * 100, 4)} % | ${v === 'baseline' ? '—' : `**${millions(c.importInstructions)}**`} |`);
    }
    L.push('', `allocscope / @datadog/pprof in instructions: **${times(cg.allocscopeVsPprof)}**.`, '');
  }
  const others = Object.entries(results.labels).filter(([name]) => name !== 'current');
  if (others.length) {
    L.push('### Before and after', '');
    L.push('The same script run against other states of the package (`--snapshot COMMIT --label NAME`), each measured in its own run ' +
      '(its own load average), so compare ratios to @datadog/pprof of the same run rather than milliseconds across runs.', '');
    L.push('| state | allocscope at | load average (start) | modules loaded | import, median | vs @datadog/pprof (paired) | import instructions | vs @datadog/pprof (instructions) |');
    L.push('|---|---|---:|---:|---:|---:|---:|---:|');
    for (const [name, res] of [['current', cur], ...others]) {
      const s = res.time.byVariant.allocscope;
      const c = res.callgrind && !res.callgrind.skipped ? res.callgrind : null;
      L.push(`| ${name} | ${res.root.commit ?? '—'}${res.root.source.includes('uncommitted') ? ' + working tree' : ''} | ${res.environment.loadAverageAtStart[0]} | ${s.modules} | ${ms(s.importMs.median)} | ${times(res.time.allocscopeVsPprof.importPairedRatio.median)} | ${c ? millions(c.byVariant.allocscope.importInstructions) : '—'} | ${c ? times(c.allocscopeVsPprof) : '—'} |`);
    }
    L.push('');
  }
  const met = r.importRatioOfMedians <= 1 && r.importPairedRatio.median <= 1 && (!cg || cg.skipped || cg.allocscopeVsPprof <= 1);
  L.push('### Target', '');
  L.push(`The import costs no more than \`require('@datadog/pprof')\` (issue 13): ${met ? '**met**' : '**not met**'} ` +
    `(time ${times(r.importRatioOfMedians)} of medians, ${times(r.importPairedRatio.median)} paired${cg && !cg.skipped ? `; instructions ${times(cg.allocscopeVsPprof)}` : ''}).`);
  return L.join('\n');
}

function writeDocs(results) {
  updateSection('import', section(results));
}

// ---- main -------------------------------------------------------------------------

function main() {
  if (flag('--write-docs')) {
    writeDocs(readResults());
    return;
  }
  const root = rootUnderTest();
  progress(`allocscope: ${root.source}`);
  checkLoads(root.dir);
  const env = environment([['pprof', '@datadog/pprof']]);
  const time = timed(root.dir);
  const cg = callgrind(root.dir);
  env.loadAverageAtEnd = os.loadavg().map((x) => round(x, 2));
  env.durationS = round((Date.now() - startedAt) / 1000, 0);
  const result = { config: { rounds: CONFIG.rounds, callgrindRuns: CONFIG.callgrindRuns }, environment: env, root, time, callgrind: cg };
  const { runs, ...summary } = time;
  console.log(JSON.stringify({ label: CONFIG.label, root: root.source, ...summary, callgrind: cg }, null, 2));
  if (!CONFIG.write) return;
  const results = readResults();
  results.labels[CONFIG.label] = result;
  fs.writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  if (results.labels.current) writeDocs(results);
}

try {
  main();
} catch (error) {
  console.error(error);
  process.exit(1);
}
