'use strict';
// GIVEN a workload with hundreds of GCs observed by allocscope and by perf_hooks
// in the same process, THEN both see the same GCs: count and kind exactly,
// durations within 10 %.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNodeJson } = require('./helpers');

test('GC records agree with perf_hooks GC entries (count, kind, flags exactly; duration within 10 %)', () => {
  const { json } = runNodeJson({ file: `${__dirname}/fixtures/gc-vs-perf-hooks.js`, nodeArgs: ['--max-semi-space-size=1'] });
  const { perf, ours, summary } = json;
  assert.ok(perf.length >= 200, `workload must cause hundreds of GCs, perf_hooks saw ${perf.length}`);
  assert.equal(ours.length, perf.length, 'same number of GCs');
  assert.deepEqual(ours.map((e) => e.kind), perf.map((e) => e.kind), 'same kinds in the same order');
  assert.deepEqual(ours.map((e) => e.flags), perf.map((e) => e.flags), 'same flags');
  assert.ok(new Set(perf.map((e) => e.kind)).size >= 2, 'more than one GC kind exercised');

  // Both clocks are read in adjacent callbacks of the same GC; on a saturated
  // machine a preemption between them can still shift a single event, so the
  // per-event checks allow 2 % outliers while the totals must agree.
  let outside = 0;
  let startsApart = 0;
  let sumOurs = 0;
  let sumPerf = 0;
  for (let i = 0; i < perf.length; i++) {
    const p = perf[i];
    const o = ours[i];
    sumOurs += o.duration;
    sumPerf += p.duration;
    // Both measure between the same V8 callbacks; allow 10 % or 20 µs (callback order).
    if (Math.abs(o.duration - p.duration) > Math.max(0.1 * p.duration, 0.02)) outside++;
    if (Math.abs(o.startTime - p.startTime) >= 1) startsApart++;
  }
  assert.ok(outside <= perf.length * 0.02, `${outside} of ${perf.length} durations differ by more than 10 %`);
  assert.ok(startsApart <= perf.length * 0.02, `${startsApart} of ${perf.length} GCs start more than 1 ms apart`);
  assert.ok(Math.abs(sumOurs - sumPerf) <= 0.1 * sumPerf, `total pause ${sumOurs} vs ${sumPerf}`);

  // The summary's cumulative counters agree with the events (a GC that began while ours
  // was being stopped is in the summary and left out of the compared lists).
  assert.equal(summary.count, ours.length + json.oursAfterEnd.count);
  assert.equal(summary.droppedEvents, 0);
  assert.equal(summary.unmatchedCallbacks, 0);
  const totalMs = Object.values(summary.byType).reduce((a, t) => a + t.totalMs, 0);
  const allOurs = sumOurs + json.oursAfterEnd.ms;
  assert.ok(Math.abs(totalMs - allOurs) < 1e-6 * Math.max(1, allOurs) + 1e-6);
});
