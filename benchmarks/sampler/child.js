'use strict';
// One run of one workload under one variant, in a fresh process. Prints one JSON
// line on stdout. Usage:
//   node [--heap-prof --heap-prof-dir=DIR] child.js <variant> <workload> <units> [collect|no-collect]
// variant: baseline | allocscope-live | allocscope-allocated | pprof | heap-prof
//   heap-prof: the parent passes node's --heap-prof flags; the child only runs the workload.
// no-collect: skip the final collection (the callgrind runs count the sampling alone;
//   --heap-prof still writes its file at exit).
const { WORKLOADS, prepare } = require('./workloads');

const VARIANTS = ['baseline', 'allocscope-live', 'allocscope-allocated', 'pprof', 'heap-prof'];
const [variant, workload, unitsArg, collectArg = 'collect'] = process.argv.slice(2);
if (!VARIANTS.includes(variant) || !WORKLOADS[workload] || !['collect', 'no-collect'].includes(collectArg)) {
  console.error(`child.js: usage: child.js <${VARIANTS.join('|')}> <${Object.keys(WORKLOADS).join('|')}> <units> [collect|no-collect]`);
  process.exit(2);
}
const units = Number(unitsArg);
const INTERVAL = 512 * 1024;
const DEPTH = 64;

const t0 = process.hrtime.bigint();
// Every variant loads both profilers and the workload's library, so that only
// the sampling differs between variants.
// ALLOCSCOPE_DIST: the runner's snapshot of dist/ (run.js --node).
const allocscope = require(process.env.ALLOCSCOPE_DIST || '../../dist');
// @datadog/pprof ships prebuilds for some Node majors only: where none loads, the runner
// leaves the pprof variant out and the others run without it.
let pprof = null;
try {
  pprof = require('@datadog/pprof');
} catch (error) {
  if (variant === 'pprof') throw error;
}
prepare(workload);

if (variant === 'allocscope-live') allocscope.heap.start({ intervalBytes: INTERVAL, stackDepth: DEPTH, mode: 'live' });
else if (variant === 'allocscope-allocated') allocscope.heap.start({ intervalBytes: INTERVAL, stackDepth: DEPTH, mode: 'allocated' });
else if (variant === 'pprof') pprof.heap.start(INTERVAL, DEPTH);

const t1 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const checksum = WORKLOADS[workload].run(units);
const cpu = process.cpuUsage(cpu0);
const t2 = process.hrtime.bigint();

// Each profiler collects its profile once at the end, as it would in use
// (--heap-prof writes its file at exit, outside this process's report).
const out = { variant, workload, units, checksum, setupMs: Number(t1 - t0) / 1e6, workloadMs: Number(t2 - t1) / 1e6,
  // CPU time of the whole process (all threads) during the workload: less sensitive than wall
  // time to other processes competing for the cores.
  workloadCpuMs: (cpu.user + cpu.system) / 1000, collectMs: null };
const collect = collectArg === 'collect';
if (collect && variant.startsWith('allocscope')) {
  // Without source maps first (what pprof's heap.profile() does by default), then the
  // default (source maps on: the first such call reads the libraries' maps).
  const p0 = allocscope.heap.profile({ sourceMaps: false });
  p0.top(10, { by: 'site' });
  const t3 = process.hrtime.bigint();
  out.collectMs = Number(t3 - t2) / 1e6;
  const p = allocscope.heap.profile();
  const top = p.top(10, { by: 'site' });
  out.collectWithMapsMs = Number(process.hrtime.bigint() - t3) / 1e6;
  const totals = p.totals();
  out.nodes = p.nodeCount;
  out.profileBytes = totals.bytes;
  out.profileObjects = totals.objects;
  out.topSite = top[0]?.label ?? null;
  allocscope.heap.stop();
} else if (collect && variant === 'pprof') {
  const p = pprof.heap.profile();
  out.collectMs = Number(process.hrtime.bigint() - t2) / 1e6;
  out.pprofSamples = p.sample.length;
  out.pprofLocations = p.location.length;
  pprof.heap.stop();
}
out.totalInChildMs = Number(process.hrtime.bigint() - t0) / 1e6;
process.stdout.write(JSON.stringify(out) + '\n');
