'use strict';
// The flame graph's tree transforms (lib/reporters/html/client, compiled into
// dist/): frames the program does not own collapsed, focus on a function, merge by
// function, and the three composed as the page does, on a hand-built profile
// whose bytes are known, so that every byte can be accounted for.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { DIST } = require('./helpers');

const client = (name) => require(path.join(DIST, 'reporters', 'html', 'client', `${name}.js`));
const { collapseInternals, hiddenRunLabel } = client('collapse-internals');
const { focusOn } = client('focus');
const { mergeByFunction } = client('merge-functions');
const { functionIds, functionKey } = client('function-ids');
const { flameView } = client('flame-view');
const { readHash, hashOf } = client('hash-state');

// Frames (kind: 0 app, 1 node, 3 builtin; internal: Node's or allocscope's):
const FRAMES = [
  ['(root)', '', 3, 0], //                                     0
  ['(anonymous)', 'node:internal/main/run_main_module', 1, 1], // 1
  ['Module._load', 'node:internal/modules/cjs/loader', 1, 1], //  2
  ['Module._compile', 'node:internal/modules/cjs/loader', 1, 1], // 3
  ['main', 'app.js', 0, 0], //                                  4
  ['handle', 'app.js', 0, 0], //                                5
  ['from', 'node:buffer', 1, 1], //                             6
  ['write', 'node:buffer', 1, 1], //                            7
  ['Array.from', '', 3, 0], //                                  8 a builtin the program calls
  ['walk', 'app.js', 0, 0], //                                  9
  ['fill', '', 3, 0], //                                       10 a builtin Node's code calls
  ['Module._load', 'node:internal/modules/cjs/loader', 1, 1], // 11 the same function as 2 (another frame of it)
  ['Reflect.apply', '', 3, 0], //                              12 a builtin between two of Node's frames
];
const strings = [];
const str = (s) => { let k = strings.indexOf(s); if (k < 0) { k = strings.length; strings.push(s); } return k; };
const frames = { name: [], file: [], line: [], column: [], kind: [], internal: [] };
FRAMES.forEach(([name, file, kind, internal], f) => {
  frames.name.push(str(name)); frames.file.push(str(file)); frames.kind.push(kind); frames.internal.push(internal);
  frames.line.push(f === 11 ? 1003 : f === 2 ? 1003 : f * 10); frames.column.push(f === 11 || f === 2 ? 24 : 1);
});

// The call tree (240 bytes in all):
//  0 (root)
//  1  run_main                        12  run_main
//  2   Module._load                   13   Reflect.apply
//  3    Module._compile               14    Module._load (frame 11)
//  4     main (5)                     15     main (50)
//  5      handle (100)                16      Array.from (1)
//  6       from
//  7        write (40)
//  17        fill (4)
//  8       walk (10)
//  9        walk (20)
//  10        handle (7)
//  11         walk (3)
const TREE = {
  parent: [-1, 0, 1, 2, 3, 4, 5, 6, 5, 8, 9, 10, 0, 12, 13, 14, 15, 7],
  frame: [0, 1, 2, 3, 4, 5, 6, 7, 9, 9, 5, 9, 1, 12, 11, 4, 8, 10],
  selfBytes: [0, 0, 0, 0, 5, 100, 0, 40, 10, 20, 7, 3, 0, 0, 0, 50, 1, 4],
  selfObjects: [0, 0, 0, 0, 1, 10, 0, 4, 1, 2, 1, 1, 0, 0, 0, 5, 1, 1],
};
const TOTAL = 240;
const PROFILE = { mode: 'allocated', intervalBytes: 1, totalBytes: TOTAL, totalObjects: 31, prunedNodes: 0, strings, frames, nodes: TREE };
const NAMES = FRAMES.map(([name]) => name);

/** The tree as "name self" lines indented by depth, children in node order; markers as "[marker k]". */
function outline(tree, frameCount = FRAMES.length) {
  const lines = [];
  const walk = (node, depth) => {
    const f = tree.frame[node];
    const name = f >= frameCount ? `[marker ${f - frameCount}]` : NAMES[f];
    lines.push(`${'  '.repeat(depth)}${name} ${tree.selfBytes[node]}`);
    for (let k = 0; k < tree.parent.length; k++) if (tree.parent[k] === node) walk(k, depth + 1);
  };
  walk(0, 0);
  return lines;
}
const sum = (column) => column.reduce((a, b) => a + b, 0);
const parentsFirst = (tree) => tree.parent.every((p, i) => (i === 0 ? p === -1 : p >= 0 && p < i));

