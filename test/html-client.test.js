'use strict';
// The HTML report's page logic, without a browser: the DOM-free modules of
// lib/reporters/html/client (flame-graph layout, zoom, search, table sorting,
// timeline series and range) as compiled into dist/, and the bundle the page inlines.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { DIST } = require('./helpers');

const CLIENT = path.join(DIST, 'reporters', 'html', 'client');
const client = (name) => require(path.join(CLIENT, `${name}.js`));
const { buildFlameTree, childrenOf } = client('flame-tree');
const { layoutFlame, ROW_PX } = client('flame-layout');
const { ancestorsOf, breadcrumbs, shareOfZoom, zoomAfterClick } = client('zoom');
const { isHit, matchesText, matchFrames, searchKeys, summarizeMatches } = client('search');
const { compareCells, sortAfterClick, sortBy } = client('sort');
const { selectionToWindow } = client('timeline-range');
const { isMajorGc, timelineSeries } = client('timeline-series');
const { frameColor } = client('colors');
const numbers = client('numbers');

// A small call tree, parents before children (100 bytes in all):
//   0 all ─┬─ 1 handleRequest (0 self) ─┬─ 3 handleError (30)
//          │                            └─ 4 parse (10)
//          └─ 2 handleError (60)
// Frames: 0 all, 1 handleRequest, 2 parse, 3 handleError.
const NODES = {
  parent: [-1, 0, 0, 1, 1],
  frame: [0, 1, 3, 3, 2],
  selfBytes: [0, 0, 60, 30, 10],
  selfObjects: [0, 0, 6, 3, 1],
};
const NAMES = ['all', 'handleRequest', 'parse', 'handleError'];
const FILES = ['', 'srv/App.js', 'lib/json.js', 'srv/App.js'];

const rect = (r) => ({ node: r.node, x: Math.round(r.x * 1000) / 1000, width: Math.round(r.width * 1000) / 1000, row: r.row, ancestor: r.ancestor, zoomed: r.zoomed });

test('GIVEN a call tree WHEN it is built THEN subtree totals, depths and children widest first follow from the node columns', () => {
  const tree = buildFlameTree(NODES);
  assert.deepEqual(Array.from(tree.total), [100, 40, 60, 30, 10]);
  assert.deepEqual(Array.from(tree.totalObjects), [10, 4, 6, 3, 1]);
  assert.deepEqual(Array.from(tree.depth), [0, 1, 1, 2, 2]);
  assert.deepEqual(childrenOf(tree, 0), [2, 1], 'the 60-byte child before the 40-byte one');
  assert.deepEqual(childrenOf(tree, 1), [3, 4]);
  assert.deepEqual(childrenOf(tree, 4), []);
});

test('flame layout: widths are proportional to bytes, children sit left to right widest first, one row per depth', () => {
  const layout = layoutFlame(buildFlameTree(NODES), 0, 1000);
  assert.deepEqual(layout.rects.map(rect), [
    { node: 0, x: 0, width: 1000, row: 0, ancestor: false, zoomed: true },
    { node: 2, x: 0, width: 600, row: 1, ancestor: false, zoomed: false },
    { node: 1, x: 600, width: 400, row: 1, ancestor: false, zoomed: false },
    { node: 3, x: 600, width: 300, row: 2, ancestor: false, zoomed: false },
    { node: 4, x: 900, width: 100, row: 2, ancestor: false, zoomed: false },
  ]);
  assert.equal(layout.rows, 3);
  assert.equal(layout.hidden, 0);
  assert.equal(layout.minWidthPx, 1);
  assert.equal(ROW_PX, 18);
});

test('flame layout: frames narrower than a pixel are left out, and the minimum width doubles until the frame budget holds', () => {
  const tree = buildFlameTree(NODES);
  const narrow = layoutFlame(tree, 0, 5); // parse would be 0.5 px
  assert.deepEqual(narrow.rects.map((r) => r.node), [0, 2, 1, 3]);
  assert.equal(narrow.hidden, 1);
  // 100 px and a budget of 3 frames: parse (10 px) and handleError under handleRequest (30 px) go at 32 px.
  const budgeted = layoutFlame(tree, 0, 100, 3);
  assert.deepEqual(budgeted.rects.map((r) => r.node), [0, 2, 1]);
  assert.equal(budgeted.minWidthPx, 32);
  assert.equal(budgeted.hidden, 2);
  assert.equal(budgeted.rows, 2);
});

