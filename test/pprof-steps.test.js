'use strict';
// The pprof encoder works in steps (continuous mode yields to the event loop
// between them) and writes locations and functions as several partial Profile
// messages: the decoded profile must be the one described, whatever the slicing.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { Profile: PprofProfile } = require('pprof-format');
const { DIST } = require('./helpers');

const { encodePprof, pprofEncodingSteps } = require(path.join(DIST, 'reporters', 'pprof.js'));

// GIVEN a call tree of 3,000 distinct functions (more than one slice of locations
// and functions) under 4 roots, each leaf allocating a known amount.
function bigProfile(functions) {
  const strings = ['', '/srv/app.js'];
  const frames = { name: [], script: [], line: [], column: [], scriptId: [] };
  for (let f = 0; f < functions; f++) {
    strings.push(`fn${f}`);
    frames.name.push(strings.length - 1); frames.script.push(1); frames.line.push(f + 1); frames.column.push(1); frames.scriptId.push(7);
  }
  const nodes = { parent: [-1], frame: [0], selfBytes: [0], selfCount: [0] };
  const expected = new Map(); // leaf function name + stack depth → { bytes, objects }
  for (let f = 0; f < functions; f++) {
    const root = f % 4; // nodes 1..4 are the roots fn0..fn3
    if (f < 4) { nodes.parent.push(0); nodes.frame.push(f); nodes.selfBytes.push(0); nodes.selfCount.push(0); continue; }
    nodes.parent.push(1 + root); nodes.frame.push(f);
    nodes.selfBytes.push(1000 + f); nodes.selfCount.push(1 + (f % 5));
    expected.set(`fn${f}<fn${root}`, { bytes: 1000 + f, objects: 1 + (f % 5) });
  }
  return { data: { version: 1, mode: 'allocated', intervalBytes: 1024, stackDepth: 64, startTimeMs: 1000, endTimeMs: 61000, threadIds: [0], strings, frames, nodes }, expected };
}

const META = { argv: ['/srv/app.js'], node: 'v20', pid: 1, startTimeMs: 1000, endTimeMs: 61000, comments: ['labels service=x'] };

test('pprof encoded in steps: many steps, and the decoded profile has every stack, value, function and string once', () => {
  const { data, expected } = bigProfile(3000);
  const steps = pprofEncodingSteps(data, META);
  let pauses = 0;
  let step;
  while (!(step = steps.next()).done) pauses++;
  // 3,000 nodes at 256 per step, 3,000 locations and functions at 1,024 per step, and the header.
  assert.ok(pauses >= 11 + 3 + 3, `${pauses} pauses`);
  const bytes = step.value;
  assert.deepEqual(Buffer.from(encodePprof(data, META)), Buffer.from(bytes), 'the one-call encoder writes the same bytes');

  const p = PprofProfile.decode(bytes);
  const s = (i) => p.stringTable.strings[Number(i)];
  assert.equal(s(0), '');
  assert.equal(p.stringTable.strings.filter((x) => x === '').length, 1, "'' appears once in the string table");
  assert.deepEqual(p.sampleType.map((t) => [s(t.type), s(t.unit)]), [['alloc_objects', 'count'], ['alloc_space', 'bytes']]);
  assert.equal(Number(p.period), 1024);
  assert.equal(Number(p.timeNanos), 1000 * 1e6);
  assert.equal(Number(p.durationNanos), 60000 * 1e6);
  assert.equal(p.location.length, 3000);
  assert.equal(p.function.length, 3000);
  const locations = new Map(p.location.map((l) => [Number(l.id), l]));
  const functions = new Map(p.function.map((f) => [Number(f.id), f]));
  const nameOf = (locationId) => s(functions.get(Number(locations.get(Number(locationId)).line[0].functionId)).name);
  const got = new Map(p.sample.map((x) => [x.locationId.map(nameOf).join('<'), { bytes: Number(x.value[1]), objects: Number(x.value[0]) }]));
  assert.equal(got.size, expected.size);
  for (const [stack, v] of expected) assert.deepEqual(got.get(stack), v, stack);
});
