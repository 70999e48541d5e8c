'use strict';
// leaks.find() with heap snapshots: each calibrated leak is named with the
// right retainer chain (shortest path from a GC root, through snapshot.analyze)
// and the right constructor growth (objgraph's show_growth).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { runNodeJson, DIST } = require('./helpers');

const FIXTURES = path.join(__dirname, 'fixtures', 'leaks');

function findIn(fixture, { worker = false } = {}) {
  const body = `
    const { leaks } = require(${JSON.stringify(DIST)});
    const m = require(${JSON.stringify(path.join(FIXTURES, fixture))});
    const run = leaks.find(typeof m === "function" ? m : m.scenario, { iterations: 12, warmup: 3, teardown: m.teardown });`;
  const code = worker ? `
    const { Worker } = require('node:worker_threads');
    const w = new Worker(${JSON.stringify(`${body}\nrun.then((r) => require('node:worker_threads').parentPort.postMessage(r));`)}, { eval: true });
    w.on('message', (r) => { console.log(JSON.stringify(r)); w.terminate(); });
    w.on('error', (e) => { console.error(e); process.exit(1); });` : `${body}\nrun.then((r) => console.log(JSON.stringify(r)));`;
  const { json, status, stderr } = runNodeJson({ code });
  assert.equal(status, 0, stderr);
  return json;
}

const chainOf = (r, name) => {
  const x = r.retainers.find((c) => c.constructor === name);
  assert.ok(x, `no chain for ${name}: ${r.retainers.map((c) => c.constructor).join(', ')}`);
  return x;
};
const growthOf = (r, name) => r.constructors.find((c) => c.name === name)?.countDelta;

test('Map cache: Session gained 200 instances per measured iteration, held by cache (Map) in the module\'s context', () => {
  const r = findIn('map-cache.js');
  assert.equal(growthOf(r, 'Session'), 200 * (r.iterations - r.warmup));
  const chain = chainOf(r, 'Session');
  assert.match(chain.text, /^\(GC roots\) → /);
  assert.match(chain.text, /→ cache \(Map\) → .*\(Session\)$/);
  assert.equal(chain.steps.at(-1).node, 'Session');
});

test('listeners: Request held by configBus (EventEmitter) → _events → reload (Array) → onReload closure → context', () => {
  const r = findIn('listeners.js');
  assert.equal(growthOf(r, 'Request'), 40 * (r.iterations - r.warmup));
  assert.match(chainOf(r, 'Request').text, /configBus \(EventEmitter\) → _events \(Object\) → reload \(Array\) → \[\d+\] \(onReload\(\)\) → context \(system \/ Context\) → .*\(Request\)$/);
});

test('setInterval closures: Payload held by a Timeout\'s _onTimeout (poll closure) in Node\'s timer lists', () => {
  const r = findIn('interval-closures.js');
  assert.equal(growthOf(r, 'Payload'), 40 * (r.iterations - r.warmup));
  assert.equal(growthOf(r, 'Timeout'), 40 * (r.iterations - r.warmup));
  assert.match(chainOf(r, 'Payload').text, /\(TimersList\) → .*\(Timeout\) → _onTimeout \(poll\(\)\) → context \(system \/ Context\) → .*\(Payload\)$/);
});

test('a leak inside a worker: the worker\'s own heap, the same chain', () => {
  const r = findIn('map-cache.js', { worker: true });
  assert.notEqual(r.threadId, 0);
  assert.equal(growthOf(r, 'Session'), 200 * (r.iterations - r.warmup));
  assert.match(chainOf(r, 'Session').text, /→ cache \(Map\) → .*\(Session\)$/);
});

test('no leak: churn reports no suspect and no class of its own among the growing constructors', () => {
  const r = findIn('churn.js');
  assert.deepEqual(r.suspects, []);
  // Plain Objects/Arrays may gain a few hundred instances (allocscope's own bookkeeping between the snapshots); no class grows by the 5000 rows per request.
  for (const c of r.constructors) assert.ok(c.countDelta < 5000, `${c.name} +${c.countDelta}`);
  for (const x of r.retainers) assert.ok(['Object', 'Array'].includes(x.constructor), x.constructor);
});
