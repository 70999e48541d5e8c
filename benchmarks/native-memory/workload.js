'use strict';
// The Buffer-heavy workload of the native-memory benchmark: deterministic (a
// seeded PRNG picks every size and key), so that every variant does the same work.
// One unit:
//   - 400 Buffers of 1 KiB–256 KiB (log-uniform), filled: 3 in 4 dropped at once
//     (scratchBuffer), 1 in 4 kept in a bounded cache of 64 entries that drops
//     its oldest (cacheEntry): backing stores malloc'd by Node's ArrayBuffer
//     allocator, freed when V8 collects their Buffer;
//   - 40 small JSON bodies (2–6 KiB) gzipped and gunzipped (compressBody): zlib's
//     deflate and inflate state, malloc'd and freed inside each call;
//   - 40 JSON stringify/parse round trips of a 200-record array (jsonRoundTrip):
//     mostly V8's heap, little native memory.
const zlib = require('node:zlib');
const { rng } = require('../lib/common');

const KiB = 1024;
const CACHE_ENTRIES = 64;

/** 1 KiB – 256 KiB, log-uniform (as many 1–2 KiB Buffers as 128–256 KiB ones). */
const sizeOf = (random) => Math.round(KiB * 2 ** (random() * 8));

function cacheEntry(cache, key, size) {
  const b = Buffer.alloc(size);
  b.fill(key & 0xff, 0, Math.min(size, 4096));
  cache.set(key, b);
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value);
  return b[0];
}

function scratchBuffer(size, fill) {
  const b = Buffer.allocUnsafe(size);
  b.fill(fill, 0, Math.min(size, 4096));
  return b[0] + b.length;
}

function compressBody(random) {
  const records = 20 + Math.floor(random() * 40);
  const body = [];
  for (let i = 0; i < records; i++) body.push({ id: i, name: `item-${Math.floor(random() * 1e6)}`, price: Math.floor(random() * 1e4) / 100, tags: ['a', 'b', 'c'].slice(0, 1 + (i % 3)) });
  const raw = Buffer.from(JSON.stringify(body));
  const gz = zlib.gzipSync(raw);
  const back = zlib.gunzipSync(gz);
  return back.length + gz.length;
}

function jsonRoundTrip(random) {
  const rows = [];
  for (let i = 0; i < 200; i++) rows.push({ id: i, score: random(), label: `row ${i}`, nested: { a: i, b: [i, i + 1] } });
  const text = JSON.stringify(rows);
  return JSON.parse(text).length + text.length;
}

/** Runs `units` units of work; returns a checksum (the same for every variant). */
function run(units) {
  const random = rng(0x5eed);
  const cache = new Map();
  let checksum = 0;
  let key = 0;
  const steps = Math.round(units * 400);
  for (let i = 0; i < steps; i++) {
    const size = sizeOf(random);
    if (i % 4 === 0) checksum += cacheEntry(cache, key++, size);
    else checksum += scratchBuffer(size, i & 0xff);
    if (i % 10 === 0) checksum += compressBody(random);
    if (i % 10 === 5) checksum += jsonRoundTrip(random);
  }
  cache.clear();
  return checksum >>> 0;
}

module.exports = { run, CACHE_ENTRIES };
