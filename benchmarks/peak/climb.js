'use strict';
// One run of the climbing heap (climb-work.js) in a fresh process, as one variant:
//   node --max-old-space-size=2048 climb.js <none|live|peak> [--rows N] [--gap ADDON] [--no-reference]
//   none   no allocscope
//   live   heap.start({ mode: 'live' })
//   peak   heap.start({ mode: 'live', peak: true })
//   probe  live, and every 10th chunk V8's GetAllocationProfile (gap-addon.cc) and the
//          addon's collect timed: the reference along the climb (not for overhead)
// Prints one JSON line: the workload's wall and CPU time, the used heap reached,
// and for the sampler variants the peak watch's figures and the reference timings
// (reference.js) in the final state, held by the same heap.
const v8 = require('node:v8');
const { climb } = require('./climb-work');

const argv = process.argv.slice(2);
const variant = argv[0];
const opt = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const rows = Number(opt('--rows', 4_400_000));
const gapAddon = opt('--gap', null);
if (!['none', 'live', 'peak', 'probe'].includes(variant) || !(rows > 0)) {
  console.error('climb.js: usage: climb.js <none|live|peak|probe> [--rows N] [--gap ADDON] [--no-reference]');
  process.exit(2);
}

let allocscope = null;
if (variant !== 'none') {
  // ALLOCSCOPE_DIST: the runner's snapshot of dist/ (others may rebuild dist/ meanwhile).
  const dist = process.env.ALLOCSCOPE_DIST || require('node:path').join(__dirname, '..', '..', 'dist');
  allocscope = require(dist);
  allocscope.__dist = dist;
  allocscope.heap.start(variant === 'peak' ? { mode: 'live', peak: true } : { mode: 'live' });
}

const probes = { gapMs: [], collectMs: [], samples: [] };
function probe(held) {
  if (held.length % 10 !== 0) return;
  const g = require(gapAddon).time();
  const t = process.hrtime.bigint();
  require(`${allocscope.__dist}/core/native`).native.sampler.collect();
  probes.collectMs.push(Number(process.hrtime.bigint() - t) / 1e6);
  probes.gapMs.push(g.ms);
  probes.samples.push(g.samples);
}

const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const held = climb(rows, variant === 'probe' ? probe : undefined);
const cpu = process.cpuUsage(cpu0);
const workloadMs = Number(process.hrtime.bigint() - t0) / 1e6;

const out = {
  variant, rows, held: held.length,
  workloadMs, workloadCpuMs: (cpu.user + cpu.system) / 1000,
  usedHeapBytes: v8.getHeapStatistics().used_heap_size,
  maxRssKiB: process.resourceUsage().maxRSS,
};
if (variant === 'peak') {
  const m = allocscope.heap.moments();
  out.figures = m.figures;
  out.moments = m.atMs.length;
  out.peakUsedBytes = m.peakIndex >= 0 ? m.usedBytes[m.peakIndex] : null;
}
if (variant === 'probe') out.probes = probes;
if (allocscope && !argv.includes('--no-reference')) {
  const { measureReference } = require('./reference');
  out.reference = measureReference(allocscope, gapAddon);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
// A 1 GB heap takes seconds to tear down; the measurement is done.
process.reallyExit(0);
