'use strict';
// allocscope/testing in a real node:test run: limits pass and fail as they should,
// failures are one line with the figure and the top sites; misuse has codes.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { DIST, runNodeJson } = require('./helpers');

test('limitAllocations / limitMemory pass within limits and fail over them, with one-line messages', () => {
  // A node --test of its own: without NODE_TEST_CONTEXT it reports to us, not to our runner.
  const env = { ...process.env, ALLOCSCOPE_DIST: DIST };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', path.join(__dirname, 'fixtures', 'testing', 'limits.test.js')], { env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 1);
  // A test whose TAP line is missing (renamed, not run, reporter changed) is neither pass nor fail.
  const result = (name) => {
    const m = new RegExp(`^(not )?ok \\d+ - ${name}$`, 'm').exec(r.stdout);
    return m === null ? `missing: no TAP line for '${name}' in\n${r.stdout}` : m[1] === undefined ? 'pass' : 'fail';
  };
  assert.equal(result('within the allocation limit'), 'pass');
  assert.equal(result('over the allocation limit'), 'fail');
  assert.equal(result('within the peak limit'), 'pass');
  assert.equal(result('over the retained limit'), 'fail');
  assert.equal(result('file defaults apply'), 'fail');
  const errors = [...r.stdout.matchAll(/^ {2}error: '(.*)'$/gm)].map((m) => m[1]);
  assert.equal(errors.length, 3, r.stdout);
  // 100 objects + the array's backing stores as it grows: the figure, the limit, the sites.
  assert.match(errors[0], /^allocscope: \d+ allocs\/op exceeds the limit of 20 allocs\/op \(\d[\d,]* B\/op, \d+ allocs\/op over 1 call\); top sites: rows \((?:.*\/)?limits\.test\.js:\d+:\d+\)/);
  assert.match(errors[1], /^allocscope: retained memory 7\.\d\d MiB exceeds the limit of 1\.00 MiB .*top sites: .*limits\.test\.js/);
  assert.match(errors[2], /B\/op exceeds the limit of 64 B\/op/);
  // The stack is the test's line, not a wall of frames.
  const stacks = [...r.stdout.matchAll(/^ {2}stack: \|-\n((?: {4}.*\n)+)/gm)].map((m) => m[1].trim().split('\n'));
  assert.equal(stacks.length, 3);
  for (const s of stacks) {
    assert.equal(s.length, 1, s.join('\n'));
    assert.match(s[0], /limits\.test\.js:\d+:\d+/);
  }
});

test('the allocation figure is exact: 100 objects of one shape', () => {
  const { json } = runNodeJson({
    code: `
      const { limitAllocations } = require(process.env.ALLOCSCOPE_DIST + '/testing');
      const out = new Array(100);
      limitAllocations(() => { for (let i = 0; i < 100; i++) out[i] = { i }; }, { allocs: 100, ops: 5 })
        .then((f) => console.log(JSON.stringify(f)), (e) => console.log(JSON.stringify({ error: e.message })));`,
  });
  assert.equal(json.allocsPerOp, 100);
  assert.equal(json.ops, 5);
  assert.ok(json.bytesPerOp > 0);
});

test('limitMemory figures against known sizes: a 16 MB temporary array and an 8 MB retained one', () => {
  const { json } = runNodeJson({
    code: `
      const { limitMemory } = require(process.env.ALLOCSCOPE_DIST + '/testing');
      const kept = [];
      (async () => {
        const temp = await limitMemory(() => new Array(2e6).fill(1).length, { peakBytes: 1e9 });
        const leak = await limitMemory(() => { kept.push(new Array(1e6).fill(1)); }, { peakBytes: 1e9 });
        const none = await limitMemory(() => 1 + 1, { peakBytes: 1e9 });
        console.log(JSON.stringify({ temp, leak, none }));
      })();`,
  });
  const MB = 1e6, KiB = 1024;
  // 2e6 elements × 8 bytes: the peak sees it, the retained figure does not (V8's figures move by
  // up to ~256 KiB on their own: the documented resolution).
  assert.ok(Math.abs(json.temp.peakBytes - 16 * MB) < 256 * KiB, `temp peak ${json.temp.peakBytes}`);
  assert.ok(json.temp.retainedBytes < 256 * KiB, `temp retained ${json.temp.retainedBytes}`);
  assert.ok(Math.abs(json.leak.retainedBytes - 8 * MB) < 256 * KiB, `leak retained ${json.leak.retainedBytes}`);
  assert.ok(json.none.peakBytes < 256 * KiB && json.none.retainedBytes < 256 * KiB, JSON.stringify(json.none));
  assert.match(json.temp.topSites[0].label, /\[eval\]/);
});

test('misuse: clear errors with codes', () => {
  const { json } = runNodeJson({
    code: `
      const t = require(process.env.ALLOCSCOPE_DIST + '/testing');
      const out = {};
      const grab = async (name, f) => { try { await f(); out[name] = 'ok'; } catch (e) { out[name] = e.code; } };
      (async () => {
        await grab('noFunction', () => t.limitAllocations(undefined, { bytes: 1 }));
        await grab('noLimit', () => t.limitAllocations(() => {}, {}));
        await grab('negative', () => t.limitAllocations(() => {}, { bytes: -1 }));
        await grab('unknown', () => t.limitAllocations(() => {}, { byte: 10 }));
        await grab('memoryOption', () => t.limitAllocations(() => {}, { peakBytes: 10 }));
        await grab('notObject', () => t.limitMemory(() => {}, 5));
        await grab('memNoLimit', () => t.limitMemory(() => {}));
        await grab('badDefaults', () => t.setDefaults({ ops: 0 }));
        await grab('throws', () => t.limitAllocations(() => { throw Object.assign(new Error('x'), { code: 'MINE' }); }, { bytes: 1 }));
        console.log(JSON.stringify(out));
      })();`,
  });
  assert.deepEqual(json, {
    noFunction: 'ERR_ALLOCSCOPE_INVALID_ARGUMENT', noLimit: 'ERR_ALLOCSCOPE_INVALID_OPTION', negative: 'ERR_ALLOCSCOPE_INVALID_OPTION',
    unknown: 'ERR_ALLOCSCOPE_UNKNOWN_OPTION', memoryOption: 'ERR_ALLOCSCOPE_UNKNOWN_OPTION', notObject: 'ERR_ALLOCSCOPE_INVALID_ARGUMENT',
    memNoLimit: 'ERR_ALLOCSCOPE_INVALID_OPTION', badDefaults: 'ERR_ALLOCSCOPE_INVALID_OPTION', throws: 'MINE',
  });
});
