#!/usr/bin/env node
'use strict';
// CPU per request with allocscope on vs off in the SAME server process, in
// alternating windows (off, on, off, on, …): process-to-process variance (JIT
// and GC heuristics, memory layout: ±10 % between fresh processes on this VM)
// cancels out, and each "on" window is compared with the mean of the "off"
// windows around it. Prints one JSON object; writes nothing.
//   node benchmarks/production/paired.js [--pairs N] [--requests N] [--period MS] [--piece allocscope|sampler] [--processes N]
const { spawn, spawnSync } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');
const autocannon = require('autocannon');
const { commandLine, ratioSpread, round } = require('../lib/common');

const { argv, option } = commandLine('production/paired.js');
const text = (name, fallback) => { const i = argv.indexOf(name); return i === -1 ? fallback : argv[i + 1]; };
const CONFIG = {
  processes: option('--processes', 3),
  pairs: option('--pairs', 6),
  requests: option('--requests', 60_000),
  warmupRequests: 30_000,
  periodMs: option('--period', 60_000),
  piece: text('--piece', 'allocscope'),
  connections: 16,
  scrapeEveryMs: 1000,
};
const SERVER = path.join(__dirname, 'server.js');
const taskset = spawnSync('taskset', ['--version']).status === 0;
if (taskset && !process.env.BENCH_PINNED) {
  const r = spawnSync('taskset', ['-c', '0', process.execPath, __filename, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, BENCH_PINNED: '1' } });
  process.exit(r.status ?? 1);
}

const get = (url) => new Promise((resolve, reject) => {
  http.get(url, (res) => { let t = ''; res.on('data', (d) => { t += d; }); res.on('end', () => resolve(t)); }).on('error', reject);
});
const load = (url, amount) => new Promise((resolve, reject) => {
  autocannon({ url: `${url}/orders?id=7`, connections: CONFIG.connections, amount }, (error, result) => (error ? reject(error) : resolve(result)));
});

async function oneProcess(sinkUrl) {
  const args = [SERVER, `toggle:${CONFIG.piece}`, sinkUrl, String(CONFIG.periodMs)];
  const child = taskset ? spawn('taskset', ['-c', '1', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'] }) : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => { out += d; const m = /\{"port":(\d+)\}/.exec(out); if (m) resolve(`http://127.0.0.1:${m[1]}`); });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const scraping = setInterval(() => { http.get(`${url}/metrics`, { agent }, (res) => res.resume()).on('error', () => {}); }, CONFIG.scrapeEveryMs);
  const windows = [];
  try {
    await load(url, CONFIG.warmupRequests);
    for (let w = 0; w < 2 * CONFIG.pairs + 1; w++) {
      const on = w % 2 === 1;
      await get(`${url}/__${on ? 'on' : 'off'}`);
      if (on) await load(url, 2000); // past the start-up (first scrape, sampler start)
      const cpu0 = JSON.parse(await get(`${url}/__cpu`)).cpuMicros;
      const r = await load(url, CONFIG.requests);
      const cpu1 = JSON.parse(await get(`${url}/__cpu`)).cpuMicros;
      windows.push({ on, cpuMicrosPerRequest: (cpu1 - cpu0) / r.requests.total });
    }
  } finally {
    clearInterval(scraping);
    agent.destroy();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  // Each "on" window against the mean of the "off" windows on either side.
  const ratios = [];
  for (let w = 1; w < windows.length - 1; w += 2) ratios.push(windows[w].cpuMicrosPerRequest / ((windows[w - 1].cpuMicrosPerRequest + windows[w + 1].cpuMicrosPerRequest) / 2));
  return { windows: windows.map((w) => ({ ...w, cpuMicrosPerRequest: round(w.cpuMicrosPerRequest, 3) })), ratios: ratios.map((x) => round(x, 4)) };
}

(async () => {
  const sink = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end()); });
  await new Promise((r) => sink.listen(0, '127.0.0.1', r));
  const sinkUrl = `http://127.0.0.1:${sink.address().port}`;
  const processes = [];
  for (let p = 0; p < CONFIG.processes; p++) {
    process.stderr.write(`process ${p + 1}/${CONFIG.processes}\n`);
    processes.push(await oneProcess(sinkUrl));
  }
  sink.close();
  const ratios = processes.flatMap((p) => p.ratios);
  const spread = ratioSpread(ratios);
  console.log(JSON.stringify({
    config: CONFIG,
    cpuPerRequestRatio: spread.median,
    ratioQuartiles: spread.quartiles,
    ratioRange: spread.range,
    pairs: ratios.length,
    processes,
  }, null, 2));
})().catch((error) => { console.error(error); process.exit(1); });