test('GIVEN a tree under the module loader WHEN Node\'s frames are collapsed THEN each run is one marker, equal paths merge and the bytes add up', () => {
  const { tree, markers } = collapseInternals(TREE, frames, FRAMES.length);
  assert.ok(parentsFirst(tree));
  assert.deepEqual(outline(tree), [
    '(root) 0',
    '  [marker 0] 0',
    '    main 55', // 5 + 50: the two module-loading paths are one marker (Reflect.apply inside one), and main below them one node
    '      handle 100',
    '        [marker 1] 40', // from → write
    '          fill 4', // the builtin the run ends with stays
    '        walk 10',
    '          walk 20',
    '            handle 7',
    '              walk 3',
    '      Array.from 1', // a builtin the program calls stays
  ]);
  assert.equal(sum(tree.selfBytes), TOTAL);
  assert.equal(sum(tree.selfObjects), sum(TREE.selfObjects));
  assert.deepEqual(markers, [
    { frames: [1, 2, 3, 12, 11], fewest: 3, most: 3 },
    { frames: [6, 7], fewest: 2, most: 2 },
  ]);
  const owner = (f) => (frames.internal[f] ? 'Node' : null);
  assert.equal(hiddenRunLabel(markers[0], owner), '… 3 Node frames');
  assert.equal(hiddenRunLabel({ frames: [1, 2, 3], fewest: 2, most: 3 }, owner), '… 2–3 Node frames');
  assert.equal(hiddenRunLabel({ frames: [1], fewest: 1, most: 1 }, owner), '… 1 Node frame');
  assert.equal(hiddenRunLabel({ frames: [1, 4], fewest: 2, most: 2 }, (f) => (f === 1 ? 'Node' : 'allocscope')), '… 2 Node and allocscope frames');
});

test('GIVEN no frame is Node\'s WHEN collapsing THEN no marker is made and only identical paths merge', () => {
  const none = { ...frames, internal: frames.internal.map(() => 0) };
  const { tree, markers } = collapseInternals(TREE, none, FRAMES.length);
  assert.deepEqual(markers, []);
  assert.equal(sum(tree.selfBytes), TOTAL);
  // The two run_main children of the root are one path: one node; the rest stays.
  assert.equal(tree.parent.length, TREE.parent.length - 1);
  assert.deepEqual(outline(tree).slice(0, 4), ['(root) 0', '  (anonymous) 0', '    Module._load 0', '      Module._compile 0']);
  assert.ok(outline(tree).includes('    Module._load 0') && outline(tree).filter((l) => l.trim() === 'Module._load 0').length === 2,
    'two frames of Module._load are two nodes: collapsing merges paths, not functions');
});

test('functions: frames with the same name and location are one function, whatever their frame', () => {
  const ids = functionIds(frames, strings);
  assert.equal(ids[11], 2, 'the second Module._load frame is the first one\'s function');
  assert.equal(ids[5], 5);
  assert.equal(functionKey(frames, strings, 5), 'handle@app.js:50:1');
});

test('GIVEN a function called on several paths WHEN focusing on it THEN the root has the bytes of every stack through it, each once', () => {
  const ids = functionIds(frames, strings);
  const handle = focusOn(TREE, ids, 5);
  assert.ok(parentsFirst(handle));
  // Stacks through handle: 100 + 40 + 4 + 10 + 20 + 7 + 3; the recursive call (7) stays inside it, not beside it.
  assert.equal(sum(handle.selfBytes), 184);
  assert.deepEqual(outline(handle), [
    'handle 100',
    '  from 0',
    '    write 40',
    '      fill 4',
    '  walk 10',
    '    walk 20',
    '      handle 7',
    '        walk 3',
  ]);
  const walk = focusOn(TREE, ids, 9);
  assert.equal(sum(walk.selfBytes), 40);
  assert.deepEqual(outline(walk), ['walk 10', '  walk 20', '    handle 7', '      walk 3']);
  // Module._load has two frames (2 and 11): focusing merges both occurrences.
  const load = focusOn(TREE, ids, 2);
  assert.equal(sum(load.selfBytes), TOTAL);
  assert.deepEqual(outline(load).slice(0, 3), ['Module._load 0', '  Module._compile 0', '    main 5']);
  assert.ok(outline(load).includes('  main 50'), 'the other occurrence\'s main sits right under the root');
  assert.equal(focusOn(TREE, ids, 4 + 100), null, 'a function on no stack');
});

