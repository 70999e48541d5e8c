'use strict';
// The service at a steady state (service.js) over node:http, as one variant:
//   node server.js <none|live|peak> [--gap ADDON]
// Prints {"port":N} once listening. GET /__figures: the peak watch's figures,
// moment count, this process's CPU time and requests served; with ?reference=1
// also the reference timings (reference.js) in the current state.
const http = require('node:http');
const path = require('node:path');
const { createService } = require('./service');

const argv = process.argv.slice(2);
const variant = argv[0];
const gapAddon = argv.includes('--gap') ? argv[argv.indexOf('--gap') + 1] : null;
if (!['none', 'live', 'peak'].includes(variant)) {
  console.error('server.js: usage: server.js <none|live|peak> [--gap ADDON]');
  process.exit(2);
}

let allocscope = null;
if (variant !== 'none') {
  const dist = process.env.ALLOCSCOPE_DIST || path.join(__dirname, '..', '..', 'dist');
  allocscope = require(dist);
  allocscope.__dist = dist;
  allocscope.heap.start(variant === 'peak' ? { mode: 'live', peak: true } : { mode: 'live' });
}

const service = createService();
let served = 0;
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/__figures')) {
    const cpu = process.cpuUsage();
    const out = { served, cpuMs: (cpu.user + cpu.system) / 1000, uptimeMs: process.uptime() * 1000, maxRssKiB: process.resourceUsage().maxRSS };
    if (variant === 'peak') {
      const m = allocscope.heap.moments();
      out.figures = m.figures;
      out.moments = m.atMs.length;
    }
    if (allocscope && req.url.includes('reference=1')) out.reference = require('./reference').measureReference(allocscope, gapAddon);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(out));
    return;
  }
  served++;
  res.setHeader('content-type', 'application/json');
  res.end(service.handle());
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
