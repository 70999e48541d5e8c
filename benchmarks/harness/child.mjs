// One (harness, case) measurement in a fresh process; prints one JSON line.
//   node child.mjs <allocscope|allocscope-plain|tinybench|mitata> <case>
// allocscope: measure() with its defaults (both passes, exact-counting flags).
// allocscope-plain: timing pass only, V8 flags untouched (the flags' effect on ns/op).
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const cases = require('./cases.js');
const allocscope = require('../../dist');

const [tool, name] = process.argv.slice(2);
const fn = cases[name];
if (!fn) { console.error(`child.mjs: unknown case ${name}`); process.exit(2); }

let out;
if (tool === 'allocscope' || tool === 'allocscope-plain') {
  const plain = tool === 'allocscope-plain';
  const r = await allocscope.measure(fn, plain ? { count: false, exactCounts: false } : {});
  const t = r.timing;
  const k = r.counting;
  out = {
    nsPerOp: t.nsPerOp.median, spreadPct: t.nsPerOp.spreadPct,
    timePassMs: r.passMs.time, countPassMs: r.passMs.count,
    // Ops run by the counting pass: warm-up (10) + probe (10) + a discarded round + the counted rounds.
    countedOps: k ? 20 + k.opsPerRound * (k.allocsPerOp.rounds.length + 1) : 0,
    timedOps: t.opsPerRound * t.nsPerOp.rounds.length,
    allocsPerOp: k ? k.allocsPerOp.median : null, bytesPerOp: k ? k.bytesPerOp.median : null,
  };
} else if (tool === 'tinybench') {
  const { Bench } = await import('tinybench');
  const b = new Bench({ time: 1000 });
  b.add(name, fn);
  await b.run();
  const res = b.tasks[0].result;
  out = { nsPerOp: res.latency.mean * 1e6, p50NsPerOp: res.latency.p50 * 1e6 };
} else if (tool === 'mitata') {
  const { run, bench } = await import('mitata');
  bench(name, fn);
  const r = await run({ format: 'quiet', throw: true });
  const stats = r.benchmarks[0].runs[0].stats;
  out = { nsPerOp: stats.avg, p50NsPerOp: stats.p50 };
} else {
  console.error(`child.mjs: unknown harness ${tool}`);
  process.exit(2);
}
console.log(JSON.stringify({ tool, name, ...out }));
