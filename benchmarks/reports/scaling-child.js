'use strict';
// One format in a fresh process: how its render time grows with the profile.
// Renders synthetic profiles (test/fixtures/synthetic-profiles.js, the ones the
// reporter tests use) of each size in `sizes` on top of `capture`, and prints
// {format, sizes, cpuMs: [...]}: CPU time on this thread's clock, the least of
// `tries` renders after one warm-up render of the largest.
//   node scaling-child.js <capture> <format> <sizes, comma-separated> [tries]
const { readCapture } = require('../../dist/capture/file');
const { reporterFor } = require('../../dist/reporters');
const { native } = require('../../dist/core/native');
const { syntheticCallTree, syntheticDeepProfile } = require('../../test/fixtures/synthetic-profiles');

const [file, format, sizesArg, triesArg] = process.argv.slice(2);
const sizes = sizesArg.split(',').map(Number);
const tries = Number(triesArg ?? 3);
const base = readCapture(file);
// The HTML report's test renders its own generator's profiles, with its options.
const html = format === 'html';
const inputOf = (n) => (html ? { ...base, profile: syntheticDeepProfile(n) } : syntheticCallTree(base, n));
const options = html ? { top: 20, by: 'site', color: false } : {};
const reporter = reporterFor('Capture', format);
const inputs = sizes.map(inputOf);
reporter.render(inputs[inputs.length - 1], options); // warm-up
const cpuMs = inputs.map((input) => {
  let least = Infinity;
  for (let i = 0; i < tries; i++) {
    const t0 = native.threadClock.cpuNs();
    reporter.render(input, options);
    least = Math.min(least, native.threadClock.cpuNs() - t0);
  }
  return least / 1e6;
});
console.log(JSON.stringify({ format, sizes, cpuMs }));
