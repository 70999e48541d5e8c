'use strict';
// The HTTP server of the native-memory benchmark: a small order service whose work is
// mostly native memory, as a real one's is. One profiler variant per process:
//   node http-server.js <plain|loaded|allocscope|allocscope-allocated> [--interval BYTES]
//   heaptrack node http-server.js plain
// (variants as in child.js: plain node; allocscope loaded, not started, the control;
// malloc.start() in live or allocated mode at the interval, default 512 KiB).
// Prints {"port":N} once listening on 127.0.0.1.
//
// POST /orders with an order (JSON, 2–6 KB; bodies() below makes the load generator's):
//   - the body read into Buffers and joined (Buffer.concat), parsed;
//   - the invoice built (JSON, about twice the order), Buffer.from(), gzipped with the
//     async zlib.gzip (deflate's state, ~270 KiB, malloc'd and freed on the libuv threadpool);
//   - a rendered attachment of 4–64 KiB (Buffer.allocUnsafe, size from the order), dropped;
//   - the gzipped invoice and attachment kept in a bounded cache (256 orders, oldest
//     dropped): Buffer.concat of a header and both;
//   - the gzipped invoice sent with content-encoding: gzip.
// For the runner: GET /__cpu (this process's CPU, µs, all threads), GET /__profile (one
// malloc.profile() + top(10), timed; allocscope variants), GET /__gcs (with --count-gcs:
// the GCs so far by kind, from perf_hooks), GET /__exit.
const http = require('node:http');
const zlib = require('node:zlib');
const { rng } = require('../lib/common');

const CACHE_ORDERS = 256;

/** The `count` order bodies the load generator cycles through: deterministic, 2–6 KB each. */
function bodies(count = 32) {
  const random = rng(0x0dd5);
  const out = [];
  for (let n = 0; n < count; n++) {
    const items = [];
    const lines = 30 + Math.floor(random() * 70);
    for (let i = 0; i < lines; i++) {
      items.push({ sku: `sku-${Math.floor(random() * 1e5)}`, qty: 1 + Math.floor(random() * 9), price: Math.floor(random() * 1e5) / 100, note: i % 4 === 0 ? 'gift wrap' : '' });
    }
    out.push(JSON.stringify({ id: n, customer: `customer-${Math.floor(random() * 1e4)}`, attachmentKiB: 4 + Math.floor(random() * 61), items }));
  }
  return out;
}

function invoiceOf(order) {
  let total = 0;
  const lines = order.items.map((it, i) => {
    const amount = Math.round(it.qty * it.price * 100) / 100;
    total += amount;
    return { line: i + 1, sku: it.sku, qty: it.qty, unit: it.price, amount, tax: Math.round(amount * 20) / 100, description: `${it.qty} × ${it.sku}${it.note ? ` (${it.note})` : ''}` };
  });
  return { invoice: `INV-${order.id}`, customer: order.customer, lines, total: Math.round(total * 100) / 100, currency: 'EUR', issued: '2026-01-01T00:00:00Z' };
}

/** A rendered attachment: header lines written into a fresh Buffer (as a template engine would). */
function render(order) {
  const size = order.attachmentKiB * 1024;
  const b = Buffer.allocUnsafe(size);
  const head = Buffer.from(`Invoice ${order.id} for ${order.customer}\n`);
  for (let at = 0; at + head.length <= size; at += 4096) head.copy(b, at);
  return b;
}

/**
 * GCs so far, by kind (live counts, updated as perf_hooks delivers them). A window of
 * requests under callgrind holds a few mark-compacts: one more or less in a window moves
 * its instructions per request by about a percent, so the runner reports them.
 */
function countGcs() {
  const { PerformanceObserver, constants } = require('node:perf_hooks');
  const counts = { minor: 0, major: 0, other: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = e.detail?.kind ?? e.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) counts.minor++;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) counts.major++;
      else counts.other++;
    }
  }).observe({ entryTypes: ['gc'] });
  return counts;
}

function main() {
  const argv = process.argv.slice(2);
  const variant = argv[0];
  const gcs = argv.includes('--count-gcs') ? countGcs() : null;
  const i = argv.indexOf('--interval');
  const intervalBytes = i === -1 ? 512 * 1024 : Number(argv[i + 1]);
  const VARIANTS = ['plain', 'loaded', 'allocscope', 'allocscope-allocated'];
  if (!VARIANTS.includes(variant) || !(intervalBytes > 0)) {
    console.error(`http-server.js: usage: http-server.js <${VARIANTS.join('|')}> [--interval BYTES]`);
    process.exit(2);
  }
  let malloc = null;
  const t0 = process.hrtime.bigint();
  if (variant !== 'plain') {
    ({ malloc } = require(process.env.ALLOCSCOPE_DIST || '../../dist'));
    if (variant === 'loaded') malloc = null;
    else malloc.start({ intervalBytes, mode: variant === 'allocscope' ? 'live' : 'allocated' });
  }
  const setupMs = Number(process.hrtime.bigint() - t0) / 1e6;

  const cache = new Map();
  let served = 0;
  let bytesOut = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'POST') {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const order = JSON.parse(Buffer.concat(chunks));
        const attachment = render(order);
        zlib.gzip(Buffer.from(JSON.stringify(invoiceOf(order))), (error, gz) => {
          if (error) { res.writeHead(500).end(); return; }
          const key = `${order.customer}/${order.id}/${served % 97}`;
          cache.set(key, Buffer.concat([Buffer.from(`${key}\n`), gz, attachment.subarray(0, attachment.length >> (served & 3))]));
          if (cache.size > CACHE_ORDERS) cache.delete(cache.keys().next().value);
          served++;
          bytesOut += gz.length;
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': gz.length }).end(gz);
        });
      });
      return;
    }
    if (req.url === '/__cpu') {
      const u = process.cpuUsage();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ cpuMicros: u.user + u.system, served, bytesOut }));
      return;
    }
    if (req.url === '/__gcs') {
      // After the entries of the last GCs are delivered (perf_hooks queues them).
      setImmediate(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(gcs)));
      return;
    }
    if (req.url === '/__profile') {
      const out = { setupMs, collectMs: null };
      if (malloc) {
        const t = process.hrtime.bigint();
        const profile = malloc.profile();
        const top = profile.top(10);
        out.collectMs = Number(process.hrtime.bigint() - t) / 1e6;
        out.samples = malloc.figures().samples;
        out.profileBytes = Math.round(profile.totals().bytes);
        out.top = top.slice(0, 5).map((r) => ({ label: r.label, bytes: Math.round(r.bytes) }));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
      return;
    }
    if (req.url === '/__exit') {
      res.end('bye');
      if (malloc) malloc.stop();
      setImmediate(() => process.exit(0));
      return;
    }
    res.writeHead(404).end();
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
  process.on('SIGTERM', () => process.exit(0));
}

if (require.main === module) main();
module.exports = { bodies };
