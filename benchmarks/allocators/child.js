'use strict';
// One (variant, size, pattern) measurement in a fresh process. Prints one JSON line.
//   node child.js time  <variant> <size> <pattern> <ops>   wall time, GCs, heap and external deltas, RSS
//   node child.js count <variant> <size> <pattern> <ops>   exact JS-heap bytes per op (sampler at 1 byte)
//                                                            and ArrayBuffer bytes created per op
// variant: alloc | allocUnsafe | allocUnsafeSlow | pool-fast | pool-safe
// pattern: single (allocate, write, release) | ring (64 Buffers held, the replaced one released)
// The count mode is meant to run with --no-concurrent-array-buffer-sweeping, so that a GC's
// external before/after figures include the backing stores it frees.
const v8 = require('node:v8');
const allocscope = require('../../dist');
const { native } = require('../../dist/core/native');

const [mode, variant, sizeArg, pattern, opsArg] = process.argv.slice(2);
const SIZE = Number(sizeArg);
const OPS = Number(opsArg);
const RING = 64;
const VARIANTS = ['alloc', 'allocUnsafe', 'allocUnsafeSlow', 'pool-fast', 'pool-safe'];
if (!['time', 'count'].includes(mode) || !VARIANTS.includes(variant) || !(SIZE > 0) || !['single', 'ring'].includes(pattern) || !(OPS > 0)) {
  console.error(`child.js: usage: child.js time|count <${VARIANTS.join('|')}> <size> single|ring <ops>`);
  process.exit(2);
}

const pool = variant.startsWith('pool-') ? new allocscope.BufferPool('bench', { mode: variant.slice(5) }) : null;

// One loop per (variant, pattern), written out so that each is monomorphic and the
// allocation call is inlined exactly as user code would have it. Each op writes three
// bytes and reads one back into the checksum, so nothing is optimised away.
const S = SIZE, MID = SIZE >> 1, LAST = SIZE - 1;
const ring = new Array(RING).fill(null);
let slot = 0;

const loops = {
  single: {
    alloc(n) { let acc = 0; for (let i = 0; i < n; i++) { const b = Buffer.alloc(S); b[0] = i; b[MID] = 1; b[LAST] = 2; acc += b[0]; } return acc; },
    allocUnsafe(n) { let acc = 0; for (let i = 0; i < n; i++) { const b = Buffer.allocUnsafe(S); b[0] = i; b[MID] = 1; b[LAST] = 2; acc += b[0]; } return acc; },
    allocUnsafeSlow(n) { let acc = 0; for (let i = 0; i < n; i++) { const b = Buffer.allocUnsafeSlow(S); b[0] = i; b[MID] = 1; b[LAST] = 2; acc += b[0]; } return acc; },
    pool(n) { let acc = 0; for (let i = 0; i < n; i++) { const b = pool.alloc(S); b[0] = i; b[MID] = 1; b[LAST] = 2; acc += b[0]; pool.release(b); } return acc; },
  },
  ring: {
    alloc(n) { let acc = 0; for (let i = 0; i < n; i++) { const b = Buffer.alloc(S); b[0] = i; b[MID] = 1; b[LAST] = 2; acc += b[0]; ring[slot] = b; slot = (slot + 1) & (RING - 1); } return acc; },
    allocUnsafe(n) { let acc = 0; for (let i = 0; i < n; i++) { const b = Buffer.allocUnsafe(S); b[0] = i; b[MID] = 1; b[LAST] = 2; acc += b[0]; ring[slot] = b; slot = (slot + 1) & (RING - 1); } return acc; },
    allocUnsafeSlow(n) { let acc = 0; for (let i = 0; i < n; i++) { const b = Buffer.allocUnsafeSlow(S); b[0] = i; b[MID] = 1; b[LAST] = 2; acc += b[0]; ring[slot] = b; slot = (slot + 1) & (RING - 1); } return acc; },
    pool(n) {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const old = ring[slot];
        if (old !== null) pool.release(old);
        const b = pool.alloc(S); b[0] = i; b[MID] = 1; b[LAST] = 2; acc += b[0];
        ring[slot] = b; slot = (slot + 1) & (RING - 1);
      }
      return acc;
    },
  },
};
const loop = loops[pattern][pool ? 'pool' : variant];

const heapUsed = () => v8.getHeapStatistics().used_heap_size;
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

function poolFigures() {
  if (!pool) return null;
  const s = pool.stats();
  const c = s.classes.find((k) => k.allocs > 0) ?? null;
  return {
    slabBytesTotal: s.slabBytesTotal, inUse: s.inUse, hitRate: s.hitRate,
    classBytes: c?.blockBytes ?? null, slabs: c?.slabs ?? null, misses: c?.misses ?? null, gcReclaimed: c?.gcReclaimed ?? null,
  };
}

