'use strict';
// Cost per *real* GC of each subscriber, A/B inside one process: blocks of forced
// scavenges (`gc({ type: 'minor' })`, needs --expose-gc) with no subscriber, with
// allocscope's tracker started, and with a perf_hooks observer connected, in
// rotating order. Every block waits for the event loop to run (twice every 50 GCs
// and at the end), so perf_hooks' deferred work (native immediate → JS entry →
// observer dispatch) is inside the block's time. Both subscribers are loaded for
// the whole process, so only being subscribed differs between blocks.
// Prints one JSON line. Usage: node --expose-gc forced-gc.js [gcsPerBlock] [cycles]
const { gc: tracker } = require('../../dist');
const { PerformanceObserver } = require('node:perf_hooks');

if (typeof global.gc !== 'function') {
  console.error('forced-gc.js needs node --expose-gc');
  process.exit(2);
}
const gcsPerBlock = Number(process.argv[2] ?? 200);
const cycles = Number(process.argv[3] ?? 20);
const VARIANTS = ['off', 'allocscope', 'perf_hooks'];

const observed = { entries: 0, totalMs: 0, byKind: {} };
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    observed.entries++;
    observed.totalMs += entry.duration;
    const kind = entry.detail.kind;
    observed.byKind[kind] = (observed.byKind[kind] ?? 0) + entry.duration;
  }
});
const tick = () => new Promise(setImmediate);

async function block() {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < gcsPerBlock; i++) {
    global.gc({ type: 'minor' });
    if (i % 50 === 49) {
      await tick();
      await tick();
    }
  }
  await tick();
  await tick();
  return Number(process.hrtime.bigint() - t0) / gcsPerBlock;
}

async function main() {
  const samples = { off: [], allocscope: [], perf_hooks: [] };
  for (let w = 0; w < 3; w++) await block(); // warm-up
  for (let c = 0; c < cycles; c++) {
    for (let k = 0; k < VARIANTS.length; k++) {
      const variant = VARIANTS[(k + c) % VARIANTS.length];
      if (variant === 'allocscope') tracker.start();
      if (variant === 'perf_hooks') observer.observe({ entryTypes: ['gc'] });
      samples[variant].push(await block());
      if (variant === 'allocscope') tracker.stop();
      if (variant === 'perf_hooks') observer.disconnect();
    }
  }
  process.stdout.write(JSON.stringify({ gcsPerBlock, cycles, perfEntries: observed.entries, samples }) + '\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
