#!/usr/bin/env node
'use strict';
// Metrics benchmark: `npm run bench:metrics`.
//
// What one Prometheus scrape costs with allocscope's metrics, beside prom-client's
// collectDefaultMetrics() (what most services already export):
//   1. wall time of Registry.metrics() (collection + text), per variant, each
//      process fresh, variants interleaved (order rotated per round); medians
//      of per-process medians and the per-round ratio allocscope / prom-default;
//      allocscope's collection alone (no text), median;
//   2. instructions per scrape counted by valgrind/callgrind (slope between two
//      scrape counts, so start-up cancels), run when the wall-time ratio is
//      within the noise (|ratio - 1| < its interquartile spread) or --callgrind;
//   3. what glibc's mallinfo2() costs as the C heap grows in free chunks (why
//      the allocator figures are rate-limited by mallocMaxAgeMs).
// Writes benchmarks/metrics/results.json and the "Prometheus metrics" section of
// docs/benchmarks.md.
//
// Options: --rounds N (default 11), --scrapes N (per process, default 300),
//          --live N (live objects in the heap, default 500000),
//          --callgrind (always count instructions), --no-callgrind,
//          --no-write (print only), --quick (3 rounds, small sizes, implies --no-write).

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { commandLine, environment, fmt, lastJsonLine, median, quantile, round, run } = require('../lib/common');
const { updateSection } = require('../lib/results');

const CHILD = path.join(__dirname, 'child.js');
const MALLOC = path.join(__dirname, 'malloc-cost.js');
const RESULTS = path.join(__dirname, 'results.json');

const { flag, option } = commandLine('bench:metrics');
const quick = flag('--quick');
const CONFIG = {
  rounds: option('--rounds', quick ? 3 : 11),
  scrapes: option('--scrapes', quick ? 100 : 300),
  liveObjects: option('--live', quick ? 100000 : 500000),
  variants: ['empty', 'allocscope', 'allocscope-malloc', 'prom-default', 'both'],
  callgrind: {
    mode: flag('--no-callgrind') ? 'off' : flag('--callgrind') ? 'always' : 'when-noisy',
    variants: ['allocscope', 'prom-default'],
    scrapes: [20, quick ? 40 : 80],
    liveObjects: 20000,
    nodeFlags: ['--predictable'],
  },
  mallocChunks: quick ? [0, 50000] : [0, 100000, 200000, 400000],
  mallocProcesses: quick ? 1 : 3,
  write: !quick && !flag('--no-write'),
};

