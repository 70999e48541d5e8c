'use strict';
// The GC tracker's lifecycle, stack matching, ring buffer and summary.
// Each test runs in a fresh child so that tracking state never leaks between tests.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNodeJson } = require('./helpers');

const PRELUDE = `
  const a = require(process.env.ALLOCSCOPE_DIST);
  const { native } = require(process.env.ALLOCSCOPE_DIST + '/core/native');
  const out = (v) => console.log(JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? String(x) : x)));
  const codeOf = (fn) => { try { fn(); return null; } catch (e) { return { code: e.code, name: e.name, message: e.message }; } };
  function churn(n) { let keep = []; for (let i = 0; i < n; i++) { keep.push({ i }); if (keep.length > 20000) keep = []; } return keep.length; }
`;

test('lifecycle: calls before start, start twice, stop twice, restart', () => {
  const { json } = runNodeJson({ nodeArgs: ['--expose-gc'], code: `${PRELUDE}
    const r = {};
    r.eventsBefore = codeOf(() => a.gc.events());
    r.summaryBefore = codeOf(() => a.gc.summary());
    r.stopBefore = a.gc.stop();
    r.runningBefore = a.gc.running;
    a.gc.start();
    r.startTwice = codeOf(() => a.gc.start());
    churn(1e6);
    r.stopFirst = a.gc.stop();
    r.stopSecond = a.gc.stop();
    r.runningAfter = a.gc.running;
    const countAtStop = a.gc.summary().count;
    churn(1e6); // GCs after stop are not recorded
    r.summaryAfterStop = a.gc.summary();
    r.countAtStop = countAtStop;
    r.eventsAfterStop = a.gc.events().length;
    r.eventsAgain = a.gc.events().length; // drained
    // The churn can leave concurrent marking underway, and its finalizing GC then lands
    // on any allocation (summary() allocates): a full GC first, while tracking is
    // stopped, leaves no GC due in the few allocations below.
    globalThis.gc();
    a.gc.start(); // restart: counters and buffer start empty
    r.afterRestart = a.gc.summary().count;
    r.eventsAfterRestart = a.gc.events().length;
    a.gc.stop();
    r.live = native.envState.liveCounters();
    out(r);
  ` });
  assert.equal(json.eventsBefore.code, 'ERR_ALLOCSCOPE_NOT_STARTED');
  assert.equal(json.summaryBefore.code, 'ERR_ALLOCSCOPE_NOT_STARTED');
  assert.match(json.summaryBefore.message, /gc\.summary\(\) needs gc\.start\(\)/);
  assert.equal(json.stopBefore, false, 'stop() before start is a no-op returning false');
  assert.equal(json.runningBefore, false);
  assert.equal(json.startTwice.code, 'ERR_ALLOCSCOPE_ALREADY_STARTED');
  assert.equal(json.stopFirst, true);
  assert.equal(json.stopSecond, false, 'second stop() is a no-op');
  assert.equal(json.runningAfter, false);
  assert.ok(json.countAtStop > 0);
  assert.equal(json.summaryAfterStop.count, json.countAtStop, 'no GC recorded after stop()');
  assert.equal(json.summaryAfterStop.running, false);
  assert.equal(json.eventsAfterStop, json.countAtStop, 'events recorded before stop() stay readable');
  assert.equal(json.eventsAgain, 0);
  assert.equal(json.afterRestart, 0);
  assert.equal(json.eventsAfterRestart, 0);
  assert.deepEqual(json.live, { envStates: 1, gcCallbackPairs: 0 }, 'stop() removed the V8 callbacks');
});

