'use strict';
// Where a BufferPool alloc + release spends its time: each piece of its per-op work
// alone, in a fresh process. Prints one JSON line.
//   node breakdown-child.js time  <piece> <ops>   ns/op and GCs by type
//   node breakdown-child.js count <piece> <ops>   JS-heap bytes and objects per op (sampler at 1 byte)
// The pieces mirror lib/pools/buffer-pool.ts (64-byte blocks, one 256 KiB slab).
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const allocscope = require('../../dist');
const { PoolUsage } = require('../../dist/pools/usage');

const [mode, piece, opsArg] = process.argv.slice(2);
const OPS = Number(opsArg);
const ab = new ArrayBuffer(256 * 1024);
const weakMap = new WeakMap();
const registry = new FinalizationRegistry(() => {});
const usage = new PoolUsage(64);
const slab = { inUse: 0 };
const slabs = [slab];
const pool = new allocscope.BufferPool('breakdown');

// The same pool with pieces cut out of its compiled source, to measure what each costs in
// place (not usable pools: without the registry, dropped Buffers leak their blocks; without
// the WeakMap, stale releases go undetected). null when the source no longer matches.
const CUTS = {
  FinalizationRegistry: [['this.#reclaim.register(buffer, { slab, block, generation: slab.generation[block] }, buffer);', ''], ['this.#reclaim.unregister(buffer);', '']],
  WeakMap: [['this.#generationOf.set(buffer, slab.generation[block]);', ''], ['|| this.#generationOf.get(buffer) !== slab.generation[block])', ')']],
  PoolUsage: [['c.usage.acquire(c.hits > 0 && slab.inUse <= c.blocksPerSlab);', ''], ['c.usage.release();', '']],
  filter: [['this.#maybeDropSlab(slab);', ';']],
};
function poolWithout(...names) {
  const file = require.resolve('../../dist/pools/buffer-pool.js');
  let src = fs.readFileSync(file, 'utf8');
  for (const [from, to] of names.flatMap((n) => CUTS[n])) {
    if (src.split(from).length !== 2) return null;
    src = src.replace(from, to);
  }
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(path.dirname(file));
  m._compile(src, file);
  return new m.exports.BufferPool('ablated');
}
const ablated = (...names) => {
  const p = poolWithout(...names);
  return p && function () { const b = p.alloc(64); b[0] = 1; p.release(b); return 1; };
};

const PIECES = {
  // alloc(): `Buffer.from(slab.buffer, offset, size)` — the view handed out.
  view() { const b = Buffer.from(ab, 64, 64); b[0] = 1; return b[0]; },
  // The same view made without Buffer.from's argument checks (what a pool could use).
  uint8array() { const b = new Uint8Array(ab, 64, 64); b[0] = 1; return b[0]; },
  // alloc(): #generationOf.set(buffer, generation); release(): #generationOf.get(buffer).
  'view+WeakMap'() { const b = Buffer.from(ab, 64, 64); weakMap.set(b, 1); return weakMap.get(b); },
  // alloc(): #reclaim.register(buffer, { slab, block, generation }, buffer); release(): #reclaim.unregister(buffer).
  'view+FinalizationRegistry'() { const b = Buffer.from(ab, 64, 64); registry.register(b, { slab, block: 1, generation: 2 }, b); registry.unregister(b); return 1; },
  // alloc(): c.usage.acquire(hit); release(): c.usage.release() (each calls performance.now()).
  'PoolUsage acquire+release'() { usage.acquire(true); usage.release(); return 1; },
  'performance.now() ×2'() { return performance.now() + performance.now(); },
  // release() → #maybeDropSlab() whenever a slab becomes empty: c.slabs.filter(...).
  'slabs.filter()'() { return slabs.filter((s) => s.inUse === 0).length; },
  // Everything together.
  'pool.alloc+release'() { const b = pool.alloc(64); b[0] = 1; pool.release(b); return 1; },
  'pool without FinalizationRegistry': () => ablated('FinalizationRegistry'),
  'pool without WeakMap': () => ablated('WeakMap'),
  'pool without FinalizationRegistry, WeakMap': () => ablated('FinalizationRegistry', 'WeakMap'),
  'pool without all four': () => ablated('FinalizationRegistry', 'WeakMap', 'PoolUsage', 'filter'),
};
const ABLATIONS = new Set(['pool without FinalizationRegistry', 'pool without WeakMap', 'pool without FinalizationRegistry, WeakMap', 'pool without all four']);
if (ABLATIONS.has(piece)) {
  const made = PIECES[piece]();
  if (!made) {
    process.stdout.write(`${JSON.stringify({ mode, piece, ops: OPS, unavailable: 'dist/pools/buffer-pool.js no longer matches the cuts' })}\n`);
    process.exit(0);
  }
  PIECES[piece] = made;
}
const fn = PIECES[piece];
if (!['time', 'count'].includes(mode) || !fn || !(OPS > 0)) {
  console.error(`breakdown-child.js: usage: breakdown-child.js time|count <${Object.keys(PIECES).join('|')}> <ops>`);
  process.exit(2);
}
function loop(n) { let acc = 0; for (let i = 0; i < n; i++) acc += fn(); return acc; }

let checksum = loop(Math.max(20_000, OPS >> 2));
const out = { mode, piece, ops: OPS };
if (mode === 'time') {
  allocscope.gc.start({ bufferSize: 1 << 16 });
  const t0 = process.hrtime.bigint();
  checksum += loop(OPS);
  out.nsPerOp = Number(process.hrtime.bigint() - t0) / OPS;
  const s = allocscope.gc.summary();
  allocscope.gc.stop();
  out.gcsByType = Object.fromEntries(Object.entries(s.byType).map(([k, t]) => [k, t.count]));
  out.gcPauseMs = s.gcTimeMs;
  out.promotedBytesPerOp = s.promotedBytes / OPS;
} else {
  allocscope.heap.start({ intervalBytes: 1, mode: 'allocated', stackDepth: 4, foldIntervalMs: 0 });
  checksum += loop(OPS);
  const totals = allocscope.heap.profile({ sourceMaps: false }).totals();
  allocscope.heap.stop();
  out.jsBytesPerOp = totals.bytes / OPS;
  out.jsObjectsPerOp = totals.objects / OPS;
}
out.checksum = checksum;
process.stdout.write(`${JSON.stringify(out)}\n`);