test('GIVEN recursion WHEN merging by function THEN a call of a function already on the stack folds into its first call', () => {
  const ids = functionIds(frames, strings);
  const merged = mergeByFunction(TREE, ids);
  assert.ok(parentsFirst(merged));
  assert.equal(sum(merged.selfBytes), TOTAL);
  assert.deepEqual(outline(merged), [
    '(root) 0',
    '  (anonymous) 0',
    '    Module._load 0',
    '      Module._compile 0',
    '        main 5',
    '          handle 107', // 100 + the recursive call's 7
    '            from 0',
    '              write 40',
    '                fill 4',
    '            walk 33', // 10 + 20 + 3: walk → walk → handle → walk reads walk
    '    Reflect.apply 0',
    '      Module._load 0', // frame 11, numbered as frame 2's function
    '        main 50',
    '          Array.from 1',
  ]);
  const underApply = merged.parent.findIndex((p) => p >= 0 && merged.frame[p] === 12);
  assert.equal(merged.frame[underApply], 2, 'frame 11 is numbered as its function, frame 2');
  // A tree with no repeated function is left as it is.
  const flat = { parent: [-1, 0, 1], frame: [0, 4, 5], selfBytes: [0, 1, 2], selfObjects: [0, 1, 1] };
  assert.deepEqual(mergeByFunction(flat, ids), flat);
});

test('the page\'s composition: focus, then merge, then collapse, keeps the bytes at each step', () => {
  const ids = functionIds(frames, strings);
  const all = flameView(PROFILE, ids, { internals: true, merge: false, focus: null });
  assert.equal(all.tree.total[0], TOTAL);
  assert.equal(all.focus, null);
  assert.deepEqual(all.markers, []);
  const collapsed = flameView(PROFILE, ids, { internals: false, merge: false, focus: null });
  assert.equal(collapsed.tree.total[0], TOTAL);
  assert.equal(collapsed.markers.length, 2);
  const focused = flameView(PROFILE, ids, { internals: false, merge: true, focus: 'handle@app.js:50:1' });
  assert.equal(focused.focus, 5);
  assert.equal(focused.tree.total[0], 184);
  // The recursive call of handle folds into the focused root: 100 + 7.
  assert.deepEqual(outline(focused.tree), ['handle 107', '  [marker 0] 40', '    fill 4', '  walk 33']);
  // A focus this profile does not have (a link from another view) is ignored.
  const unknown = flameView(PROFILE, ids, { internals: true, merge: false, focus: 'gone@x.js:1:1' });
  assert.equal(unknown.focus, null);
  assert.equal(unknown.tree.total[0], TOTAL);
});

test('the URL hash keeps the view and the choices, and leaves out the defaults', () => {
  assert.deepEqual(readHash(''), { view: null, internals: false, merge: false, focus: null });
  assert.deepEqual(readHash('#view=native'), { view: 'native', internals: false, merge: false, focus: null });
  const state = { view: 'both', internals: true, merge: true, focus: 'handle@app.js:50:1' };
  assert.deepEqual(readHash(`#${hashOf(state)}`), state);
  assert.equal(hashOf({ view: null, internals: false, merge: false, focus: null }), '');
  assert.equal(hashOf({ view: 'native', internals: true, merge: false, focus: null }), 'view=native&internals=1');
});

test('the view a hash asks for is found beside the other choices, and a page without it gets its first view', () => {
  const { chosenView, applyView } = client('views');
  const view = (name) => ({ profile: { name }, top: { name }, topWithInternals: { name, internals: true } });
  const data = { views: { heap: view('heap'), native: view('native') } };
  assert.equal(chosenView(data, '#internals=1&view=native&merge=1'), 'native');
  assert.equal(chosenView(data, '#view=both'), 'heap', 'a view this page lacks');
  assert.equal(chosenView({}, '#view=native'), null);
  applyView(data, 'native');
  assert.deepEqual([data.profile.name, data.top.name, data.topWithInternals.internals], ['native', 'native', true]);
});