test('nested GC callbacks are matched with a stack; unmatched and over-deep sequences do not corrupt it', () => {
  // The real callback functions, driven with sequences V8 can produce: a weak-callback
  // GC (16) inside a mark-compact (4), an epilogue with no prologue, nesting past 8.
  // A 64 MB new space keeps real scavenges from landing inside the simulated sequence.
  const { json } = runNodeJson({ nodeArgs: ['--min-semi-space-size=64', '--max-semi-space-size=64'], code: `${PRELUDE}
    const P = 0, E = 1, r = {};
    a.gc.start({ bufferSize: 64 });
    a.gc.events();
    native.gc.simulate(P, 4, 4); native.gc.simulate(P, 16, 8);
    r.depthInside = native.gc.simulate(E, 16, 8);
    r.depthAfter = native.gc.simulate(E, 4, 4);
    r.nested = a.gc.events().map((e) => ({ kind: e.kind, type: e.type, depth: e.depth, flags: e.flags, pauseNs: e.pauseNs }));
    r.unmatchedDepth = native.gc.simulate(E, 1, 0); // epilogue without prologue
    for (let i = 0; i < 12; i++) native.gc.simulate(P, 1, 0);
    for (let i = 0; i < 12; i++) native.gc.simulate(E, 1, 0);
    r.deep = a.gc.events().map((e) => e.depth);
    native.gc.simulate(P, 1, 0); r.depthEnd = native.gc.simulate(E, 1, 0);
    r.summary = a.gc.summary();
    r.realAfter = churn(8e6) >= 0 && a.gc.events().filter((e) => e.depth === 0).length;
    r.summaryAfterReal = a.gc.summary();
    out(r);
  ` });
  assert.equal(json.depthInside, 1);
  assert.equal(json.depthAfter, 0);
  // Inner (weak callbacks) completes first, at depth 1; the outer at depth 0.
  assert.deepEqual(json.nested.map((e) => [e.kind, e.type, e.depth]), [[16, 'processWeakCallbacks', 1], [4, 'markSweepCompact', 0]]);
  assert.ok(json.nested[1].pauseNs >= json.nested[0].pauseNs, 'the outer pause contains the inner one');
  assert.equal(json.unmatchedDepth, 0);
  // 12 nested prologues: 8 fit the stack, 4 are counted as overflow; the 8 complete in order.
  assert.deepEqual(json.deep, [7, 6, 5, 4, 3, 2, 1, 0]);
  assert.equal(json.depthEnd, 0, 'the stack is balanced afterwards');
  assert.equal(json.summary.unmatchedCallbacks, 1);
  assert.equal(json.summary.maxNestingDepth, 8);
  assert.equal(json.summary.count, 2 + 8 + 1);
  // Real GCs after all that are still recorded correctly, top-level.
  assert.ok(json.realAfter > 0);
  assert.equal(json.summaryAfterReal.unmatchedCallbacks, 1, 'real GCs add no unmatched callbacks');
});

test('the ring buffer overwrites the oldest records and counts what events() missed', () => {
  const { json } = runNodeJson({ nodeArgs: ['--max-semi-space-size=1'], code: `${PRELUDE}
    a.gc.start({ bufferSize: 16 });
    churn(3e6);
    a.gc.stop(); // freeze: no GC between the summary and the events
    const s = a.gc.summary();
    const ev = a.gc.events();
    out({ count: s.count, dropped: s.droppedEvents, droppedAfter: a.gc.summary().droppedEvents, seqs: ev.map((e) => e.seq) });
  ` });
  assert.ok(json.count > 32, `needs more GCs than the buffer holds, got ${json.count}`);
  assert.equal(json.seqs.length, 16);
  assert.deepEqual(json.seqs, Array.from({ length: 16 }, (_, i) => json.count - 16 + i), 'the newest 16, in order');
  assert.equal(json.dropped, json.count - 16);
  assert.equal(json.droppedAfter, json.count - 16, 'drops stay counted after the read');
});

test('summary: pause percentiles from the histogram match the exact ones from the events within 13 %', () => {
  const { json } = runNodeJson({ nodeArgs: ['--max-semi-space-size=1'], code: `${PRELUDE}
    a.gc.start({ bufferSize: 100000 });
    const t0 = process.hrtime.bigint();
    churn(4e6);
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    a.gc.stop(); // freeze: no GC between the summary and the events
    const ev = a.gc.events();
    out({ s: a.gc.summary(), wallMs, pauses: ev.filter((e) => e.type === 'scavenge').map((e) => e.duration), freed: ev.reduce((x, e) => x + e.freedBytes, 0) });
  ` });
  const { s, pauses } = json;
  const sorted = pauses.slice().sort((x, y) => x - y);
  const exact = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const sc = s.byType.scavenge;
  assert.equal(sc.count, pauses.length);
  for (const [q, got] of [[0.5, sc.p50Ms], [0.9, sc.p90Ms], [0.99, sc.p99Ms]]) {
    const want = exact(q);
    assert.ok(Math.abs(got - want) <= 0.13 * want, `p${q * 100}: ${got} vs exact ${want}`);
  }
  assert.equal(sc.maxMs, sorted[sorted.length - 1]);
  assert.ok(Math.abs(sc.meanMs - sorted.reduce((x, y) => x + y, 0) / sorted.length) < 1e-6);
  assert.ok(s.gcTimeShare > 0 && s.gcTimeShare < 1);
  assert.ok(s.gcTimeMs <= json.wallMs * 1.05 + 5, 'paused time cannot exceed wall time');
  assert.ok(Math.abs(s.freedBytes - json.freed) <= 1, 'freed bytes = sum over events');
  assert.ok(s.promotedBytes > 0 && s.promotionRatio > 0 && s.promotionRatio < 1, `promotion ${s.promotedBytes} ratio ${s.promotionRatio}`);
});

