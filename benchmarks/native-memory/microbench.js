'use strict';
// What one malloc(64)/free pair costs in C, with and without the malloc profiler,
// in one process. Usage:
//   node microbench.js <bench-addon.node> <pairs> <repetitions> [configs]
// configs (comma-separated, default all): none, live, allocated, live-no-samples.
// The addon (bench-addon.c) is loaded after malloc.start(), so its GOT is patched by
// the dlopen hook; every configuration then runs in the same process, the order
// rotated each repetition (stop() puts the slots back, start() patches them again).
// With configs "none" only, allocscope is not loaded (the heaptrack run: heaptrack
// hooks the process from outside). Prints one JSON line: ns per pair, every
// repetition, per configuration: the thread's CPU time (nsPerPair) and wall clock.
const [addonPath, pairsArg, repsArg, configsArg] = process.argv.slice(2);
const PAIRS = Number(pairsArg);
const REPS = Number(repsArg);
const SIZE = 64;
const CONFIGS = {
  none: null,
  live: { intervalBytes: 512 * 1024, mode: 'live' },
  allocated: { intervalBytes: 512 * 1024, mode: 'allocated' },
  // An interval no run reaches: the hooks' pass-through alone, no sample ever taken.
  'live-no-samples': { intervalBytes: 2 ** 40, mode: 'live' },
};
const configs = (configsArg ?? Object.keys(CONFIGS).join(',')).split(',');
if (!addonPath || !(PAIRS > 0) || !(REPS > 0) || configs.some((c) => !(c in CONFIGS))) {
  console.error(`microbench.js: usage: microbench.js <addon> <pairs> <repetitions> [${Object.keys(CONFIGS).join(',')}]`);
  process.exit(2);
}

const profiling = configs.some((c) => CONFIGS[c] !== null);
const malloc = profiling ? require(process.env.ALLOCSCOPE_DIST || '../../dist').malloc : null;
if (profiling) malloc.start(CONFIGS.live);
const addon = require(addonPath);
if (profiling) malloc.stop();

function set(config) {
  if (malloc?.isRunning()) malloc.stop();
  if (CONFIGS[config]) malloc.start(CONFIGS[config]);
}

const nsPerPair = Object.fromEntries(configs.map((c) => [c, []]));
const wallNsPerPair = Object.fromEntries(configs.map((c) => [c, []]));
for (let r = 0; r < REPS; r++) {
  for (const config of configs.map((_, i) => configs[(i + r) % configs.length])) {
    set(config);
    addon.pairs(Math.min(PAIRS, 100000), SIZE); // warm: the first samples of a run, caches
    const { cpuNs, wallNs } = addon.pairs(PAIRS, SIZE);
    nsPerPair[config].push(cpuNs / PAIRS);
    wallNsPerPair[config].push(wallNs / PAIRS);
  }
}
if (malloc?.isRunning()) malloc.stop();
process.stdout.write(JSON.stringify({ pairs: PAIRS, size: SIZE, repetitions: REPS, nsPerPair, wallNsPerPair }) + '\n');
