#!/usr/bin/env node
'use strict';
// Agent benchmark: `npm run bench:agent`.
//
// What `allocscope run` costs the program it profiles, on a real one: the
// TypeScript compiler type-checking this repository (`tsc --noEmit -p
// tsconfig.json`, on the committed sources of --workload-commit, default HEAD,
// unpacked into a temporary directory so that work in progress cannot change it
// between runs). Every run a fresh process, variants interleaved round-robin with
// the order rotated each round:
//   plain        node tsc …
//   heap-prof    node --heap-prof --heap-prof-dir <tmp> tsc …   (node's own profiler)
//   agent        the child `allocscope run -q -o <tmp> -- node tsc …` starts, started
//                by this script with the same node options and agent configuration
//                (read once from a probe run through `allocscope run` itself), so that
//                /usr/bin/time measures that process and nothing else
//   run          the whole `allocscope run -q -o <tmp> -- node tsc …` command (CLI and
//                child). Inside its child two --require hooks read peak RSS and CPU at
//                exit: one before the agent's exit handler (the run itself), one after it
//                (capture written; it also lists the modules in require.cache).
// /usr/bin/time -f '%e %U %S %M' gives wall time, user + system CPU and peak RSS of
// the process it starts (for `run`, CPU adds the CLI's and its child's, and peak RSS
// is the larger of the two: the kernel keeps the largest descendant's).
//
// Options:
//   --rounds N               rounds (default 5)
//   --allocscope-root DIR    the allocscope package whose CLI and agent run (default: this repository)
//   --workload-commit C      the sources tsc checks (default HEAD)
//   --no-keep-inlining-variant  leave out the agent's child with V8's inlining kept
//                            (run --keep-inlining), which separates the agent's cost from
//                            that of the inlining flags `run` sets by default
//   --no-weigh               skip weighing the modules the agent loads
//   --no-write               print only; do not touch results.json or docs/benchmarks.md
//   --write-docs             regenerate the docs section from results.json without measuring
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { commandLine, ROOT, environment, fmt, median, ratioSpread, round, run, spreadOf } = require('../lib/common');
const { updateSection } = require('../lib/results');

const RESULTS = path.join(__dirname, 'results.json');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const TIME = '/usr/bin/time';
const MiB = 1024; // /usr/bin/time and resourceUsage() report KiB

const { flag, option, stringOption } = commandLine('bench:agent');
const CONFIG = {
  rounds: option('--rounds', 5),
  root: path.resolve(stringOption('--allocscope-root') ?? ROOT),
  workloadCommit: stringOption('--workload-commit') ?? 'HEAD',
  keepInliningVariant: !flag('--no-keep-inlining-variant'),
  weigh: !flag('--no-weigh'),
  write: !flag('--no-write'),
};

const startedAt = Date.now();
function progress(message) {
  const s = Math.round((Date.now() - startedAt) / 1000);
  process.stderr.write(`[bench:agent +${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s] ${message}\n`);
}

// ---- setup --------------------------------------------------------------------------

/** The committed sources tsc checks, unpacked once per commit, with this repository's node_modules. */
function workload() {
  const sha = run('git', ['rev-parse', '--short', CONFIG.workloadCommit]).stdout.trim();
  const dir = path.join(os.tmpdir(), `allocscope-agent-tsc-${sha}`);
  if (!fs.existsSync(path.join(dir, 'tsconfig.json'))) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const archive = spawnSync('git', ['archive', '--format=tar', sha, 'lib', 'tsconfig.json'], { cwd: ROOT, maxBuffer: 256 << 20 });
    if (archive.status !== 0) throw new Error(`git archive ${sha} failed: ${archive.stderr}`);
    run('tar', ['-x', '-C', dir], { input: archive.stdout, encoding: 'buffer' });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  }
  const files = run('git', ['ls-tree', '-r', '--name-only', sha, 'lib']).stdout.split('\n').filter((f) => f.endsWith('.ts'));
  return { dir, commit: sha, tsFiles: files.length, args: [TSC, '--noEmit', '-p', 'tsconfig.json'] };
}