const startedAt = Date.now();
function progress(message) {
  const s = Math.round((Date.now() - startedAt) / 1000);
  const line = `[bench:metrics +${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s] ${message}`;
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}`);
  else process.stderr.write(`${line}\n`);
}

// ---- 1. wall time -----------------------------------------------------------

function wallTime() {
  const { rounds, variants, scrapes, liveObjects } = CONFIG;
  const runs = [];
  let done = 0;
  for (let r = 0; r < rounds; r++) {
    const order = variants.map((_, i) => variants[(i + r) % variants.length]);
    for (const variant of order) {
      progress(`wall time ${++done}/${rounds * variants.length}: round ${r + 1}, ${variant}`);
      const out = lastJsonLine(run(process.execPath, [CHILD, variant, String(scrapes), String(liveObjects)]).stdout);
      runs.push({ round: r, ...out });
    }
  }
  const byVariant = {};
  for (const variant of variants) {
    const mine = runs.filter((x) => x.variant === variant);
    byVariant[variant] = {
      medianScrapeUs: round(median(mine.map((x) => x.medianUs)), 1),
      p25ScrapeUs: round(median(mine.map((x) => x.p25Us)), 1),
      p75ScrapeUs: round(median(mine.map((x) => x.p75Us)), 1),
      medianCollectUs: round(median(mine.map((x) => x.collectMedianUs)), 1),
      meanCollectUsSelfReported: round(median(mine.map((x) => x.collectMeanUs)), 1),
      samples: median(mine.map((x) => x.samples)),
      bytes: median(mine.map((x) => x.bytes)),
    };
  }
  const ratioOf = (variant, base) => {
    const perRound = [];
    for (let r = 0; r < rounds; r++) {
      const a = runs.find((x) => x.round === r && x.variant === variant);
      const b = runs.find((x) => x.round === r && x.variant === base);
      perRound.push(a.medianUs / b.medianUs);
    }
    return { median: round(median(perRound), 3), p25: round(quantile(perRound, 0.25), 3), p75: round(quantile(perRound, 0.75), 3) };
  };
  const ratios = {
    allocscopeVsPromDefault: ratioOf('allocscope', 'prom-default'),
    allocscopeMallocVsAllocscope: ratioOf('allocscope-malloc', 'allocscope'),
    bothVsPromDefault: ratioOf('both', 'prom-default'),
  };
  // Per exported sample: the formatting dominates, so this is the fairer comparison.
  const perSample = (v) => byVariant[v].medianScrapeUs / byVariant[v].samples;
  return { runs, byVariant, ratios, usPerSample: { allocscope: round(perSample('allocscope'), 2), promDefault: round(perSample('prom-default'), 2) } };
}

// ---- 2. instructions ----------------------------------------------------------

function callgrind(wall) {
  const { mode, variants, scrapes, liveObjects, nodeFlags } = CONFIG.callgrind;
  const r = wall.ratios.allocscopeVsPromDefault;
  const noisy = r.p25 <= 1 && r.p75 >= 1;
  if (mode === 'off' || (mode === 'when-noisy' && !noisy)) return { ran: false, reason: mode === 'off' ? '--no-callgrind' : `wall-time ratio ${r.median} (IQR ${r.p25}–${r.p75}) excludes 1: resolved without it` };
  const version = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  if (version.status !== 0) return { ran: false, reason: 'valgrind is not installed' };
  const counts = {};
  for (const variant of variants) {
    counts[variant] = {};
    for (const n of scrapes) {
      progress(`callgrind: ${variant}, ${n} scrapes`);
      const res = run('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, ...nodeFlags, CHILD, variant, String(n), String(liveObjects), 'scrapes-only']);
      const m = /Collected\s*:\s*(\d+)/.exec(res.stderr);
      if (!m) throw new Error(`no "Collected" total in callgrind's output:\n${res.stderr}`);
      counts[variant][n] = Number(m[1]);
    }
  }
  const [s1, s2] = scrapes;
  const perScrape = Object.fromEntries(variants.map((v) => [v, Math.round((counts[v][s2] - counts[v][s1]) / (s2 - s1))]));
  return { ran: true, valgrind: version.stdout.trim(), nodeFlags, liveObjects, scrapes, counts, instructionsPerScrape: perScrape,
    ratio: round(perScrape.allocscope / perScrape['prom-default'], 3) };
}

// ---- 3. mallinfo2 ---------------------------------------------------------------

function mallocCost() {
  const rows = [];
  for (const chunks of CONFIG.mallocChunks) {
    const runs = [];
    for (let p = 0; p < CONFIG.mallocProcesses; p++) {
      progress(`mallinfo2 cost: ${chunks} chunks, process ${p + 1}`);
      runs.push(lastJsonLine(run(process.execPath, ['--expose-gc', MALLOC, String(chunks)]).stdout));
    }
    rows.push({ chunks, allocator: runs[0].allocator, freeChunks: median(runs.map((x) => x.freeChunks)),
      arenaMiB: round(median(runs.map((x) => x.arenaBytes)) / 2 ** 20, 1), medianUs: round(median(runs.map((x) => x.medianUs)), 1) });
  }
  return rows;
}

// ---- report ---------------------------------------------------------------------

