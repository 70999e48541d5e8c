'use strict';
// measure()'s counting pass records every allocation, so an op that allocates
// millions of objects per call takes minutes. It probes first and warns at once
// (ALLOCSCOPE_SLOW_COUNTING_PASS) with an estimate; a cheap op is not warned about.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNodeJson } = require('./helpers');

/** Runs measure() on `op` in a child; the child ends at the warning, so a slow pass is never run to the end. */
function countWith(op, options) {
  return runNodeJson({ code: `
    const { measure } = require(process.env.ALLOCSCOPE_DIST);
    const { threadCpuNs } = require(process.env.ALLOCSCOPE_DIST + '/runtime/thread-clock');
    const t0 = threadCpuNs();
    process.on('warning', (w) => {
      if (w.code !== 'ALLOCSCOPE_SLOW_COUNTING_PASS') return;
      console.log(JSON.stringify({ warned: w.message, cpuMsBeforeWarning: (threadCpuNs() - t0) / 1e6 }));
      process.exit(0);
    });
    measure(${op}, ${JSON.stringify(options)}).then((r) => {
      console.log(JSON.stringify({ warned: null, cpuMs: (threadCpuNs() - t0) / 1e6, opsPerRound: r.counting.opsPerRound }));
    });
  ` });
}

test('an op allocating 300,000 objects per call, 20 rounds: warned before its rounds run, with an estimate near one call\'s cost times the calls', () => {
  const { json } = countWith('() => { const a = new Array(300000); for (let i = 0; i < a.length; i++) a[i] = { i }; return a; }', { time: false, countRounds: 20 });
  assert.ok(json.warned, JSON.stringify(json));
  const m = json.warned.match(/allocates ([\d,]+) objects .* about (\d+) s of CPU \((\d+) rounds of (\d+) calls\)/);
  assert.ok(m, json.warned);
  assert.ok(Number(m[1].replace(/,/g, '')) >= 300000, json.warned);
  assert.equal(Number(m[3]), 21, 'the warm-up round and 20 rounds');
  assert.equal(Number(m[4]), 1, '200,000 allocations per round at most: one call');
  // The estimate is 21 recorded calls; the probe recorded one call plus a round of
  // none, so the estimate is ~21x what was spent before the warning (within 3x either
  // way: the probe's call is also the op's first, unoptimised one).
  const estimateMs = Number(m[2]) * 1000;
  const ratio = estimateMs / (json.cpuMsBeforeWarning * 21);
  assert.ok(ratio > 1 / 3 && ratio < 3, `estimate ${m[2]} s against ${json.cpuMsBeforeWarning.toFixed(0)} ms spent probing (x${ratio.toFixed(2)})`);
});

test('a cheap op (23 objects per call): no warning, and the pass costs what its estimate allows', () => {
  // Was warned with "about 1,000 s": the estimate took a one-call round's fixed cost
  // (starting and collecting the profiler) as the cost of every call.
  const { json } = countWith('() => { const a = []; for (let i = 0; i < 20; i++) a.push({ i }); return a; }', { time: false, countRounds: 1 });
  assert.equal(json.warned, null);
  assert.ok(json.opsPerRound > 5000, `${json.opsPerRound} calls per round`);
  assert.ok(json.cpuMs < 10_000, `the pass took ${json.cpuMs.toFixed(0)} ms of CPU`);
});
