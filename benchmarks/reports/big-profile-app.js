'use strict';
// A program whose allocation profile has tens of thousands of call-tree nodes:
// 400 generated functions called along pseudo-random chains of depth 6–10,
// each allocating. Run under `allocscope run --interval 256`.
const FUNCTIONS = 400;
const CHAINS = Number(process.argv[2] ?? 30000);
const sink = new Array(256);
const fns = [];
for (let i = 0; i < FUNCTIONS; i++) {
  // Distinct names and bodies, so V8 reports 400 functions.
  fns.push(new Function('sink', 'next', 'depth', 'seed', `
    return function fn_${i}(depth, seed) {
      sink[seed & 255] = { f: ${i}, depth, seed, s: 'v' + seed };
      if (depth > 0) return next((seed * 1103515245 + 12345) >>> 0)(depth - 1, (seed * 69069 + 1) >>> 0);
      return 0;
    };`)(sink, (seed) => fns[seed % FUNCTIONS]));
}
let seed = 42;
for (let c = 0; c < CHAINS; c++) {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  fns[seed % FUNCTIONS](6 + (seed % 5), seed);
}
console.log(`ran ${CHAINS} chains`);
