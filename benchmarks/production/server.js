'use strict';
// The service under load: node:http, a JSON endpoint that builds and serializes
// ~2 KB per request, a ~80 MB live cache (so heap profiles and GC have a real
// heap to deal with), and GET /metrics. One profiler variant per process:
//   node server.js <baseline|allocscope|datadog|prom-client> <sinkUrl> <periodMs>
// Prints {"port":N} once listening.
const http = require('node:http');

const [variant, sinkUrl, periodArg] = process.argv.slice(2);
const periodMs = Number(periodArg);

// The live set: 400,000 cached records.
const cache = Array.from({ length: 400_000 }, (_, i) => ({ id: i, name: `customer-${i}`, tags: ['a', 'b', String(i % 97)], balance: i * 1.5 }));

function order(id, k) {
  const c = cache[(id * 31 + k) % cache.length];
  return { orderId: `${id}-${k}`, customer: c.name, items: [{ sku: `sku-${k}`, qty: k % 5, price: c.balance }], note: `order ${k} for ${c.id}` };
}
function handleOrders(id) {
  const orders = [];
  for (let k = 0; k < 20; k++) orders.push(order(id, k));
  return JSON.stringify({ id, orders });
}

/** POSTs a gzipped pprof to the sink the way a Pyroscope client does (for the @datadog/pprof variant). */
function push(body) {
  return new Promise((resolve) => {
    const req = http.request(`${sinkUrl}/ingest?name=bench&format=pprof&from=0&until=0`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': body.length } }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', resolve);
    req.end(body);
  });
}

let metrics = async () => '';
let toggle = () => {};
if (variant === 'allocscope') {
  const { continuous, metrics: allocscopeMetrics } = require('../../dist');
  const { Registry } = require('prom-client');
  const registry = new Registry();
  allocscopeMetrics.register(registry);
  continuous.start({ periodMs, service: 'bench', exporters: [{ type: 'http', url: sinkUrl }] });
  metrics = () => registry.metrics();
} else if (variant === 'datadog') {
  const pprof = require('@datadog/pprof');
  pprof.heap.start(512 * 1024, 64);
  setInterval(async () => { await push(await pprof.encode(pprof.heap.profile())); }, periodMs).unref();
} else if (variant === 'prom-client') {
  const { Registry, collectDefaultMetrics } = require('prom-client');
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  metrics = () => registry.metrics();
} else if (variant.startsWith('piece:')) {
  // One piece of the allocscope variant alone (pieces.js): sampler, gc, metrics, continuous, bridge.
  const allocscope = require('../../dist');
  const piece = variant.slice('piece:'.length);
  if (piece === 'sampler') allocscope.heap.start();
  else if (piece === 'gc') allocscope.gc.start();
  else if (piece === 'sampler-profile') {
    // The sampler and, every period, only the read of its profile (no shaping, encoding or export).
    allocscope.heap.start();
    setInterval(() => allocscope.heap.profile({ sourceMaps: false }), periodMs).unref();
  } else if (piece === 'sampler-profile-sourcemaps') {
    allocscope.heap.start();
    setInterval(() => allocscope.heap.profile(), periodMs).unref();
  }
  else if (piece === 'metrics') {
    const { Registry } = require('prom-client');
    const registry = new Registry();
    allocscope.metrics.register(registry);
    metrics = () => registry.metrics();
  } else if (piece === 'continuous') {
    allocscope.continuous.start({ periodMs, service: 'bench', exporters: [{ type: 'http', url: sinkUrl }], workers: false });
  } else if (piece === 'continuous-bridge') {
    allocscope.continuous.start({ periodMs, service: 'bench', exporters: [{ type: 'http', url: sinkUrl }] });
  } else if (piece !== 'require') {
    console.error(`server.js: unknown piece ${JSON.stringify(piece)}`);
    process.exit(2);
  }
} else if (variant.startsWith('toggle:')) {
  // paired.js: the same process with a piece switched on and off (GET /__on, /__off).
  const allocscope = require('../../dist');
  const piece = variant.slice('toggle:'.length);
  const { Registry } = require('prom-client');
  let registration;
  toggle = (on) => {
    if (on === allocscope.heap.running) return undefined;
    if (on) {
      if (piece === 'sampler') allocscope.heap.start();
      else {
        const registry = new Registry();
        registration = allocscope.metrics.register(registry);
        metrics = () => registry.metrics();
        allocscope.continuous.start({ periodMs, service: 'bench', exporters: [{ type: 'http', url: sinkUrl }] });
      }
    } else if (piece === 'sampler') allocscope.heap.stop();
    else {
      registration.unregister();
      metrics = async () => '';
      return allocscope.continuous.stop({ flush: false });
    }
  };
} else if (variant !== 'baseline') {
  console.error(`server.js: unknown variant ${JSON.stringify(variant)}`);
  process.exit(2);
}

const server = http.createServer(async (req, res) => {
  if (req.url === '/__cpu') {
    // For the runner: CPU time this process has used (all threads), µs. CPU per request is what
    // saturated throughput on a dedicated core would be the inverse of, and preemption does not inflate it.
    const u = process.cpuUsage();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ cpuMicros: u.user + u.system }));
    return;
  }
  if (req.url === '/__on' || req.url === '/__off') {
    await toggle(req.url === '/__on');
    res.end('ok');
    return;
  }
  if (req.url === '/metrics') {
    const text = await metrics();
    res.writeHead(200, { 'content-type': 'text/plain' }).end(text);
    return;
  }
  const id = Number(req.url.slice(req.url.indexOf('=') + 1)) || 1;
  res.writeHead(200, { 'content-type': 'application/json' }).end(handleOrders(id));
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.on('SIGTERM', () => process.exit(0));