function markdown(results) {
  const { wall, instructions, malloc, config, environment: env } = results;
  const v = wall.byVariant;
  const row = (name, label) => `| ${label} | ${fmt(v[name].samples)} | ${fmt(v[name].medianScrapeUs, 1)} | ${fmt(v[name].p25ScrapeUs, v[name].p25ScrapeUs < 10 ? 1 : 0)}–${fmt(v[name].p75ScrapeUs, v[name].p75ScrapeUs < 10 ? 1 : 0)} | ${v[name].medianCollectUs === null ? '—' : fmt(v[name].medianCollectUs, 1)} |`;
  const r = wall.ratios;
  const lines = [
    '## Prometheus metrics',
    '',
    `\`node benchmarks/metrics/run.js\`: ${config.rounds} rounds, variants interleaved, each a fresh \`node\` with ${fmt(config.liveObjects)} live objects, a`,
    `Buffer pool and an object pool; ${config.scrapes} timed scrapes (\`Registry.metrics()\`: collection and text) per process after 20`,
    'warm-up scrapes; medians of per-process medians. "Collection" is allocscope\'s part alone (readings and samples, no text).',
    '',
    '| variant | samples | scrape µs (median) | scrape µs (p25–p75) | allocscope collection µs |',
    '|---|---:|---:|---:|---:|',
    row('empty', 'empty registry'),
    row('allocscope', '`metrics.register()` (malloc cached 60 s)'),
    row('allocscope-malloc', '`metrics.register({ mallocMaxAgeMs: 0 })`'),
    row('prom-default', "prom-client `collectDefaultMetrics()`"),
    row('both', 'both on one registry'),
    '',
    `- allocscope / prom-client default metrics, per scrape: **${r.allocscopeVsPromDefault.median}×** (per-round IQR ${r.allocscopeVsPromDefault.p25}–${r.allocscopeVsPromDefault.p75}),`,
    `  for ${fmt(v.allocscope.samples)} samples against ${fmt(v['prom-default'].samples)}: ${wall.usPerSample.allocscope} µs per sample against ${wall.usPerSample.promDefault}.`,
    `- Reading the allocator at every scrape (\`mallocMaxAgeMs: 0\`) on this small C heap: ${r.allocscopeMallocVsAllocscope.median}× the cached scrape.`,
    `- Both exporters together: ${r.bothVsPromDefault.median}× prom-client's alone.`,
    instructions.ran
      ? `- callgrind (\`--predictable\`, ${fmt(instructions.liveObjects)} live objects, slope between ${instructions.scrapes.join(' and ')} scrapes): ${fmt(instructions.instructionsPerScrape.allocscope)} instructions per scrape for allocscope, ${fmt(instructions.instructionsPerScrape['prom-default'])} for prom-client's defaults (${instructions.ratio}×).`
      : `- callgrind not run: ${instructions.reason}.`,
    '',
    'glibc `mallinfo2()` (what `malloc.stats()` calls) walks every free chunk under the arena locks:',
    '',
    '| malloc\'d chunks (half freed) | free chunks | arena MiB | mallinfo2 µs (median) |',
    '|---:|---:|---:|---:|',
    ...malloc.map((m) => `| ${fmt(m.chunks)} | ${fmt(m.freeChunks)} | ${fmt(m.arenaMiB, 1)} | ${fmt(m.medianUs, 1)} |`),
    '',
    'Hence the default `mallocMaxAgeMs: 60000`: the allocator is read at most once a minute, other scrapes reuse the figures.',
    '',
    `Measured ${env.date.slice(0, 10)} on ${env.cpuModel} (${env.cpuCount} cores, load ${env.loadAverageAtStart.join(' ')} at start), Node ${env.node}, prom-client ${env.promClient}, commit ${env.commit}.`,
  ];
  return lines.join('\n');
}

function main() {
  const wall = wallTime();
  const instructions = callgrind(wall);
  const malloc = mallocCost();
  if (process.stderr.isTTY) process.stderr.write('\n');
  const results = { config: CONFIG, environment: environment([['promClient', 'prom-client']]), wall, instructions, malloc };
  const md = markdown(results);
  console.log(md);
  if (CONFIG.write) {
    fs.writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
    updateSection('metrics', md);
    console.error(`wrote ${path.relative(process.cwd(), RESULTS)} and docs/benchmarks.md`);
  }
}

main();
