#!/usr/bin/env node
'use strict';
// Soak benchmark: `npm run bench:soak`.
//
// Continuous mode left running for 1,000 collection cycles (20 ms periods, 50x
// faster than the 60 s default, so that a day's worth of cycles at 1/min takes
// minutes) on a service with a steady workload, while worker threads come and
// go (one every 100 ms, living 300 ms; every other one terminated mid-period),
// exporting to a file directory (rotated) and to a Pyroscope-style receiver in
// this process. The host (test/fixtures/continuous-host.js, shared with the
// shortened soak in test/continuous-soak.test.js) samples RSS and heap after a
// full GC every 50 cycles; after stop() it counts handles and must exit by itself.
// Bounds: after warm-up (100 cycles), heap after GC within 4 MiB and RSS within
// 32 MiB, a least-squares RSS slope under 8 MiB per 1,000 cycles, no handle left.
//
// Options: --cycles N (default 1000), --no-write.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { commandLine, environment, fmt, round } = require('../lib/common');
const { updateSection } = require('../lib/results');
const { startReceiver, runNodeAsync } = require('../../test/continuous-helpers');

const { flag, option } = commandLine('bench:soak');
const CONFIG = {
  cycles: option('--cycles', 1000),
  periodMs: 20,
  warmupCycles: 100,
  sampleEveryCycles: 50,
  workers: { everyMs: 100, lifeMs: 300 },
  bounds: { heapGrowthMiB: 4, rssGrowthMiB: 32, rssSlopeMiBPer1000: 8 },
  write: !flag('--no-write'),
};
const HOST = path.join(__dirname, '..', '..', 'test', 'fixtures', 'continuous-host.js');
const MiB = 2 ** 20;

function slope(points) {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const num = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const den = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return den ? num / den : 0;
}

(async () => {
  const receiver = await startReceiver();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-soak-'));
  const hostConfig = {
    options: { periodMs: CONFIG.periodMs, exporters: [{ type: 'http', url: receiver.url }, { type: 'file', dir, maxFiles: 50 }] },
    collections: CONFIG.cycles, warmupCollections: CONFIG.warmupCycles, sampleEveryCollections: CONFIG.sampleEveryCycles, workers: CONFIG.workers,
  };
  const t0 = Date.now();
  process.stderr.write(`[bench:soak] ${CONFIG.cycles} cycles of ${CONFIG.periodMs} ms with workers coming and going…\n`);
  const r = await runNodeAsync({ file: HOST, nodeArgs: ['--expose-gc'], env: { HOST_CONFIG: JSON.stringify(hostConfig) }, timeoutMs: 30 * 60_000 });
  const wallSeconds = (Date.now() - t0) / 1000;
  await receiver.close();
  const filesKept = fs.readdirSync(dir).length;
  fs.rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0 || !r.json) { console.error(`host exited ${r.status} ${r.signal} (timed out: ${r.timedOut})\n${r.stderr}`); process.exit(1); }
  const h = r.json;
  const after = h.timeline.filter(([c]) => c >= CONFIG.warmupCycles);
  const rss = after.map((p) => p[1]);
  const heapAfterGc = after.map((p) => p[2]);
  const figures = {
    wallSeconds: round(wallSeconds, 1),
    cycles: h.stats.collections,
    workerCollections: h.stats.workerCollections,
    workersStarted: h.workersStarted,
    threadsSeenByBackend: new Set(receiver.requests.map((q) => q.labels.thread_id)).size,
    profilesReceived: receiver.requests.length,
    exported: h.stats.exported, failures: h.stats.failures, drops: h.stats.drops,
    rssRangeMiB: round((Math.max(...rss) - Math.min(...rss)) / MiB, 2),
    rssGrowthMiB: round((h.end.rssBytes - h.warm.rssBytes) / MiB, 2),
    rssSlopeMiBPer1000: round(slope(after.map(([c, b]) => [c, b])) * 1000 / MiB, 2),
    heapGrowthMiB: round((h.end.heapBytes - h.warm.heapBytes) / MiB, 3),
    heapRangeMiB: round((Math.max(...heapAfterGc) - Math.min(...heapAfterGc)) / MiB, 3),
    rssMiB: { warm: round(h.warm.rssBytes / MiB, 1), end: round(h.end.rssBytes / MiB, 1) },
    handlesAfterStop: h.handlesAfter,
    exitedByItself: true,
    lagMs: h.lagMs,
    collectionMs: round(h.stats.totalCollectionMs / h.stats.collections, 2),
    blockingCpuMsPerCollection: round(h.stats.totalBlockingCpuMs / h.stats.collections, 2),
    filesKept,
  };
  const b = CONFIG.bounds;
  const pass = figures.heapGrowthMiB < b.heapGrowthMiB && figures.rssGrowthMiB < b.rssGrowthMiB && figures.rssSlopeMiBPer1000 < b.rssSlopeMiBPer1000 && figures.handlesAfterStop === 0;
  const result = { config: CONFIG, environment: environment(), figures, pass, timeline: h.timeline };
  console.log(JSON.stringify({ figures, pass }, null, 2));
  if (CONFIG.write) {
    fs.writeFileSync(path.join(__dirname, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
    const env = result.environment;
    updateSection('soak', [
      '## Soak (continuous mode, 1,000 cycles)',
      '',
      `\`npm run bench:soak\` · ${env.date.slice(0, 10)} · node ${env.node} · ${env.cpuModel} × ${env.cpuCount} · load average at start ${env.loadAverageAtStart.join(' / ')}`,
      '',
      `${figures.cycles} collection cycles of ${CONFIG.periodMs} ms in ${fmt(figures.wallSeconds, 0)} s, exporting to a rotated directory and a loopback Pyroscope-style receiver; ` +
      `${figures.workersStarted} workers started (one every ${CONFIG.workers.everyMs} ms, living ${CONFIG.workers.lifeMs} ms, every other one terminated mid-period), ` +
      `${fmt(figures.workerCollections)} worker profiles forwarded, ${figures.threadsSeenByBackend} distinct threads seen by the backend, ${fmt(figures.profilesReceived)} profiles received.`,
      '',
      '| figure (after a 100-cycle warm-up) | measured | bound |',
      '|---|---:|---:|',
      `| heap after full GC, growth | ${fmt(figures.heapGrowthMiB, 3)} MiB | < ${b.heapGrowthMiB} MiB |`,
      `| RSS growth | ${fmt(figures.rssGrowthMiB, 2)} MiB | < ${b.rssGrowthMiB} MiB |`,
      `| RSS slope (least squares over samples every ${CONFIG.sampleEveryCycles} cycles) | ${fmt(figures.rssSlopeMiBPer1000, 2)} MiB / 1,000 cycles | < ${b.rssSlopeMiBPer1000} |`,
      `| RSS range | ${fmt(figures.rssRangeMiB, 2)} MiB (${fmt(figures.rssMiB.warm, 1)} → ${fmt(figures.rssMiB.end, 1)} MiB) | |`,
      `| handles left after stop() | ${figures.handlesAfterStop} (the process exited by itself) | 0 |`,
      `| collection, mean wall / CPU on the loop | ${fmt(figures.collectionMs, 2)} / ${fmt(figures.blockingCpuMsPerCollection, 2)} ms | |`,
      '',
      pass ? 'All bounds held.' : '**A bound was exceeded** (see benchmarks/soak/results.json).',
    ].join('\n'));
  }
  process.exit(pass ? 0 : 1);
})().catch((error) => { console.error(error); process.exit(1); });
