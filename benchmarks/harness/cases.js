'use strict';
// The operations measured by every harness: each ≥ ~100 ns so that per-call harness
// costs (a timer read per call in tinybench) stay small next to the work.
const doc = JSON.stringify({ id: 7, name: 'allocscope', tags: ['memory', 'profiler', 'node'], nested: { a: [1, 2, 3], b: 'x'.repeat(40) } });
const fields = Array.from({ length: 20 }, (_, i) => `field${i}`);
const numbers = Array.from({ length: 256 }, (_, i) => (i * 7919) % 1000);
let sink;

module.exports = {
  'json-parse': () => { sink = JSON.parse(doc); },
  'objects-100': () => { const out = new Array(100); for (let i = 0; i < 100; i++) out[i] = { i, twice: i * 2 }; sink = out; },
  'csv-join': () => { sink = fields.join(','); },
  'sort-256': () => { sink = numbers.slice().sort((a, b) => a - b); },
  'map-100': () => { const m = new Map(); for (let i = 0; i < 100; i++) m.set(i, i); sink = m; },
  'async-await': async () => { await null; sink = { done: true }; },
};
