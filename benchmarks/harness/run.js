'use strict';
// The benchmark harness's own figures:
//   1. overhead: how long measure()'s counting pass takes next to its timing pass,
//      and the slowdown of one op while counted (sampler at 1 byte per sample);
//   2. agreement: ns/op of the same functions by allocscope, tinybench and mitata,
//      each run in a fresh process, harnesses interleaved, medians over repetitions;
//   3. the exact-counting V8 flags' effect on ns/op (allocscope with and without).
// Usage: node benchmarks/harness/run.js [--reps 5] [--render-only]
const fs = require('node:fs');
const path = require('node:path');
const { commandLine, environment, fmt, lastJsonLine, median, round, run } = require('../lib/common');
const { updateSection } = require('../lib/results');

const { flag, option } = commandLine('benchmarks/harness');
const REPS = option('--reps', 5);
const RESULTS = path.join(__dirname, 'results.json');
const CHILD = path.join(__dirname, 'child.mjs');
const TOOLS = ['allocscope', 'allocscope-plain', 'tinybench', 'mitata'];
const CASES = Object.keys(require('./cases'));

function measureAll() {
  const runs = [];
  const total = REPS * CASES.length * TOOLS.length;
  for (let rep = 0; rep < REPS; rep++) {
    for (const name of CASES) {
      // Rotate the harness order every repetition: no harness always runs first.
      const order = TOOLS.map((_, i) => TOOLS[(i + rep) % TOOLS.length]);
      for (const tool of order) {
        const { stdout } = run(process.execPath, [CHILD, tool, name]);
        runs.push({ rep, ...lastJsonLine(stdout) });
        process.stderr.write(`\r${runs.length}/${total} ${tool} ${name}          `);
      }
    }
  }
  process.stderr.write('\n');
  return runs;
}

function summarize(runs) {
  return CASES.map((name) => {
    const of = (tool, key = 'nsPerOp') => runs.filter((r) => r.name === name && r.tool === tool).map((r) => r[key]);
    const ns = Object.fromEntries(TOOLS.map((t) => [t, median(of(t))]));
    // Ratio per repetition (same minute of the machine), then the median of those.
    const pairRatio = (a, b) => median(runs.filter((r) => r.name === name && r.tool === a).map((r) => {
      const other = runs.find((o) => o.name === name && o.tool === b && o.rep === r.rep);
      return other ? r.nsPerOp / other.nsPerOp : NaN;
    }));
    const mine = runs.filter((r) => r.name === name && r.tool === 'allocscope');
    const countMs = median(mine.map((r) => r.countPassMs));
    const timeMs = median(mine.map((r) => r.timePassMs));
    const countedNsPerOp = median(mine.map((r) => (r.countPassMs * 1e6) / r.countedOps));
    return {
      name,
      nsPerOp: Object.fromEntries(Object.entries(ns).map(([k, v]) => [k, round(v, 1)])),
      tinybenchP50: round(median(of('tinybench', 'p50NsPerOp')), 1),
      mitataP50: round(median(of('mitata', 'p50NsPerOp')), 1),
      ratioToTinybench: round(pairRatio('allocscope', 'tinybench'), 3),
      ratioToMitata: round(pairRatio('allocscope', 'mitata'), 3),
      flagsEffect: round(pairRatio('allocscope', 'allocscope-plain'), 3),
      allocsPerOp: median(mine.map((r) => r.allocsPerOp)),
      bytesPerOp: median(mine.map((r) => r.bytesPerOp)),
      timePassMs: round(timeMs, 0),
      countPassMs: round(countMs, 0),
      countToTime: round(countMs / timeMs, 2),
      countedSlowdown: round(countedNsPerOp / ns.allocscope, 1),
    };
  });
}

function render(results) {
  const rows = results.cases;
  return [
    '## Benchmark harness (`measure()`, `allocscope bench`)',
    '',
    `${REPS} repetitions; every (harness, function) pair in a fresh \`node\` process, harness order rotated per repetition; ` +
      `ratios are medians of per-repetition ratios. Measured ${results.environment.date.slice(0, 10)} on ${results.environment.cpuModel} × ${results.environment.cpuCount} ` +
      `(load average at start ${results.environment.loadAverageAtStart.join(', ')}; other jobs ran on this shared machine). Command: \`npm run bench:harness\`.`,
    '',
    '### ns/op agreement with tinybench and mitata',
    '',
    'allocscope: median of 10 rounds of ~100 ms (mean ns/op of each round). tinybench: `latency.mean` over 1 s (its p50 in brackets). ' +
      'mitata: `avg` (p50 in brackets). "flags": allocscope with its exact-counting V8 flags over allocscope without them.',
    '',
    '| function | allocscope ns/op | tinybench ns/op | mitata ns/op | ÷ tinybench | ÷ mitata | flags | allocs/op | B/op |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...rows.map((r) => `| ${r.name} | ${fmt(r.nsPerOp.allocscope, 1)} | ${fmt(r.nsPerOp.tinybench, 1)} (${fmt(r.tinybenchP50, 1)}) | ${fmt(r.nsPerOp.mitata, 1)} (${fmt(r.mitataP50, 1)}) | ${fmt(r.ratioToTinybench, 2)} | ${fmt(r.ratioToMitata, 2)} | ${fmt(r.flagsEffect, 2)} | ${fmt(r.allocsPerOp)} | ${fmt(r.bytesPerOp)} |`),
    '',
    '### Overhead of the counting pass',
    '',
    'Wall time of `measure()`\'s two passes with the defaults (timing: calibration + 10 × 100 ms; counting: warm-up, probe, a discarded round and 5 counted rounds of up to 10,000 ops), and the slowdown of one op while the sampler records every allocation.',
    '',
    '| function | timing pass ms | counting pass ms | counting ÷ timing | counted op ÷ timed op |',
    '|---|--:|--:|--:|--:|',
    ...rows.map((r) => `| ${r.name} | ${fmt(r.timePassMs)} | ${fmt(r.countPassMs)} | ${fmt(r.countToTime, 2)} | ${fmt(r.countedSlowdown, 1)}× |`),
    '',
    results.notes ?? '',
  ].join('\n');
}

let results;
if (flag('--render-only')) {
  results = JSON.parse(fs.readFileSync(RESULTS, 'utf8'));
} else {
  const runs = measureAll();
  results = { environment: environment([['tinybench', 'tinybench'], ['mitata', 'mitata']]), reps: REPS, cases: summarize(runs), runs };
  const previous = fs.existsSync(RESULTS) ? JSON.parse(fs.readFileSync(RESULTS, 'utf8')) : {};
  if (previous.notes) results.notes = previous.notes;
  fs.writeFileSync(RESULTS, `${JSON.stringify(results, null, 1)}\n`);
}
updateSection('harness', render(results));
console.log(render(results));
