'use strict';
// What a glibc mallinfo2() costs (malloc.stats({ maxAgeMs: 0 })) as the C heap
// grows in free chunks: `chunks` malloc'd blocks of 256–2304 bytes
// (Buffer.allocUnsafeSlow: a malloc per Buffer), every other one freed.
// Usage: node malloc-cost.js <chunks>. Prints one JSON line.
const path = require('node:path');
const a = require(path.join(__dirname, '..', '..'));
const chunks = Number(process.argv[2]);
let blocks = [];
for (let i = 0; i < chunks; i++) blocks.push(Buffer.allocUnsafeSlow(256 + (i % 9) * 256));
blocks = blocks.filter((_, i) => i % 2 === 0); // the rest become free chunks once collected
if (global.gc) { global.gc(); global.gc(); }
const times = [];
for (let i = 0; i < 21; i++) {
  const t0 = process.hrtime.bigint();
  a.malloc.stats({ maxAgeMs: 0 });
  times.push(Number(process.hrtime.bigint() - t0) / 1e3);
}
times.sort((x, y) => x - y);
const m = a.malloc.stats({ maxAgeMs: 0 });
console.log(JSON.stringify({ chunks, medianUs: times[10], allocator: m.allocator, freeChunks: m.glibc ? m.glibc.freeChunks : null, arenaBytes: m.glibc ? m.glibc.arenaBytes : null, kept: blocks.length }));
