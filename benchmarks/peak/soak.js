'use strict';
// The soak: the steady service's work (service.js) in a loop for `seconds`, with
// heap.start({ mode: 'live', peak }) at the default (a moment a second, 240
// kept), reading heap.moments() every `everyS` seconds: moments held, thinned,
// collections, the watch's stored entries, RSS and the used heap. One JSON line.
//   node soak.js [--seconds N] [--every N]
const path = require('node:path');
const v8 = require('node:v8');
const { createService } = require('./service');

const argv = process.argv.slice(2);
const opt = (name, fallback) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const seconds = opt('--seconds', 600);
const everyS = opt('--every', 10);

const allocscope = require(process.env.ALLOCSCOPE_DIST || path.join(__dirname, '..', '..', 'dist'));
const SETTINGS = { periodMs: 1000, maxMoments: 240 };
allocscope.heap.start({ mode: 'live', peak: SETTINGS });
const service = createService();
const series = [];
const t0 = Date.now();
let requests = 0;

function sample() {
  const m = allocscope.heap.moments();
  series.push({
    atS: (Date.now() - t0) / 1000, requests, moments: m.atMs.length, entries: m.node.length, treeNodes: m.nodes.parent.length,
    collections: m.figures.collections, thinned: m.figures.thinned, costMs: m.figures.costMs, maxCostMs: m.figures.maxCostMs,
    rssBytes: process.memoryUsage.rss(), usedHeapBytes: v8.getHeapStatistics().used_heap_size,
  });
}

// Batches of requests between turns of the event loop, as a server would see them.
function batch() {
  for (let i = 0; i < 200; i++) service.handle();
  requests += 200;
  if (Date.now() - t0 < seconds * 1000) setImmediate(batch);
  else finish();
}
const timer = setInterval(sample, everyS * 1000);
function finish() {
  clearInterval(timer);
  sample();
  const m = allocscope.heap.moments();
  process.stdout.write(`${JSON.stringify({ seconds, everyS, settings: SETTINGS, figures: m.figures, series })}\n`);
}
batch();
