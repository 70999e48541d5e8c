'use strict';
// Direct cost of the GC tracker's callbacks, in a fresh process. Prints one JSON line.
//
// native.gc.simulate(0, type, 0) / simulate(1, type, 0) run the tracker's real
// prologue / epilogue callbacks (OnPrologue/OnEpilogue: external memory, all
// spaces' used/committed before and after, ring-buffer record, per-kind counters,
// histogram, promotion) outside a GC. One pair = what one real GC costs us.
// Each pair is two N-API calls; an equally long loop of two near-empty N-API
// calls (gc.setNotify(null): one argument check, returns undefined) is timed in
// alternation and subtracted. The remainder still contains simulate()'s own
// argument conversions (3 numbers in, 1 out), so it is an upper bound.
// Usage: node microbench.js [pairsPerBlock] [blocks]
const { gc } = require('../../dist');
const { native } = require('../../dist/core/native');

const pairsPerBlock = Number(process.argv[2] ?? 200000);
const blocks = Number(process.argv[3] ?? 5);
const SCAVENGE = 1; // v8::kGCTypeScavenge

const spaceCount = native.heapStats.layout().spaceNames.length;
const spaceFields = native.heapStats.layout().spaceFields.length;
const spaceBuffer = new Float64Array(spaceCount * spaceFields);

function simulatedGcs(n) {
  for (let i = 0; i < n; i++) {
    native.gc.simulate(0, SCAVENGE, 0);
    native.gc.simulate(1, SCAVENGE, 0);
  }
}
function emptyCalls(n) {
  for (let i = 0; i < n; i++) {
    native.gc.setNotify(null);
    native.gc.setNotify(null);
  }
}
function spaceReads(n) {
  // One N-API call that reads every space with GetHeapSpaceStatistics, plus one empty call
  // so that the loop has the same shape as the two others.
  for (let i = 0; i < n; i++) {
    native.heapStats.readSpaces(spaceBuffer);
    native.gc.setNotify(null);
  }
}
function timeNsPer(fn, n) {
  const t0 = process.hrtime.bigint();
  fn(n);
  return Number(process.hrtime.bigint() - t0) / n;
}

gc.start();
// Warm up: let every loop reach optimized code.
for (let i = 0; i < 3; i++) {
  simulatedGcs(20000);
  emptyCalls(20000);
  spaceReads(20000);
}
const samples = { simulatedPairNs: [], emptyPairNs: [], spaceReadPairNs: [] };
for (let b = 0; b < blocks; b++) {
  samples.simulatedPairNs.push(timeNsPer(simulatedGcs, pairsPerBlock));
  samples.emptyPairNs.push(timeNsPer(emptyCalls, pairsPerBlock));
  samples.spaceReadPairNs.push(timeNsPer(spaceReads, pairsPerBlock));
}
const summary = gc.summary();
gc.stop();

process.stdout.write(JSON.stringify({
  pairsPerBlock,
  blocks,
  spaceCount,
  simulatedGcs: summary.count,
  samples,
}) + '\n');
