// allocscope's metrics on a prom-client registry, served on /metrics, with a
// worker thread reporting its own figures. Used by docs/metrics.md.
'use strict';
const http = require('node:http');
const { Worker, isMainThread } = require('node:worker_threads');
const { Registry } = require('prom-client');
const { metrics, pools } = require('allocscope');

if (isMainThread) {
  const registry = new Registry();
  metrics.register(registry); // GC, heap spaces, malloc (read at most once a minute), pools, workers
  const buffers = pools.create('frames'); // a pool: its figures are exported too
  setInterval(() => buffers.release(buffers.alloc(1500)), 10);
  new Worker(__filename).unref(); // reports through metrics.reportToMainThread()

  http.createServer(async (req, res) => {
    res.setHeader('content-type', registry.contentType);
    res.end(await registry.metrics());
  }).listen(Number(process.env.PORT ?? 9464), '127.0.0.1');
} else {
  metrics.reportToMainThread({ intervalMs: 5000 });
  setInterval(() => JSON.parse(JSON.stringify({ work: Array(1000).fill('x') })), 5);
}