async function time() {
  // Warm-up: a quarter of the measured ops (at least 20,000), so that the loop is
  // optimised, the pool's slabs exist and the young generation has reached its size.
  let checksum = loop(Math.max(20_000, OPS >> 2));
  await settle();
  allocscope.gc.start({ bufferSize: 1 << 16 });
  const mem0 = process.memoryUsage();
  const heap0 = heapUsed();
  const t0 = process.hrtime.bigint();
  checksum += loop(OPS);
  const t1 = process.hrtime.bigint();
  const heap1 = heapUsed();
  const mem1 = process.memoryUsage();
  const rssAfter = process.memoryUsage.rss();
  const events = allocscope.gc.events();
  const summary = allocscope.gc.summary();
  allocscope.gc.stop();
  const top = events.filter((e) => e.depth === 0);
  const byType = Object.fromEntries(Object.entries(summary.byType).map(([k, t]) => [k, t.count]));
  const heapFreed = top.reduce((a, e) => a + e.freedBytes, 0);
  const externalFreed = top.reduce((a, e) => a + (e.externalBeforeBytes - e.externalAfterBytes), 0);
  return {
    mode, variant, size: SIZE, pattern, ops: OPS, checksum,
    nsPerOp: Number(t1 - t0) / OPS,
    gcs: summary.count, gcsByType: byType, droppedEvents: summary.droppedEvents,
    gcPauseMs: summary.gcTimeMs,
    promotedBytesPerOp: summary.promotedBytes / OPS,
    // Bytes allocated in the JS heap ≈ growth of used heap + what the GCs freed (approximate:
    // promotion and concurrent sweeping move bytes between the two terms).
    heapBytesPerOpEstimate: (heap1 - heap0 + heapFreed) / OPS,
    // The same for V8's external memory (ArrayBuffer backing stores): a lower bound with
    // concurrent array-buffer sweeping, which frees some stores outside the GC pauses.
    externalBytesPerOpEstimate: (mem1.external - mem0.external + externalFreed) / OPS,
    arrayBuffersBefore: mem0.arrayBuffers, arrayBuffersAfter: mem1.arrayBuffers,
    externalBefore: mem0.external, externalAfter: mem1.external,
    heapUsedAfter: heap1, heapTotalAfter: mem1.heapTotal,
    rssAfter,
    // Committed bytes of the heap spaces after the run (the young generation grows when objects survive scavenges).
    spacesMiB: Object.fromEntries(v8.getHeapSpaceStatistics().filter((sp) => sp.space_size > 0).map((sp) => [sp.space_name, sp.space_size / 2 ** 20])),
    pool: poolFigures(),
  };
}

async function count() {
  loop(Math.max(20_000, OPS >> 2)); // same warm-up as the timed run
  // Start from a collected heap with no array-buffer sweeping pending.
  native.isolate.collectGarbage();
  await settle();
  allocscope.gc.start({ bufferSize: 1 << 16 });
  allocscope.heap.start({ intervalBytes: 1, mode: 'allocated', stackDepth: 4, foldIntervalMs: 0 });
  const mem0 = process.memoryUsage();
  const checksum = loop(OPS);
  const mem1 = process.memoryUsage();
  const profile = allocscope.heap.profile({ sourceMaps: false });
  allocscope.heap.stop();
  const events = allocscope.gc.events();
  allocscope.gc.stop();
  const top = events.filter((e) => e.depth === 0);
  const externalFreed = top.reduce((a, e) => a + (e.externalBeforeBytes - e.externalAfterBytes), 0);
  const totals = profile.totals();
  const sites = profile.top(6, { by: 'function' }).map((r) => ({ fn: r.label, bytesPerOp: r.bytes / OPS, objectsPerOp: r.objects / OPS }));
  return {
    mode, variant, size: SIZE, pattern, ops: OPS, checksum,
    jsBytesPerOp: totals.bytes / OPS,
    jsObjectsPerOp: totals.objects / OPS,
    // ArrayBuffer backing stores created: growth of V8's external memory plus what GCs freed
    // (exact without concurrent array-buffer sweeping, which would free some outside the pauses).
    externalBytesPerOp: (mem1.external - mem0.external + externalFreed) / OPS,
    gcs: top.length,
    sites,
    pool: poolFigures(),
  };
}

(mode === 'time' ? time() : count()).then((out) => process.stdout.write(`${JSON.stringify(out)}\n`), (error) => {
  console.error(error);
  process.exit(1);
});
