#!/usr/bin/env node
'use strict';
// Where the allocscope variant's CPU per request comes from: each piece alone
// (sampler, GC tracker, metrics registered and scraped, continuous mode, the
// worker bridge) against the same service and load as run.js, on a fixed
// number of requests per measurement. Prints one JSON object; writes nothing.
//   node benchmarks/production/pieces.js [--rounds N] [--requests N] [--period MS] [--variants a,b,…]
// Variants (`name@periodMs` to override the period): baseline, allocscope (run.js's), datadog, prom-client, piece:<sampler|gc|metrics|continuous|continuous-bridge|require>.
const http = require('node:http');
const autocannon = require('autocannon');
const { commandLine, median, round } = require('../lib/common');
const { pinRunner, startServer: startServerAs } = require('./cpus');

const { option, stringOption } = commandLine('production/pieces.js');
const CONFIG = {
  rounds: option('--rounds', 5),
  requests: option('--requests', 100_000),
  warmupRequests: 30_000,
  periodMs: option('--period', 60_000),
  connections: 16,
  scrapeEveryMs: 1000,
  variants: (stringOption('--variants') ?? 'baseline,piece:require,piece:sampler,piece:gc,piece:metrics,piece:continuous,piece:continuous-bridge,allocscope').split(','),
};

pinRunner(__filename);

function startSink() {
  const server = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end()); });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() })));
}

/** `variant@periodMs` overrides --period for one variant. */
function startServer(spec, sinkUrl) {
  const [variant, period] = spec.split('@');
  return startServerAs(variant, sinkUrl, period ?? CONFIG.periodMs);
}

const load = (url, amount) => new Promise((resolve, reject) => {
  autocannon({ url: `${url}/orders?id=7`, connections: CONFIG.connections, amount }, (error, result) => (error ? reject(error) : resolve(result)));
});

const cpuMicros = (url) => new Promise((resolve, reject) => {
  http.get(`${url}/__cpu`, (res) => { let t = ''; res.on('data', (d) => { t += d; }); res.on('end', () => resolve(JSON.parse(t).cpuMicros)); }).on('error', reject);
});

function scraper(url) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const timer = setInterval(() => { http.get(`${url}/metrics`, { agent }, (res) => res.resume()).on('error', () => {}); }, CONFIG.scrapeEveryMs);
  return () => { clearInterval(timer); agent.destroy(); };
}

async function measure(variant, sink) {
  const { child, url } = await startServer(variant, sink.url);
  const stopScraping = scraper(url);
  try {
    await load(url, CONFIG.warmupRequests);
    const cpu0 = await cpuMicros(url);
    const t0 = Date.now();
    const r = await load(url, CONFIG.requests);
    const cpu1 = await cpuMicros(url);
    return { variant, cpuMicrosPerRequest: (cpu1 - cpu0) / r.requests.total, requestsPerSecond: r.requests.total / ((Date.now() - t0) / 1000) };
  } finally {
    stopScraping();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

(async () => {
  const sink = await startSink();
  const runs = [];
  for (let round_ = 0; round_ < CONFIG.rounds; round_++) {
    const order = CONFIG.variants.map((_, i) => CONFIG.variants[(i + round_) % CONFIG.variants.length]);
    for (const variant of order) {
      process.stderr.write(`round ${round_ + 1}/${CONFIG.rounds}: ${variant}\n`);
      runs.push({ round: round_, ...(await measure(variant, sink)) });
    }
  }
  sink.close();
  const summary = {};
  for (const variant of CONFIG.variants) {
    const ratios = runs.filter((r) => r.variant === variant).map((r) => r.cpuMicrosPerRequest / runs.find((b) => b.variant === 'baseline' && b.round === r.round).cpuMicrosPerRequest);
    summary[variant] = {
      cpuMicrosPerRequest: round(median(runs.filter((r) => r.variant === variant).map((r) => r.cpuMicrosPerRequest)), 2),
      cpuRatio: round(median(ratios), 4),
      cpuRatios: ratios.map((x) => round(x, 4)),
    };
  }
  console.log(JSON.stringify({ config: CONFIG, summary }, null, 2));
})().catch((error) => { console.error(error); process.exit(1); });
