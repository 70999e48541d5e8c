'use strict';
// The GC-heavy workload shared by every variant: a request-handler-like loop
// that allocates many short-lived objects (→ scavenges) and keeps a bounded,
// slowly recycled retained set (→ promotion, old-space garbage, mark-compacts).
// It yields to the event loop every `chunk` iterations, as a server would, so
// that subscribers that deliver through the event loop (perf_hooks) do their
// work inside the measured time.

/**
 * @param {object} o
 * @param {number} o.iterations   loop iterations (≈ 250 bytes of short-lived objects each)
 * @param {number} o.retainedSlots size of the retained ring: 0 = nothing retained
 *                                (scavenges only, fully deterministic under `--predictable`)
 * @param {number} [o.chunk]      iterations between two yields to the event loop
 * @param {number} [o.forcedGcs]  full GCs forced through `global.gc()` (needs `--expose-gc`),
 *                                spread evenly over the run
 * @returns {Promise<number>} a checksum, so that nothing is optimized away
 */
async function runWorkload({ iterations, retainedSlots, chunk = 20000, forcedGcs = 0 }) {
  const W = 64;
  const window = new Array(W).fill(null); // a few dozen objects live at any time
  const retained = retainedSlots > 0 ? new Array(retainedSlots).fill(null) : null;
  const forceEvery = forcedGcs > 0 ? Math.floor(iterations / (forcedGcs + 1)) : 0;
  let sink = 0;
  for (let i = 0; i < iterations; i++) {
    const o = { id: i, tags: ['a', 'b', i], pos: [i, i + 1.5, i + 2, i, i, i, i, i, i, i, i, i, i, i, i, i] };
    window[i & (W - 1)] = o;
    sink += o.pos.length;
    if (retained !== null && (i & 7) === 0) {
      retained[(i >>> 3) % retainedSlots] = { id: i, data: [i, i, i, i, i, i], name: 'r' + i };
    }
    if (forceEvery > 0 && i > 0 && i % forceEvery === 0) global.gc();
    if (i % chunk === chunk - 1) await new Promise(setImmediate);
  }
  // Two turns of the loop: perf_hooks' native SetImmediate queues the entry, its
  // JS side then dispatches to observers in a setImmediate of its own.
  await new Promise(setImmediate);
  await new Promise(setImmediate);
  return sink + window.length + (retained === null ? 0 : retained.length);
}

module.exports = { runWorkload };
