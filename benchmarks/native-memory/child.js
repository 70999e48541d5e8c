'use strict';
// One run of the Buffer-heavy workload (workload.js) under one variant, in a fresh
// process. Usage:
//   node child.js <variant> [--units N | --short] [--interval BYTES] [--no-collect] [--top N] [--report FILE]
// variant:
//   plain                 no profiler (also what heaptrack runs: `heaptrack node child.js plain`)
//   loaded                allocscope loaded, the profiler not started (the control: what
//                         loading the module changes, GC schedule and peak RSS included)
//   allocscope            malloc.start() at the interval (default 512 KiB), live mode
//   allocscope-allocated  the same, allocated mode
// allocscope variants load allocscope and start the profiler before the work, then
// collect malloc.profile() once at the end (its top table too) and stop.
// --units N: work units (default 64, a few seconds; 0: start-up, loading and the
// profiler's start and collection only); --short: 4 units (the callgrind runs' size).
// --no-collect: stop without collecting (the callgrind runs count the sampling apart).
// --top N: put the profile's top N sites (label, bytes, innermost JS frame) and its
// totals in the report. The report (one JSON object) goes to --report FILE, else to
// stdout as the last line (heaptrack prints its own lines on stdout after the child's).
const fs = require('node:fs');
const { run } = require('./workload');

const VARIANTS = ['plain', 'loaded', 'allocscope', 'allocscope-allocated'];
const argv = process.argv.slice(2);
const variant = argv[0];
const opt = (name, fallback) => {
  const i = argv.indexOf(name);
  return i === -1 ? fallback : argv[i + 1];
};
const units = argv.includes('--short') ? 4 : Number(opt('--units', 64));
const intervalBytes = Number(opt('--interval', 512 * 1024));
const topN = Number(opt('--top', 0));
const reportFile = opt('--report', null);
const noCollect = argv.includes('--no-collect');
if (!VARIANTS.includes(variant) || !(units >= 0) || !(intervalBytes > 0) || !(topN >= 0)) {
  console.error(`child.js: usage: child.js <${VARIANTS.join('|')}> [--units N | --short] [--interval BYTES] [--no-collect] [--top N] [--report FILE]`);
  process.exit(2);
}

const t0 = process.hrtime.bigint();
let malloc = null;
if (variant !== 'plain') {
  // ALLOCSCOPE_DIST: the runner's snapshot of dist/ (run.js --node); the addon: ALLOCSCOPE_ADDON.
  ({ malloc } = require(process.env.ALLOCSCOPE_DIST || '../../dist'));
  if (variant === 'loaded') malloc = null;
  else malloc.start({ intervalBytes, mode: variant === 'allocscope' ? 'live' : 'allocated' });
}

const t1 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const checksum = run(units);
const cpu = process.cpuUsage(cpu0);
const t2 = process.hrtime.bigint();

const out = {
  variant, units, intervalBytes: malloc ? intervalBytes : null, checksum,
  setupMs: Number(t1 - t0) / 1e6,
  workloadMs: Number(t2 - t1) / 1e6,
  // All threads' CPU over the workload: less sensitive than wall time to other processes.
  workloadCpuMs: (cpu.user + cpu.system) / 1000,
  collectMs: null,
  // Peak RSS so far: the run, before the profiler's collection.
  maxRssBeforeCollectKiB: process.resourceUsage().maxRSS,
};
if (malloc && noCollect) {
  malloc.stop();
} else if (malloc) {
  const profile = malloc.profile();
  const top = profile.top(Math.max(topN, 10));
  out.collectMs = Number(process.hrtime.bigint() - t2) / 1e6;
  const totals = profile.totals();
  out.profileBytes = totals.bytes;
  out.profileObjects = totals.objects;
  out.figures = malloc.figures();
  if (topN > 0) {
    out.top = top.slice(0, topN).map((r) => ({
      label: r.label, bytes: Math.round(r.bytes), objects: Math.round(r.objects),
      function: r.frame?.function ?? null, file: r.frame?.file ?? null, line: r.frame?.line ?? null,
    }));
  }
  malloc.stop();
}
out.maxRssKiB = process.resourceUsage().maxRSS;
out.totalInChildMs = Number(process.hrtime.bigint() - t0) / 1e6;
const line = JSON.stringify(out);
if (reportFile) fs.writeFileSync(reportFile, line + '\n');
else process.stdout.write(line + '\n');