test('zoom: the zoomed node spans the full width, its ancestors are full-width bars above it, and its subtree is rescaled', () => {
  const tree = buildFlameTree(NODES);
  const layout = layoutFlame(tree, 1, 1000);
  assert.deepEqual(layout.rects.map(rect), [
    { node: 0, x: 0, width: 1000, row: 0, ancestor: true, zoomed: false },
    { node: 1, x: 0, width: 1000, row: 1, ancestor: false, zoomed: true },
    { node: 3, x: 0, width: 750, row: 2, ancestor: false, zoomed: false },
    { node: 4, x: 750, width: 250, row: 2, ancestor: false, zoomed: false },
  ]);
  assert.ok(!layout.rects.some((r) => r.node === 2), 'the sibling outside the zoom is not drawn');
  assert.deepEqual(ancestorsOf(tree, 4), [0, 1]);
  assert.deepEqual(ancestorsOf(tree, 0), []);
});

test('zoom: a click zooms in, a click on the zoomed frame zooms out one level, and breadcrumbs name the path', () => {
  const tree = buildFlameTree(NODES);
  assert.equal(zoomAfterClick(tree, 3, 0), 3, 'a frame below zooms in');
  assert.equal(zoomAfterClick(tree, 3, 3), 1, 'the zoomed frame zooms out to its parent');
  assert.equal(zoomAfterClick(tree, 0, 3), 0, 'an ancestor zooms out to it');
  assert.equal(zoomAfterClick(tree, 0, 0), 0, 'the root stays');
  assert.deepEqual(breadcrumbs(tree, 3), [0, 1, 3]);
  assert.deepEqual(breadcrumbs(tree, 0), [], 'no trail when not zoomed');
  assert.equal(shareOfZoom(tree, 3, 1), 0.75, 'handleError holds 30 of handleRequest\'s 40 bytes');
  assert.equal(shareOfZoom(tree, 1, 1), null, 'the zoomed node itself');
  assert.equal(shareOfZoom(tree, 0, 1), null, 'an ancestor');
  assert.equal(shareOfZoom(tree, 3, 0), null, 'not zoomed');
});

test('search: a query matches names and files case-insensitively, never the root; matches inside matches count their bytes once', () => {
  const tree = buildFlameTree(NODES);
  const keys = searchKeys(NAMES, FILES);
  assert.equal(matchFrames(keys, '   ', 0), null, 'an empty query is no search');
  const handle = matchFrames(keys, ' HANDLE', 0);
  assert.deepEqual(Array.from(handle), [0, 1, 0, 1]);
  assert.deepEqual(Array.from(matchFrames(keys, 'json', 0)), [0, 0, 1, 0], 'the file matches too');
  assert.deepEqual(Array.from(matchFrames(keys, 'all', 0)), [0, 0, 0, 0], 'the root frame never lights up');
  assert.deepEqual([0, 1, 2, 3, 4].map((node) => isHit(tree, handle, node)), [false, true, true, true, false]);
  assert.deepEqual([0, 1, 2, 3, 4].map((node) => isHit(tree, null, node)), [false, false, false, false, false]);
  // handleError (30 bytes) sits inside handleRequest (40): 40 + 60, not 130.
  const summary = summarizeMatches(tree, handle);
  assert.deepEqual(summary, { nodes: 3, bytes: 100 });
  assert.equal(matchesText(summary, 100), '3 frames · 100 B (100.0 % of all)');
  const parse = summarizeMatches(tree, matchFrames(keys, 'parse', 0));
  assert.equal(matchesText(parse, 100), '1 frame · 10 B (10.0 % of all)');
  assert.equal(matchesText(summarizeMatches(tree, matchFrames(keys, 'nothing', 0)), 100), 'no match');
});