test("gc.on('gc') delivers each event after the GC, never inside it, and stops when the last listener goes", () => {
  const { json } = runNodeJson({ code: `${PRELUDE}
    a.gc.start();
    const seen = [];
    let inLoop = false, deliveredInsideLoop = 0;
    const listener = (e) => {
      if (inLoop) deliveredInsideLoop++;
      // Allocating and calling into V8 here would crash inside a GC callback.
      seen.push({ seq: e.seq, type: e.type, junk: new Array(100).fill(e.seq).length, heap: a.heap.stats().usedHeapSizeBytes > 0 });
    };
    a.gc.on('gc', listener);
    inLoop = true; churn(2e6); inLoop = false;
    setTimeout(() => {
      // A GC can land right here (a scavenge in the timer's own allocations): its event is
      // signalled, and delivered at the loop's next poll. Count, then let one turn pass.
      const count = a.gc.summary().count;
      setImmediate(() => setImmediate(() => {
        const seenOfCount = seen.filter((s) => s.seq < count);
        a.gc.off('gc', listener);
        const afterOff = seen.length;
        churn(1e6);
        setTimeout(() => {
          out({ count, seen: seenOfCount.length, afterOff, after: seen.length, deliveredInsideLoop, seqs: seenOfCount.map((s) => s.seq), allOk: seen.every((s) => s.heap && s.junk === 100) });
        }, 50);
      }));
    }, 50);
  ` });
  assert.ok(json.count > 0);
  assert.equal(json.seen, json.count, 'every GC delivered once');
  assert.deepEqual(json.seqs, Array.from({ length: json.count }, (_, i) => i), 'in order, no duplicates');
  assert.equal(json.deliveredInsideLoop, 0, 'delivery waits for the event loop');
  assert.equal(json.after, json.afterOff, 'no delivery after the last listener is removed');
  assert.ok(json.allOk);
});

test('a throwing gc listener surfaces as an uncaught exception, not a crash; pending events are delivered before exit', () => {
  const r = runNodeJson({ code: `${PRELUDE}
    process.on('uncaughtException', (e) => { out({ caught: e.message }); process.exit(0); });
    a.gc.start();
    a.gc.on('gc', () => { throw new Error('listener boom'); });
    churn(2e6);
  ` });
  assert.equal(r.json.caught, 'listener boom');
  assert.equal(r.status, 0);
});

test('events carry per-space figures that add up to the totals', () => {
  const { json } = runNodeJson({ code: `${PRELUDE}
    a.gc.start();
    churn(1e6);
    out(a.gc.events());
  ` });
  assert.ok(json.length > 0);
  for (const e of json) {
    const spaces = Object.values(e.spaces);
    assert.equal(spaces.reduce((x, s) => x + s.usedBeforeBytes, 0), e.usedBeforeBytes);
    assert.equal(spaces.reduce((x, s) => x + s.committedAfterBytes, 0), e.committedAfterBytes);
    assert.equal(e.freedBytes, e.usedBeforeBytes - e.usedAfterBytes);
    assert.ok(e.pauseNs > 0 && e.duration === e.pauseNs / 1e6);
    assert.equal(typeof e.startNs, 'string'); // BigInt in process; JSON here
  }
  const scavenges = json.filter((e) => e.type === 'scavenge');
  assert.ok(scavenges.length > 0);
  assert.ok(scavenges.every((e) => e.spaces.new_space.usedAfterBytes < e.spaces.new_space.usedBeforeBytes), 'a scavenge empties new space');
});
