#!/usr/bin/env node
'use strict';
// Instructions per request with allocscope on vs off, counted by valgrind's
// callgrind in the SAME server process (server.js toggle:allocscope): windows
// off, on, off, on, …, each "on" window against the mean of the "off" windows
// on either side, which also cancels the slow drift of a JIT still settling.
// Wall time on this VM cannot resolve 1 % (fresh processes ±10 %, paired windows
// ±4 %); instruction counts are repeatable whatever else the machine does.
//
// Counted: every thread of the server (main, GC helpers, compiler), from
// `callgrind_control --zero` to `callgrind_control -e Ir` around a fixed number
// of requests. Not counted here, because callgrind slows the process ~50× and
// anything paced by wall time would then land 50× more often per request:
// collections (the period is set to an hour; their cost is collection-cost.js')
// and /metrics scrapes (benchmarks/metrics counts one scrape's instructions).
// So "on" is the steady state between collections: V8's sampler at 512 KiB,
// GC tracking, the registered metrics, continuous mode's timer.
//
//   node benchmarks/production/instructions.js [--processes N] [--pairs N] [--requests N] [--warmup N]
// Prints one JSON object; writes nothing.
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');
const autocannon = require('autocannon');
const { callgrindCounters, commandLine, listeningUrl, median, ratioSpread, round } = require('../lib/common');

const { option } = commandLine('production/instructions.js');
const CONFIG = {
  processes: option('--processes', 2),
  pairs: option('--pairs', 4),
  requests: option('--requests', 3000),
  warmupRequests: option('--warmup', 8000),
  connections: 4,
  periodMs: 3_600_000,
};
const SERVER = path.join(__dirname, 'server.js');

if (spawnSync('valgrind', ['--version']).status !== 0 || spawnSync('callgrind_control', ['--version']).status !== 0) {
  console.error('production/instructions.js: needs valgrind (callgrind and callgrind_control): apt-get install valgrind');
  process.exit(2);
}
const taskset = spawnSync('taskset', ['--version']).status === 0;

const get = (url) => new Promise((resolve, reject) => {
  http.get(url, (res) => { let t = ''; res.on('data', (d) => { t += d; }); res.on('end', () => resolve(t)); }).on('error', reject);
});
const load = (url, amount) => new Promise((resolve, reject) => {
  autocannon({ url: `${url}/orders?id=7`, connections: CONFIG.connections, amount, timeout: 120 }, (error, result) => (error ? reject(error) : resolve(result)));
});

async function oneProcess(sinkUrl, index) {
  const valgrind = ['valgrind', '--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, SERVER, 'toggle:allocscope', sinkUrl, String(CONFIG.periodMs)];
  const child = taskset ? spawn('taskset', ['-c', '1', ...valgrind], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(valgrind[0], valgrind.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const url = await listeningUrl(child, 'server under callgrind', () => stderr);
  // valgrind's pid is the process callgrind_control talks to (taskset execs it).
  const pid = child.pid;
  const windows = [];
  try {
    await load(url, CONFIG.warmupRequests);
    // Both states once, unmeasured: the code of each is compiled before the first
    // measured window (the JIT's background work decays for a while and would
    // make the first "off" window look dearer).
    for (const state of ['on', 'off']) { await get(`${url}/__${state}`); await load(url, CONFIG.requests); }
    for (let w = 0; w < 2 * CONFIG.pairs + 1; w++) {
      const on = w % 2 === 1;
      process.stderr.write(`[instructions] process ${index + 1}/${CONFIG.processes}, window ${w + 1}/${2 * CONFIG.pairs + 1} (${on ? 'on' : 'off'})\n`);
      await get(`${url}/__${on ? 'on' : 'off'}`);
      await load(url, 500); // past the switch itself (sampler start, registration)
      execFileSync('callgrind_control', ['--zero', String(pid)], { stdio: 'ignore' });
      const r = await load(url, CONFIG.requests);
      const c = callgrindCounters(pid);
      windows.push({ on, requests: r.requests.total, instructionsPerRequest: c.all / r.requests.total, mainThreadPerRequest: c.main / r.requests.total, errors: r.errors + r.non2xx });
    }
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  }
  const ratio = (key) => {
    const out = [];
    for (let w = 1; w < windows.length - 1; w += 2) out.push(windows[w][key] / ((windows[w - 1][key] + windows[w + 1][key]) / 2));
    return out;
  };
  return {
    windows: windows.map((w) => ({ ...w, instructionsPerRequest: Math.round(w.instructionsPerRequest), mainThreadPerRequest: Math.round(w.mainThreadPerRequest) })),
    ratios: ratio('instructionsPerRequest').map((x) => round(x, 4)),
    mainThreadRatios: ratio('mainThreadPerRequest').map((x) => round(x, 4)),
  };
}

(async () => {
  const sink = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end()); });
  await new Promise((r) => sink.listen(0, '127.0.0.1', r));
  const sinkUrl = `http://127.0.0.1:${sink.address().port}`;
  const processes = [];
  for (let p = 0; p < CONFIG.processes; p++) processes.push(await oneProcess(sinkUrl, p));
  sink.close();
  const ratios = processes.flatMap((p) => p.ratios);
  const all = ratioSpread(ratios);
  const main = ratioSpread(processes.flatMap((p) => p.mainThreadRatios));
  console.log(JSON.stringify({
    config: CONFIG,
    instructionRatio: all.median,
    ratioQuartiles: all.quartiles,
    ratioRange: all.range,
    mainThreadRatio: main.median,
    mainThreadRange: main.range,
    instructionsPerRequestOff: Math.round(median(processes.flatMap((p) => p.windows.filter((w) => !w.on).map((w) => w.instructionsPerRequest)))),
    pairs: ratios.length,
    processes,
  }, null, 2));
})().catch((error) => { console.error(error); process.exit(1); });
