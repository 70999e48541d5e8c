'use strict';
// profile.top({ attributeTo }): which frame of a stack is its site. 'innermost'
// (V8 heap profiles' default) stops at Node's own JavaScript; 'program' goes on to
// the program's function that called it (what the HTML report's table shows with
// "Node internals" off). Builtins are counted at their JS caller either way.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { DIST } = require('./helpers');
const { Profile } = require(path.join(DIST, 'profile', 'profile'));

const OWN = path.join(DIST, 'agent', 'preload.js'); // one of allocscope's own files
// [name, script]: a script of '' is a builtin.
const FRAMES = [['(root)', ''], ['main', '/srv/app.js'], ['from', 'node:buffer'], ['write', 'node:buffer'], ['fill', ''],
  ['handle', '/srv/app.js'], ['Array.from', ''], ['Module._findPath', 'node:internal/modules/cjs/loader'], ['record', OWN]];
// (root) ─┬─ main ─┬─ from ── write (40) ── fill (4)
//         │        ├─ handle (100) ── Array.from (1)
//         │        └─ record (8)
//         └─ Module._findPath (16)
const NODES = { parent: [-1, 0, 1, 2, 3, 1, 5, 0, 1], frame: [0, 1, 2, 3, 4, 5, 6, 7, 8], selfBytes: [0, 0, 0, 40, 4, 100, 1, 16, 8] };

function profile(source) {
  const strings = [...new Set(FRAMES.flat())];
  return new Profile({
    version: 1, mode: 'allocated', intervalBytes: 1, stackDepth: 64, startTimeMs: 0, endTimeMs: 1, threadIds: [0], strings,
    frames: {
      name: FRAMES.map(([n]) => strings.indexOf(n)), script: FRAMES.map(([, s]) => strings.indexOf(s)),
      line: FRAMES.map((_, f) => f + 1), column: FRAMES.map(() => 1), scriptId: FRAMES.map(([, s]) => (s === '' ? 0 : 7)),
    },
    nodes: { ...NODES, selfCount: NODES.selfBytes.map((b) => b / 4) },
    ...(source ? { source } : {}),
  });
}
const sites = (p, attributeTo) => Object.fromEntries(p.top(Infinity, { by: 'site', ...(attributeTo ? { attributeTo } : {}) }).map((r) => [r.frame.function, r.bytes]));

test('GIVEN a heap profile WHEN sites are the innermost frames (the default) THEN Node\'s and allocscope\'s frames are sites', () => {
  const expected = { handle: 101, write: 44, 'Module._findPath': 16, record: 8 };
  assert.deepEqual(sites(profile()), expected);
  assert.deepEqual(sites(profile(), 'innermost'), expected);
});

test('GIVEN a heap profile WHEN sites are the program\'s frames THEN what Node and allocscope allocated is its caller\'s, and a stack with no program frame keeps Node\'s', () => {
  const bySite = sites(profile(), 'program');
  assert.deepEqual(bySite, { handle: 101, main: 52, 'Module._findPath': 16 });
  const total = Object.values(bySite).reduce((a, b) => a + b, 0);
  assert.equal(total, 169, 'no byte lost or counted twice');
  const byPackage = profile().top(Infinity, { by: 'package', attributeTo: 'program' }).map((r) => [r.label, r.bytes]);
  assert.deepEqual(byPackage, [['(app)', 153], ['(node)', 16]]);
});

test('GIVEN a native profile THEN its default still passes Node\'s JavaScript through, and "innermost" shows it', () => {
  assert.deepEqual(sites(profile('native')), { handle: 101, main: 44, 'Module._findPath': 16, record: 8 });
  assert.deepEqual(sites(profile('native'), 'innermost'), { handle: 101, write: 44, 'Module._findPath': 16, record: 8 });
});

test('a misspelled attributeTo is refused with the values it takes', () => {
  assert.throws(() => profile().top(5, { attributeTo: 'own' }), { code: 'ERR_ALLOCSCOPE_INVALID_OPTION', message: /attributeTo.*"innermost", "program"/ });
});