test('sort: numbers by value and text alphabetically; ties keep the previous order; a new numeric column sorts largest first', () => {
  const rows = [{ name: 'b', n: 2 }, { name: 'a', n: 10 }, { name: 'c', n: 2 }, { name: 'B', n: 1.5 }];
  const names = (xs) => xs.map((r) => r.name);
  assert.deepEqual(names(sortBy(rows, (r) => r.n, true)), ['a', 'b', 'c', 'B']);
  assert.deepEqual(names(sortBy(rows, (r) => r.n, false)), ['B', 'b', 'c', 'a']);
  assert.deepEqual(names(sortBy(rows, (r) => r.name, false)), names([...rows].sort((x, y) => x.name.localeCompare(y.name))));
  const byNameDesc = sortBy(rows, (r) => r.name, true);
  assert.deepEqual(names(sortBy(byNameDesc, (r) => r.n, false)), ['B', 'c', 'b', 'a'], 'c and b tie on n: the previous order stays');
  assert.deepEqual(names(rows), ['b', 'a', 'c', 'B'], 'the input is not reordered');
  assert.ok(compareCells(2, 10) < 0, '2 before 10 as numbers');
  assert.ok(compareCells('10', '2') < 0, '"10" before "2" as text');
  assert.ok(compareCells(-Infinity, 0) < 0, 'missing numbers (−∞) sort as smallest');

  let state = { column: -1, descending: true };
  state = sortAfterClick(state, 3, true);
  assert.deepEqual(state, { column: 3, descending: true });
  state = sortAfterClick(state, 3, true);
  assert.deepEqual(state, { column: 3, descending: false }, 'the same column flips');
  state = sortAfterClick(state, 1, false);
  assert.deepEqual(state, { column: 1, descending: false }, 'a text column starts ascending');
});

test('timeline range: a dragged selection of pixels becomes the time window under it, within the shown one', () => {
  assert.deepEqual(selectionToWindow({ left: 100, width: 200 }, { min: 0, max: 10 }, 1000), { min: 1, max: 3 });
  assert.deepEqual(selectionToWindow({ left: 250, width: 125 }, { min: 2, max: 4 }, 500), { min: 3, max: 3.5 }, 'an already zoomed axis');
  assert.deepEqual(selectionToWindow({ left: -50, width: 100 }, { min: 0, max: 10 }, 1000), { min: 0, max: 0.5 }, 'clamped at the left edge');
  assert.deepEqual(selectionToWindow({ left: 900, width: 500 }, { min: 0, max: 10 }, 1000), { min: 9, max: 10 }, 'clamped at the right edge');
  assert.equal(selectionToWindow({ left: 300, width: 0 }, { min: 0, max: 10 }, 1000), null, 'a click is no selection');
  assert.equal(selectionToWindow({ left: 1200, width: 50 }, { min: 0, max: 10 }, 1000), null, 'nothing under it');
  assert.equal(selectionToWindow({ left: 10, width: 50 }, { min: 5, max: 5 }, 1000), null, 'an empty axis');
});

test('timeline series: samples, background RSS and top-level GC pauses as time-sorted columns with strictly increasing x', () => {
  const start = 1_000_000;
  const timeline = {
    timeMs: [start + 2000, start + 1000], heapUsedBytes: [20, 10], heapCommittedBytes: [40, 30], externalBytes: [2, 1], rssBytes: [200, 100],
    rss: { timeMs: [start + 1000], bytes: [150] },
  };
  const gcEvents = [
    [start + 1500, 250, 'markCompact', 0, 25, 15, 45, 42, 3, 2],
    [start + 1600, 10, 'scavenge', 1, 0, 0, 0, 0, 0, 0], // nested: inside the mark-compact's pause
  ];
  const series = timelineSeries(timeline, gcEvents, start);
  const [x, used, committed, external, rss] = series.columns;
  assert.equal(x.length, 5);
  assert.ok(x.every((v, i) => i === 0 || v > x[i - 1]), `strictly increasing: ${x}`);
  assert.deepEqual(x.map((v) => Math.round(v * 1000) / 1000), [1, 1, 1.5, 1.75, 2], 'two samples at 1 s keep their order, a hair apart');
  assert.deepEqual(used, [10, null, 25, 15, 20]);
  assert.deepEqual(committed, [30, null, 45, 42, 40]);
  assert.deepEqual(external, [1, null, 3, 2, 2]);
  assert.deepEqual(rss, [100, 150, null, null, 200]);
  assert.deepEqual(series.pauses, [{ start: 1.5, end: 1.75, type: 'markCompact' }], 'the nested scavenge is no pause of its own');
  assert.equal(series.hasRss, true);
  assert.equal(timelineSeries({ timeMs: [], heapUsedBytes: [], heapCommittedBytes: [], externalBytes: [], rssBytes: [] }, [], start), null);
  assert.equal(isMajorGc('scavenge'), false);
  assert.equal(isMajorGc('minorMarkSweep'), false);
  assert.equal(isMajorGc('markCompact'), true);
  assert.equal(isMajorGc('incrementalMarking'), true);
});