/** Node options and agent configuration `allocscope run` gives its child (see probe.js). */
function probeChild(tmp, keepInlining) {
  const report = path.join(tmp, `probe${keepInlining ? '-keep-inlining' : ''}.json`);
  const output = path.join(tmp, `agent${keepInlining ? '-keep-inlining' : ''}.allocscope`);
  run(process.execPath, [path.join(CONFIG.root, 'dist', 'cli', 'main.js'), 'run', '-q', ...(keepInlining ? ['--keep-inlining'] : []),
    '-o', output, '--', 'node', path.join(__dirname, 'probe.js'), report]);
  const probe = JSON.parse(fs.readFileSync(report, 'utf8'));
  if (probe.preload === null) throw new Error('the probe found no ALLOCSCOPE_PRELOAD: `allocscope run` no longer configures its child this way; update benchmarks/agent/probe.js');
  fs.rmSync(output, { force: true });
  return { ...probe, output };
}

// ---- measuring ------------------------------------------------------------------------

/** Runs `command` under /usr/bin/time; wall and CPU in seconds, peak RSS in MiB. */
function timed(command, { cwd, env, tmp }) {
  const out = path.join(tmp, 'time.txt');
  const r = spawnSync(TIME, ['-o', out, '-f', '%e %U %S %M', ...command], { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${command.join(' ')} exited with ${r.status}:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  const [wallS, userS, systemS, maxRssKiB] = fs.readFileSync(out, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { wallS, cpuS: round(userS + systemS, 2), maxRssMiB: round(maxRssKiB / MiB, 1) };
}

const sizeOf = (file) => (fs.existsSync(file) ? fs.statSync(file).size : null);

function variants(work, tmp, probes) {
  const hooks = path.join(tmp, 'hooks');
  const heapProfDir = path.join(tmp, 'heap-prof');
  const env = { ...process.env };
  const v = {
    plain: () => timed([process.execPath, ...work.args], { cwd: work.dir, env, tmp }),
    'heap-prof': () => {
      fs.rmSync(heapProfDir, { recursive: true, force: true });
      const t = timed([process.execPath, '--heap-prof', '--heap-prof-dir', heapProfDir, ...work.args], { cwd: work.dir, env, tmp });
      const files = fs.readdirSync(heapProfDir);
      return { ...t, outputBytes: files.reduce((s, f) => s + sizeOf(path.join(heapProfDir, f)), 0) };
    },
    agent: () => {
      const p = probes.agent;
      fs.rmSync(p.output, { force: true });
      const t = timed([process.execPath, ...p.execArgv, ...work.args], { cwd: work.dir, env: { ...env, ALLOCSCOPE_PRELOAD: p.preload }, tmp });
      return { ...t, outputBytes: sizeOf(p.output) };
    },
    run: () => {
      const output = path.join(tmp, 'run.allocscope');
      fs.rmSync(output, { force: true });
      const runEnv = { ...env, AGENT_BENCH_REPORT: hooks, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --require ${path.join(__dirname, 'before-agent-exit.js')}`.trim() };
      const t = timed([process.execPath, path.join(CONFIG.root, 'dist', 'cli', 'main.js'), 'run', '-q', '-o', output, '--',
        'node', '--require', path.join(__dirname, 'after-agent-exit.js'), ...work.args], { cwd: work.dir, env: runEnv, tmp });
      const read = (name) => JSON.parse(fs.readFileSync(`${hooks}.${name}.json`, 'utf8'));
      const before = read('before-agent-exit');
      const after = read('after-agent-exit');
      return {
        ...t,
        outputBytes: sizeOf(output),
        child: {
          maxRssBeforeAgentExitMiB: round(before.maxRssKiB / MiB, 1),
          maxRssMiB: round(after.maxRssKiB / MiB, 1),
          cpuS: round(after.cpuMs / 1000, 2),
          agentExitMs: round(after.uptimeMs - before.uptimeMs, 1),
          // V8's heap when the agent's exit handler starts and when it has written the capture.
          heapTotalBeforeAgentExitMiB: round(before.heapTotalBytes / 2 ** 20, 1),
          heapTotalMiB: round(after.heapTotalBytes / 2 ** 20, 1),
          heapUsedBeforeAgentExitMiB: round(before.heapUsedBytes / 2 ** 20, 1),
          heapUsedMiB: round(after.heapUsedBytes / 2 ** 20, 1),
        },
        modules: after.modules,
      };
    },
  };
  if (probes.keepInlining) {
    v['agent, inlining kept'] = () => {
      const p = probes.keepInlining;
      fs.rmSync(p.output, { force: true });
      const t = timed([process.execPath, ...p.execArgv, ...work.args], { cwd: work.dir, env: { ...env, ALLOCSCOPE_PRELOAD: p.preload }, tmp });
      return { ...t, outputBytes: sizeOf(p.output) };
    };
  }
  return v;
}

function measure(work, tmp, probes) {
  const v = variants(work, tmp, probes);
  const names = Object.keys(v);
  const runs = [];
  let lastModules = null;
  for (let r = 0; r < CONFIG.rounds; r++) {
    // Rotate the order each round, so that no variant always runs right after another.
    for (const variant of names.map((_, i) => names[(i + r) % names.length])) {
      progress(`round ${r + 1}/${CONFIG.rounds}: ${variant}`);
      const { modules, ...figures } = v[variant]();
      if (modules) lastModules = modules;
      runs.push({ round: r, variant, ...figures });
    }
  }
  return { names, runs, modules: lastModules };
}

function summarize({ names, runs }) {
  const inRound = (r, variant) => runs.find((x) => x.round === r && x.variant === variant);
  const mine = (variant) => runs.filter((x) => x.variant === variant);
  /** Per-round comparison of `variant` with `other`: ratios of wall and CPU, difference of peak RSS. */
  const paired = (variant, other) => {
    const rows = mine(variant).map((x) => [x, inRound(x.round, other)]);
    return {
      wall: ratioSpread(rows.map(([x, o]) => x.wallS / o.wallS)),
      cpu: ratioSpread(rows.map(([x, o]) => x.cpuS / o.cpuS)),
      rssMiB: ratioSpread(rows.map(([x, o]) => x.maxRssMiB - o.maxRssMiB)),
    };
  };
  const byVariant = {};
  for (const variant of names) {
    const m = mine(variant);
    byVariant[variant] = {
      wallS: spreadOf(m.map((x) => x.wallS), 2),
      cpuS: spreadOf(m.map((x) => x.cpuS), 2),
      maxRssMiB: spreadOf(m.map((x) => x.maxRssMiB), 1),
      outputBytes: m[0].outputBytes ?? null,
      vsPlain: variant === 'plain' ? null : paired(variant, 'plain'),
      vsHeapProf: variant === 'plain' || variant === 'heap-prof' ? null : paired(variant, 'heap-prof'),
    };
  }
  const runChild = mine('run').map((x) => x.child);
  const plainRss = (r) => inRound(r, 'plain').maxRssMiB;
  byVariant.run.child = {
    maxRssBeforeAgentExitMiB: spreadOf(runChild.map((c) => c.maxRssBeforeAgentExitMiB), 1),
    maxRssMiB: spreadOf(runChild.map((c) => c.maxRssMiB), 1),
    cpuS: spreadOf(runChild.map((c) => c.cpuS), 2),
    agentExitMs: spreadOf(runChild.map((c) => c.agentExitMs), 1),
    heapTotalBeforeAgentExitMiB: spreadOf(runChild.map((c) => c.heapTotalBeforeAgentExitMiB), 1),
    heapTotalMiB: spreadOf(runChild.map((c) => c.heapTotalMiB), 1),
    heapUsedBeforeAgentExitMiB: spreadOf(runChild.map((c) => c.heapUsedBeforeAgentExitMiB), 1),
    heapUsedMiB: spreadOf(runChild.map((c) => c.heapUsedMiB), 1),
    // The run's peak (before the agent writes its capture) and the whole peak, over plain node's of the same round.
    rssBeforeAgentExitVsPlainMiB: ratioSpread(mine('run').map((x) => x.child.maxRssBeforeAgentExitMiB - plainRss(x.round))),
    rssVsPlainMiB: ratioSpread(mine('run').map((x) => x.child.maxRssMiB - plainRss(x.round))),
  };
  return byVariant;
}

// ---- the modules the agent loads --------------------------------------------------------

/** The agent's files among the child's modules: the allocscope root's, and node_modules' other than the workload's (typescript). */
function agentModules(modules) {
  if (!modules) return null;
  const roots = [fs.realpathSync(CONFIG.root), fs.realpathSync(path.join(ROOT, 'node_modules'))];
  const mine = modules.filter((file) => roots.some((r) => file.startsWith(r + path.sep)) &&
    !file.includes(`${path.sep}node_modules${path.sep}typescript${path.sep}`) && !file.startsWith(__dirname + path.sep));
  const label = (file) => {
    const nm = file.lastIndexOf(`node_modules${path.sep}`);
    return nm >= 0 ? file.slice(nm) : path.relative(CONFIG.root, file);
  };
  return mine.map((file) => ({ file: label(file), path: file, bytes: sizeOf(file) }));
}

/** Each module required alone in a fresh node: time, modules it pulls in, heap kept after a full GC, RSS added. */
function weigh(list) {
  const program = 'globalThis.gc(); const m0 = process.memoryUsage(); const n0 = Object.keys(require.cache).length;' +
    'const t0 = process.hrtime.bigint(); require(process.argv[1]); const ms = Number(process.hrtime.bigint() - t0) / 1e6;' +
    'globalThis.gc(); const m1 = process.memoryUsage();' +
    'process.stdout.write(JSON.stringify({ ms, modules: Object.keys(require.cache).length - n0, heapKiB: (m1.heapUsed - m0.heapUsed) / 1024, rssKiB: (m1.rss - m0.rss) / 1024 }));';
  return list.map((m, i) => {
    if (m.file.endsWith('.json')) return m;
    progress(`weighing ${i + 1}/${list.length}: ${m.file}`);
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', program, m.path], { cwd: CONFIG.root, encoding: 'utf8' });
    if (r.status !== 0) return { ...m, weighError: r.stderr.split('\n').find((l) => l.trim()) ?? `exit ${r.status}` };
    const w = JSON.parse(r.stdout);
    return { ...m, inclusive: { ms: round(w.ms, 2), modules: w.modules, heapKiB: round(w.heapKiB, 0), rssKiB: round(w.rssKiB, 0) } };
  });
}

// ---- results and docs -----------------------------------------------------------------------

const LABELS = {
  plain: '`node tsc`',
  'heap-prof': '`node --heap-prof tsc`',
  agent: '`allocscope run`: the profiled child',
  run: '`allocscope run`: whole command (CLI + child)',
  'agent, inlining kept': '`allocscope run --keep-inlining`: the child',
};
const x3 = (s) => `${fmt(s, 3)}×`;
const mib = (s) => `${s >= 0 ? '+' : '−'}${fmt(Math.abs(s), 1)} MiB`;
const ratioCell = (s) => `${x3(s.median)} (${x3(s.quartiles[0])} – ${x3(s.quartiles[1])})`;
const diffCell = (s) => `${mib(s.median)} (${mib(s.quartiles[0])} – ${mib(s.quartiles[1])})`;

function section(result) {
  const { environment: env, workload: work, byVariant: b, config } = result;
  const L = [];
  L.push('## Agent cost (`allocscope run` on the TypeScript compiler)', '');
  L.push('What `allocscope run` costs the program it profiles, on a real program: `tsc --noEmit -p tsconfig.json` type-checking ' +
    `this repository (${work.tsFiles} files of lib/ at commit ${work.commit}, unpacked into a temporary directory so that work in progress does not change it), ` +
    'beside plain node and node\'s own `--heap-prof` on the same program.', '');
  L.push(`Reproduce: \`npm run bench:agent\` (${fmt(env.durationS / 60, 0)} minutes here; \`--rounds N\`). ` +
    `Measured ${env.date.slice(0, 10)} on ${env.cpuModel} × ${env.cpuCount}, Node ${env.node} (V8 ${env.v8}), ${env.platform}; ` +
    `allocscope: ${result.root}; load average ${env.loadAverageAtStart[0]} at the start, ${env.loadAverageAtEnd[0]} at the end, on ${env.cpuCount} cores ` +
    '(other work shares the machine: wall and CPU times stretch from run to run, so compare the paired ratios; peak RSS hardly moves). Raw numbers: `benchmarks/agent/results.json`.', '');
  L.push('### Method', '');
  L.push(`${config.rounds} rounds, each variant a fresh process, variants interleaved and the order rotated each round; medians, and ` +
    'per-round paired comparisons with plain node (wall and CPU as ratios, peak RSS as a difference). Each process runs under ' +
    '`/usr/bin/time -f \'%e %U %S %M\'`: wall time, user + system CPU, peak RSS (the kernel\'s `ru_maxrss`, which includes what node does after ' +
    'the program ends, such as `--heap-prof` writing its profile).', '');
  L.push('- **The profiled child** is what the targets are about. `allocscope run` starts its child itself, so the benchmark asks `run` ' +
    'what it gives the child (a probe script run once through `allocscope run` records its node options and the agent\'s configuration, ' +
    'read from the process\'s initial environment) and starts that same command under `/usr/bin/time`.');
  L.push('- **The whole command** is `allocscope run -q -o <file> -- node tsc …` under `/usr/bin/time`: wall time as the user waits for it, CPU of the CLI ' +
    'and its child together; its peak RSS is the larger of the two processes\' (here the child\'s). Inside that child, two `--require` hooks read ' +
    '`process.resourceUsage()` at exit: one loaded through `NODE_OPTIONS` (so before the agent) whose exit handler runs before the agent writes the ' +
    'capture, one loaded after the agent whose handler runs after it. They split the peak between the run and the capture at exit, and check the first method.', '');
  L.push('### Results', '');
  L.push('| variant | wall, median | CPU (user + sys), median | peak RSS, median | wall vs plain (paired) | CPU vs plain (paired) | peak RSS vs plain (paired) | output |');
  L.push('|---|---:|---:|---:|---|---|---|---:|');
  for (const [name, s] of Object.entries(b)) {
    L.push(`| ${LABELS[name]} | ${fmt(s.wallS.median, 2)} s | ${fmt(s.cpuS.median, 2)} s | ${fmt(s.maxRssMiB.median, 1)} MiB | ` +
      `${s.vsPlain ? ratioCell(s.vsPlain.wall) : '1.000×'} | ${s.vsPlain ? ratioCell(s.vsPlain.cpu) : '1.000×'} | ${s.vsPlain ? diffCell(s.vsPlain.rssMiB) : '—'} | ` +
      `${s.outputBytes ? `${fmt(s.outputBytes / 2 ** 20, 1)} MiB` : '—'} |`);
  }
  L.push('', 'Quartiles of the per-round comparisons in brackets. Against `--heap-prof` in the same rounds:', '');
  L.push('| variant | wall vs `--heap-prof` | CPU vs `--heap-prof` | peak RSS vs `--heap-prof` |');
  L.push('|---|---|---|---|');
  for (const [name, s] of Object.entries(b)) {
    if (!s.vsHeapProf) continue;
    L.push(`| ${LABELS[name]} | ${ratioCell(s.vsHeapProf.wall)} | ${ratioCell(s.vsHeapProf.cpu)} | ${diffCell(s.vsHeapProf.rssMiB)} |`);
  }
  const c = b.run.child;
  L.push('', `Inside the whole command's child: peak RSS ${fmt(c.maxRssBeforeAgentExitMiB.median, 1)} MiB before the agent's exit handler ` +
    `(${mib(c.rssBeforeAgentExitVsPlainMiB.median)} over plain node of the same round), ${fmt(c.maxRssMiB.median, 1)} MiB after it ` +
    `(${mib(c.rssVsPlainMiB.median)}); the exit handler (snapshot and capture written) took ${fmt(c.agentExitMs.median, 0)} ms, ` +
    `while V8's heap went from ${fmt(c.heapUsedBeforeAgentExitMiB.median, 1)} to ${fmt(c.heapUsedMiB.median, 1)} MiB used ` +
    `(${fmt(c.heapTotalBeforeAgentExitMiB.median, 1)} to ${fmt(c.heapTotalMiB.median, 1)} MiB reserved); the child's CPU at exit ${fmt(c.cpuS.median, 2)} s.`);
  if (b['agent, inlining kept']) {
    const k = b['agent, inlining kept'];
    L.push('', '`allocscope run` turns V8\'s inlining off by default (so that an inlined function\'s allocations are not charged to its caller; ' +
      `docs/reports.md), and the compiler then has less to do: the \`--keep-inlining\` child runs with node's default flags, so it shows the agent alone: ` +
      `wall ${x3(k.vsPlain.wall.median)}, CPU ${x3(k.vsPlain.cpu.median)}, peak RSS ${mib(k.vsPlain.rssMiB.median)} against plain node; ` +
      `wall ${x3(k.vsHeapProf.wall.median)}, CPU ${x3(k.vsHeapProf.cpu.median)} against \`--heap-prof\`.`);
  }
  L.push('', '### Targets (issue 13)', '');
  const a = b.agent;
  const rssMet = a.vsPlain.rssMiB.median <= 5;
  const wallMet = a.vsHeapProf.wall.median <= 1;
  const runMet = b.run.vsHeapProf.wall.median <= 1;
  L.push('| target | measured | met |');
  L.push('|---|---|---|');
  L.push(`| the agent adds ≤ 5 MiB to the child's peak RSS | ${diffCell(a.vsPlain.rssMiB)} over plain node (heap-prof: ${diffCell(b['heap-prof'].vsPlain.rssMiB)}) | ${rssMet ? 'yes' : '**no**'} |`);
  L.push(`| \`run\` costs no more than \`--heap-prof\` (pairwise, same run) | child: wall ${x3(a.vsHeapProf.wall.median)}, CPU ${x3(a.vsHeapProf.cpu.median)} of --heap-prof's; whole command: wall ${x3(b.run.vsHeapProf.wall.median)}, CPU ${x3(b.run.vsHeapProf.cpu.median)}` +
    `${b['agent, inlining kept'] ? `; child with inlining kept: wall ${x3(b['agent, inlining kept'].vsHeapProf.wall.median)}, CPU ${x3(b['agent, inlining kept'].vsHeapProf.cpu.median)}` : ''} | ${wallMet && runMet ? 'yes' : wallMet ? 'child yes, whole command **no**' : '**no**'} |`);
  return L.join('\n');
}

function writeDocs(result) {
  updateSection('agent', section(result));
}

// ---- main ------------------------------------------------------------------------------------

function main() {
  if (flag('--write-docs')) {
    writeDocs(JSON.parse(fs.readFileSync(RESULTS, 'utf8')));
    return;
  }
  if (!fs.existsSync(TIME)) throw new Error(`${TIME} not found (GNU time): it measures each process`);
  const work = workload();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-bench-agent-'));
  try {
    const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: CONFIG.root, encoding: 'utf8' });
    const dirty = spawnSync('git', ['status', '--porcelain', '--', 'lib', 'native'], { cwd: CONFIG.root, encoding: 'utf8' });
    const rootDesc = `${CONFIG.root === ROOT ? 'this working tree' : CONFIG.root}${git.status === 0 ? ` at ${git.stdout.trim()}` : ''}` +
      `${dirty.status === 0 && dirty.stdout.trim() ? ' (with uncommitted changes in lib/ or native/)' : ''}`;
    progress(`workload: tsc on ${work.tsFiles} files at ${work.commit} (${work.dir}); allocscope: ${rootDesc}`);
    progress('warm-up: plain tsc once (file cache; checks that it compiles)');
    timed([process.execPath, ...work.args], { cwd: work.dir, env: process.env, tmp });
    const probes = { agent: probeChild(tmp, false), ...(CONFIG.keepInliningVariant ? { keepInlining: probeChild(tmp, true) } : {}) };
    const env = environment();
    const measured = measure(work, tmp, probes);
    const byVariant = summarize(measured);
    let modules = agentModules(measured.modules);
    if (modules && CONFIG.weigh) modules = weigh(modules);
    env.loadAverageAtEnd = os.loadavg().map((x) => round(x, 2));
    env.durationS = round((Date.now() - startedAt) / 1000, 0);
    const result = {
      config: { rounds: CONFIG.rounds, keepInliningVariant: CONFIG.keepInliningVariant },
      environment: env, root: rootDesc,
      workload: { commit: work.commit, tsFiles: work.tsFiles, command: 'tsc --noEmit -p tsconfig.json' },
      childNodeOptions: probes.agent.execArgv,
      byVariant,
      agentModules: modules,
      runs: measured.runs,
    };
    console.log(JSON.stringify(byVariant, null, 2));
    if (modules) {
      console.log('\nmodules the agent loads in the child (bytes on disk; alone in a fresh node: ms, modules pulled in, heap kept, RSS added):');
      for (const m of modules) {
        const w = m.inclusive;
        console.log(`  ${String(m.bytes).padStart(8)}  ${m.file}${w ? `  [${w.ms} ms, ${w.modules} modules, heap ${w.heapKiB} KiB, rss ${w.rssKiB} KiB]` : m.weighError ? `  [${m.weighError}]` : ''}`);
      }
    }
    if (CONFIG.write) {
      fs.writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
      writeDocs(result);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  console.error(error);
  process.exit(1);
}
