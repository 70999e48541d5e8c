// A library-style pool tuned with allocscope's recommendation. A request handler
// borrows "parsers" (objects holding a 64 KiB scratch Buffer) from a pool; most
// of the time 2–3 are busy, with bursts. Run it once with a guessed capacity,
// read the recommendation, run again with it:
//   node examples/tuned-pool.js
'use strict';
const { ObjectPool } = require(process.env.ALLOCSCOPE_DIST || '..');

class Parser {
  constructor() { this.scratch = Buffer.allocUnsafe(64 * 1024); }
  parse(n) { this.scratch.fill(n & 0xff, 0, 4096); return this.scratch[17]; }
  clear() { this.scratch[0] = 0; }
}

function busyParsers(step) {
  // Steady 2–3 concurrent requests; every 40th step a burst of 6, every 250th of 14.
  if (step % 250 === 0) return 14;
  if (step % 40 === 0) return 6;
  return 2 + (step % 2);
}

function serve(pool, steps) {
  const busy = [];
  let checksum = 0;
  for (let step = 1; step <= steps; step++) {
    const want = busyParsers(step);
    while (busy.length < want) busy.push(pool.acquire());
    for (const p of busy) checksum += p.parse(step);
    while (busy.length > want) pool.release(busy.pop());
  }
  while (busy.length) pool.release(busy.pop());
  return checksum;
}

function run(capacity) {
  const pool = new ObjectPool(`parsers-${capacity}`, { create: () => new Parser(), reset: (p) => p.clear(), capacity, objectBytes: 64 * 1024 });
  serve(pool, 20_000);
  return { capacity, stats: pool.stats(0.99) };
}

const before = run(3); // the guess: "we rarely need more than 3"
const recommended = before.stats.recommendation.capacity;
const after = run(recommended);

const row = (label, r) => ({
  run: label,
  capacity: r.capacity,
  'hit rate': `${(r.stats.hitRate * 100).toFixed(1)} %`,
  'parsers created': r.stats.created,
  'MiB allocated for parsers': +(r.stats.created * 64 / 1024).toFixed(1),
});
console.table([row('before (guess)', before), row('after (recommended)', after)]);
const rec = before.stats.recommendation;
console.log(`allocscope recommended ${rec.capacity} parsers for 99 % of requests without a miss ` +
  `(in use peaked at ${before.stats.inUseHighWater}; it idles ${(rec.idleBytesMean / 1024).toFixed(0)} KiB on average).`);