test('frame colours are stable per name and file, and differ between frame kinds', () => {
  assert.equal(frameColor(0, 'handleRequest', 'srv/App.js'), frameColor(0, 'handleRequest', 'srv/App.js'));
  const hues = [0, 1, 2, 3].map((kind) => frameColor(kind, 'f', 'x.js'));
  assert.equal(new Set(hues).size, 4, hues.join(' '));
  assert.match(frameColor(3, 'f', ''), /^hsl\(0,0%,\d+%\)$/, 'native frames are grey');
});

test('the page formats numbers with the server side\'s helpers, and the bundle carries one copy of them', () => {
  const format = require(path.join(DIST, 'core', 'format.js'));
  assert.equal(numbers.bytes, format.bytes);
  assert.equal(numbers.percent, format.percent);
  assert.equal(numbers.ms, format.ms);
  assert.equal(numbers.bytesOrDash(null), '–');
  assert.equal(numbers.bytesOrDash(1536), '1.50 KiB');
  assert.equal(numbers.count(12345.6), '12,346');

  const { CLIENT_BUNDLE, clientScript } = require(path.join(DIST, 'reporters', 'html', 'client-script.js'));
  const bundle = fs.readFileSync(CLIENT_BUNDLE, 'utf8');
  assert.equal(clientScript(), bundle);
  assert.match(bundle, /\/\/ lib\/core\/format\.ts\n/, 'core/format.ts is bundled');
  assert.equal(bundle.match(/\bfunction bytes\(/g)?.length, 1, 'one bytes() in the page');
  assert.doesNotMatch(bundle, /(^|[^.\w])(require\(|process\.|Buffer\.)/m, 'nothing of Node in the page');
});

test('the HTML report inlines the bundle under its Content-Security-Policy hash', () => {
  const crypto = require('node:crypto');
  const { htmlReporter } = require(path.join(DIST, 'reporters', 'html.js'));
  const { clientScript } = require(path.join(DIST, 'reporters', 'html', 'client-script.js'));
  const capture = {
    meta: { node: 'v20', v8: '11', platform: 'linux', arch: 'x64', pid: 1, argv: ['app.js'], cwd: '/srv', startTimeMs: 0, endTimeMs: 1000, reason: 'exit', options: {} },
    profile: null,
    gc: { events: [], summary: null },
    timeline: { periodMs: 100, timeMs: [], heapUsedBytes: [], heapCommittedBytes: [], externalBytes: [], rssBytes: [] },
    heap: { usedHeapSizeBytes: 1, totalHeapSizeBytes: 2, externalMemoryBytes: 0 },
    spaces: [], malloc: null, fragmentation: null, pools: [],
  };
  const html = htmlReporter.render(capture, { top: 10, by: 'site', color: false });
  const script = clientScript().replace(/<\/(script)/gi, '<\\/$1');
  assert.ok(html.includes(`<script>${script}</script>`), 'the bundle is inlined');
  const hash = crypto.createHash('sha256').update(script, 'utf8').digest('base64');
  assert.ok(html.includes(`'sha256-${hash}'`), 'and allowed by its hash');
});
