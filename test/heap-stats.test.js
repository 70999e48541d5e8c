'use strict';
// GIVEN the addon's heap and space readers, WHEN read at the same moment as
// Node's own v8 module, THEN every figure agrees within 1 %.
const test = require('node:test');
const assert = require('node:assert/strict');
const v8 = require('node:v8');
const { heap, spaces, spaceNames, memory } = require('../dist');
const { native } = require('../dist/core/native');

// floorBytes: what one reading allocates before the other reads (its result
// objects, ~2 KB, land in new space); 1 % of a nearly full new space's few KB available is less.
function within(actual, expected, relative, label, floorBytes = 0) {
  const tolerance = Math.max(Math.abs(expected) * relative, floorBytes);
  assert.ok(Math.abs(actual - expected) <= tolerance, `${label}: ${actual} vs ${expected} (±${(relative * 100).toFixed(1)} %)`);
}

test('heap.stats() agrees with v8.getHeapStatistics() within 1 %', () => {
  // The two readings are two moments. Between them nothing of ours allocates more
  // than their result objects, but the heap can still move by itself: a scavenge, or
  // V8 installing code a background compile job finished (once, in a full Node 24
  // suite run, used_heap_size grew 304 KiB between the two calls). So a pair counts
  // only if a third reading, heap.stats() again, shows that our figures did not move
  // by more than the tolerance meanwhile; a pair that moved is read again, up to 5 times.
  const moved = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    // Warm both paths up so that neither allocates its first-call objects in between.
    heap.stats(); v8.getHeapStatistics();
    const ours = heap.stats();
    const node = v8.getHeapStatistics();
    const after = heap.stats();
    if (Math.abs(after.usedHeapSizeBytes - ours.usedHeapSizeBytes) > ours.usedHeapSizeBytes * 0.01 || after.totalHeapSizeBytes !== ours.totalHeapSizeBytes) {
      moved.push(`used ${ours.usedHeapSizeBytes} → ${after.usedHeapSizeBytes}, total ${ours.totalHeapSizeBytes} → ${after.totalHeapSizeBytes}`);
      continue;
    }
    within(ours.totalHeapSizeBytes, node.total_heap_size, 0.01, 'total_heap_size');
    within(ours.totalHeapSizeExecutableBytes, node.total_heap_size_executable, 0.01, 'total_heap_size_executable');
    within(ours.totalPhysicalSizeBytes, node.total_physical_size, 0.01, 'total_physical_size');
    within(ours.totalAvailableSizeBytes, node.total_available_size, 0.01, 'total_available_size');
    within(ours.usedHeapSizeBytes, node.used_heap_size, 0.01, 'used_heap_size');
    assert.equal(ours.heapSizeLimitBytes, node.heap_size_limit);
    within(ours.mallocedMemoryBytes, node.malloced_memory, 0.01, 'malloced_memory');
    within(ours.externalMemoryBytes, node.external_memory, 0.01, 'external_memory');
    assert.equal(ours.numberOfNativeContexts, node.number_of_native_contexts);
    assert.equal(ours.numberOfDetachedContexts, node.number_of_detached_contexts);
    assert.equal(ours.totalGlobalHandlesSizeBytes, node.total_global_handles_size);
    assert.equal(ours.doesZapGarbage, node.does_zap_garbage !== 0);
    return;
  }
  assert.fail(`the heap moved between the readings 5 times: ${moved.join('; ')}`);
});

test('spaces.stats() agrees with v8.getHeapSpaceStatistics() within 1 %, space by space', () => {
  // A scavenge can fall between the two readings (their own result objects may be
  // what fills new space; it then promotes and grows old space by a page): such a
  // pair is not "the same moment", so a disagreeing pair is read again, up to 5 times.
  let failure;
  for (let attempt = 0; attempt < 5; attempt++) {
    spaces.stats(); v8.getHeapSpaceStatistics();
    const ours = spaces.stats();
    const node = v8.getHeapSpaceStatistics();
    assert.deepEqual(ours.map((s) => s.name), node.map((s) => s.space_name));
    assert.deepEqual([...spaceNames], node.map((s) => s.space_name));
    assert.ok(ours.length >= 8, `V8 11 has at least 8 spaces, got ${ours.length}`);
    try {
      for (const [i, s] of ours.entries()) {
        const n = node[i];
        within(s.committedBytes, n.space_size, 0.01, `${s.name} space_size`);
        within(s.usedBytes, n.space_used_size, 0.01, `${s.name} space_used_size`, 16384);
        within(s.availableBytes, n.space_available_size, 0.01, `${s.name} space_available_size`, 16384);
        within(s.physicalBytes, n.physical_space_size, 0.01, `${s.name} physical_space_size`);
      }
      return;
    } catch (error) {
      failure = error;
    }
  }
  throw failure;
});

test('heap figures move with a known allocation: 20 MB of retained arrays raise old+new used by ≥ 20 MB', () => {
  // A full GC first: otherwise a GC inside the loop frees earlier tests' garbage and hides part of the growth.
  native.isolate.collectGarbage();
  const before = heap.stats().usedHeapSizeBytes;
  const keep = [];
  for (let i = 0; i < 200; i++) keep.push(new Array(12_500).fill(i)); // 200 × 12,500 × 8 B = 20 MB
  const after = heap.stats().usedHeapSizeBytes;
  assert.ok(after - before >= 20e6 * 0.98, `grew ${after - before}`);
  assert.equal(keep.length, 200);
});

test('heap.codeStats() agrees with v8.getHeapCodeStatistics(), field by field', () => {
  // V8 walks the heap for both readings, so they are equal to the byte unless code
  // or bytecode was installed between them (a lazy compile, a background job): a pair
  // counts only if a second reading of ours, after Node's, equals the first; else read again.
  const moved = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    heap.codeStats(); v8.getHeapCodeStatistics(); // first calls compile their own bytecode
    const ours = heap.codeStats();
    const node = v8.getHeapCodeStatistics();
    const after = heap.codeStats();
    if (JSON.stringify(after) !== JSON.stringify(ours)) {
      moved.push(`${JSON.stringify(ours)} → ${JSON.stringify(after)}`);
      continue;
    }
    assert.deepEqual(ours, {
      codeAndMetadataBytes: node.code_and_metadata_size,
      bytecodeAndMetadataBytes: node.bytecode_and_metadata_size,
      externalScriptSourceBytes: node.external_script_source_size,
      cpuProfilerMetadataBytes: node.cpu_profiler_metadata_size,
    });
    // Node's own built-in modules are compiled from external one-byte strings.
    assert.ok(ours.externalScriptSourceBytes > 0 && ours.bytecodeAndMetadataBytes > 0 && ours.codeAndMetadataBytes > 0);
    return;
  }
  assert.fail(`code was installed between the readings 5 times: ${moved.join('; ')}`);
});

test('memory.snapshot() gathers heap, spaces, malloc and process figures', () => {
  const s = memory.snapshot();
  assert.ok(s.heap.usedHeapSizeBytes > 0);
  assert.equal(s.spaces.length, spaceNames.length);
  assert.ok(['glibc', 'jemalloc', 'unknown'].includes(s.malloc.allocator));
  assert.ok(s.process.rss > s.heap.usedHeapSizeBytes);
  assert.ok(Math.abs(s.timestampMs - Date.now()) < 5000);
});
