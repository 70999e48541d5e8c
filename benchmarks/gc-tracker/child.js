'use strict';
// One run of the workload under one variant, in a fresh process. Prints one JSON
// line on stdout. Usage:
//   node child.js <variant> <iterations> <retainedSlots> [forcedGcs]
// variant: baseline | allocscope | perf_hooks | both
const { runWorkload } = require('./workload');

const [variant, iterationsArg, slotsArg, forcedArg] = process.argv.slice(2);
const VARIANTS = ['baseline', 'allocscope', 'perf_hooks', 'both'];
if (!VARIANTS.includes(variant)) {
  console.error(`child.js: variant must be one of ${VARIANTS.join(', ')}, got ${JSON.stringify(variant)}`);
  process.exit(2);
}
const iterations = Number(iterationsArg);
const retainedSlots = Number(slotsArg);
const forcedGcs = Number(forcedArg ?? 0);

async function main() {
  const t0 = process.hrtime.bigint();
  let tracker = null;
  let observer = null;
  // What prom-client's and OpenTelemetry's runtime metrics do: one observer on
  // 'gc' entries that records each entry's duration under its kind.
  const observed = { entries: 0, totalMs: 0, byKind: {} };
  if (process.env.GC_BENCH_PRELOAD === '1') {
    // Same modules loaded in every variant, so that only the subscription differs.
    require('../../dist');
    require('node:perf_hooks');
  }
  if (variant === 'allocscope' || variant === 'both') {
    tracker = require('../../dist').gc;
    tracker.start();
  }
  if (variant === 'perf_hooks' || variant === 'both') {
    const { PerformanceObserver } = require('node:perf_hooks');
    observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        observed.entries++;
        observed.totalMs += entry.duration;
        const kind = entry.detail.kind;
        observed.byKind[kind] = (observed.byKind[kind] ?? 0) + entry.duration;
      }
    });
    observer.observe({ entryTypes: ['gc'] });
  }
  const t1 = process.hrtime.bigint();
  const checksum = await runWorkload({ iterations, retainedSlots, forcedGcs });
  const t2 = process.hrtime.bigint();

  const out = {
    variant,
    workloadMs: Number(t2 - t1) / 1e6,
    setupMs: Number(t1 - t0) / 1e6,
    checksum,
    gcs: null,
    gcsByType: null,
    maxNestingDepth: null,
    perfEntries: observer ? observed.entries : null,
  };
  if (tracker) {
    const s = tracker.summary();
    out.gcs = s.count;
    out.gcsByType = Object.fromEntries(Object.entries(s.byType).map(([type, t]) => [type, t.count]));
    out.maxNestingDepth = s.maxNestingDepth;
    out.droppedEvents = s.droppedEvents;
    tracker.stop();
  }
  if (observer) observer.disconnect();
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
