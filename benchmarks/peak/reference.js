'use strict';
// What one peak-watch collection is compared with, measured in the same process
// and heap state: V8's own GetAllocationProfile timed alone (gap-addon.cc), the
// addon's live collect (GetAllocationProfile + folding into a fresh tree + typed
// arrays for JS) and heap.profile() (that, plus the Profile object; no source maps).
const { median, round } = require('../lib/common');

function timeMs(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** `repetitions` of each, interleaved; medians and maxima in ms, and the profile's size. */
function measureReference(allocscope, gapAddonPath, repetitions = 9) {
  const gap = gapAddonPath ? require(gapAddonPath) : null;
  const sampler = require(`${allocscope.__dist}/core/native`).native.sampler;
  const times = { gapMs: [], collectMs: [], profileMs: [] };
  let size = null;
  for (let r = 0; r < repetitions; r++) {
    if (gap) {
      const g = gap.time();
      times.gapMs.push(g.ms);
      size = { nodes: g.nodes, samples: g.samples };
    }
    times.collectMs.push(timeMs(() => sampler.collect()));
    times.profileMs.push(timeMs(() => allocscope.heap.profile({ sourceMaps: false })));
  }
  const out = { repetitions, ...size };
  for (const [key, values] of Object.entries(times)) {
    if (values.length === 0) continue;
    out[key] = { median: round(median(values), 3), max: round(Math.max(...values), 3) };
  }
  return out;
}

module.exports = { measureReference };
