'use strict';
// GIVEN a child that allocates 64 MiB of Buffers (malloc'd backing stores),
// THEN the C allocator figures of the allocator in use grow by about that much:
// glibc's mallinfo2 by default, jemalloc's mallctl under LD_PRELOAD.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { runNodeJson } = require('./helpers');

const JEMALLOC = ['/usr/lib/x86_64-linux-gnu/libjemalloc.so.2', '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2', '/usr/lib/libjemalloc.so.2']
  .find((p) => fs.existsSync(p));

const WORKLOAD = `
  const a = require(process.env.ALLOCSCOPE_DIST);
  const before = a.malloc.stats();
  const keep = [];
  // 64 × 1 MiB (mmapped by glibc) + 65,536 × 1 KiB (from the arenas) = 128 MiB, touched.
  for (let i = 0; i < 64; i++) keep.push(Buffer.alloc(1 << 20, 1));
  for (let i = 0; i < 65536; i++) keep.push(Buffer.allocUnsafeSlow(1024).fill(2));
  const after = a.malloc.stats();
  const cached = a.malloc.stats({ maxAgeMs: 60000 });
  const frag = a.fragmentation();
  console.log(JSON.stringify({ before, after, sameObject: cached === after, frag, kept: keep.length }));
`;

test('glibc figures (mallinfo2) grow with 128 MiB of Buffers', () => {
  const { json } = runNodeJson({ code: WORKLOAD, env: { LD_PRELOAD: '' } });
  const { before, after, frag } = json;
  assert.equal(after.allocator, 'glibc');
  assert.equal(after.jemalloc, null);
  const grew = (after.glibc.inUseBytes + after.glibc.mmappedBytes) - (before.glibc.inUseBytes + before.glibc.mmappedBytes);
  assert.ok(grew >= 128 * 2 ** 20 * 0.97 && grew <= 128 * 2 ** 20 * 1.25, `in-use + mmapped grew ${grew}`);
  assert.ok(after.glibc.mmappedBytes - before.glibc.mmappedBytes >= 64 * 2 ** 20, 'the 1 MiB buffers are mmapped chunks');
  assert.ok(after.glibc.arenaBytes >= after.glibc.inUseBytes);
  assert.equal(json.sameObject, true, 'maxAgeMs returns the cached reading');
  // Fragmentation report follows its documented formulas.
  assert.ok(Math.abs(frag.glibc.fragmentation - frag.glibc.freeBytes / frag.glibc.arenaBytes) < 1e-12);
  assert.equal(frag.jemalloc, null);
  assert.equal(frag.process.mallocFootprintBytes, frag.glibc.arenaBytes + frag.glibc.mmappedBytes);
  assert.equal(frag.process.accountedBytes, frag.process.v8PhysicalBytes + frag.process.mallocFootprintBytes);
  assert.equal(frag.process.unattributedBytes, frag.process.rssBytes - frag.process.accountedBytes);
  // 128 MiB touched: RSS covers the allocator's footprint.
  assert.ok(frag.process.rssBytes >= 128 * 2 ** 20);
});

test('jemalloc figures (mallctl) appear under LD_PRELOAD of libjemalloc and grow with 128 MiB of Buffers', () => {
  assert.ok(JEMALLOC, 'libjemalloc2 must be installed (.ci/run installs it)');
  const { json } = runNodeJson({ code: WORKLOAD, env: { LD_PRELOAD: JEMALLOC } });
  const { before, after, frag } = json;
  assert.equal(after.allocator, 'jemalloc');
  assert.equal(after.glibc, null, "glibc's idle arenas are not reported under jemalloc");
  const grew = after.jemalloc.allocatedBytes - before.jemalloc.allocatedBytes;
  assert.ok(grew >= 128 * 2 ** 20 * 0.97 && grew <= 128 * 2 ** 20 * 1.25, `allocated grew ${grew}`);
  for (const key of ['activeBytes', 'residentBytes', 'mappedBytes', 'retainedBytes', 'metadataBytes']) {
    assert.equal(typeof after.jemalloc[key], 'number', key);
  }
  assert.ok(after.jemalloc.activeBytes >= after.jemalloc.allocatedBytes);
  assert.ok(after.jemalloc.mappedBytes >= after.jemalloc.activeBytes);
  const j = frag.jemalloc;
  assert.ok(Math.abs(j.fragmentation - (j.activeBytes - j.allocatedBytes) / j.activeBytes) < 1e-12);
  assert.ok(Math.abs(j.residentToActive - j.residentBytes / j.activeBytes) < 1e-12);
  assert.equal(frag.process.mallocFootprintBytes, j.residentBytes);
});

test('fragmentation(): V8 space figures follow 1 − used/committed and sum to the total', () => {
  const { fragmentation, spaces } = require('../dist');
  const f = fragmentation();
  const names = spaces.stats().map((s) => s.name);
  assert.deepEqual(f.v8.spaces.map((s) => s.name), names);
  for (const s of f.v8.spaces) {
    const want = s.committedBytes > 0 ? Math.max(0, 1 - s.usedBytes / s.committedBytes) : 0;
    assert.ok(Math.abs(s.fragmentation - want) < 1e-12, s.name);
    assert.ok(s.fragmentation >= 0 && s.fragmentation <= 1);
  }
  const sum = (k) => f.v8.spaces.reduce((a, s) => a + s[k], 0);
  assert.equal(f.v8.total.committedBytes, sum('committedBytes'));
  assert.equal(f.v8.total.usedBytes, sum('usedBytes'));
  assert.ok(Math.abs(f.v8.total.fragmentation - (1 - sum('usedBytes') / sum('committedBytes'))) < 1e-12);
});
