'use strict';
// Continuous mode over many cycles with workers coming and going (a shortened
// form of benchmarks/soak): memory flat, no handles left, the process exits by
// itself after stop(). Also: a worker shorter than a period still reports.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startReceiver, runNodeAsync, hostWithBaseline, rssMarginMiB } = require('./continuous-helpers');

const MiB = 1024 * 1024;

test('GIVEN 20 ms periods, a file and an http exporter, and workers started and ended all the time WHEN ~200 cycles run THEN the heap stays flat, RSS grows no more than the same churn without allocscope (plus a margin), and nothing is left after stop()', { timeout: 360_000 }, async (t) => {
  const receiver = await startReceiver();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-soak-'));
  try {
    const config = {
      options: { periodMs: 20, exporters: [{ type: 'http', url: receiver.url }, { type: 'file', dir, maxFiles: 20 }] },
      // A worker every 5 cycles (100 ms at full speed), not every 100 ms of wall time: on a loaded
      // machine the latter churned 10x the workers in the same cycles (397), and what newer V8s
      // keep of ended workers' isolates grows with their number (docs/production.md, "Soak").
      collections: 200, warmupCollections: 50, workers: { everyCollections: 5, lifeMs: 300 },
    };
    const run = await hostWithBaseline(config);
    const rep = run.report;
    t.diagnostic(run.figures);
    assert.ok(rep.stats.collections >= 200, `main-thread collections: ${rep.stats.collections}`);
    assert.ok(rep.workersStarted >= 20 && rep.workersExited === rep.workersStarted, `${rep.workersStarted} workers, ${rep.workersExited} ended`);
    assert.ok(rep.stats.workerCollections >= 20, `worker collections: ${rep.stats.workerCollections}`);
    const threads = new Set(receiver.requests.map((q) => q.labels.thread_id));
    assert.ok(threads.size >= 10, `${threads.size} distinct threads reached the backend`);
    assert.ok(receiver.requests.every((q) => !q.error));
    // Bounds (docs/production.md, "Soak"): after warm-up, heap after a full GC within 4 MiB; RSS, read with no
    // worker alive, within a per-major margin of the growth of the same churn without allocscope (fresh process).
    assert.ok(rep.end.heapBytes - rep.warm.heapBytes < 4 * MiB, `heap after GC grew ${((rep.end.heapBytes - rep.warm.heapBytes) / MiB).toFixed(2)} MiB`);
    // Under the sanitizer lane RSS holds ASan's 256 MiB quarantine of freed memory: only the heap bound means anything there.
    if (!process.env.ALLOCSCOPE_SANITIZER) assert.ok(run.excessMiB < rssMarginMiB(), run.figures);
    assert.equal(rep.handlesAfter, 0, `handles left after stop(): ${rep.handleTypes}`);
    assert.ok(fs.readdirSync(dir).length <= 20);
  } finally {
    await receiver.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('GIVEN a 60 s period WHEN one worker ends by itself and another is terminated THEN the first one\'s profile still arrives and the second costs nothing but its period', async () => {
  const receiver = await startReceiver();
  try {
    const code = `
      const { continuous } = require(process.env.ALLOCSCOPE_DIST);
      const { Worker } = require('node:worker_threads');
      const session = continuous.start({ periodMs: 60000, exporters: [{ type: 'http', url: ${JSON.stringify(receiver.url)} }] });
      const body = (exit) => \`
        const { continuous } = require(process.env.ALLOCSCOPE_DIST);
        continuous.start({ periodMs: 60000 });
        const keep = []; function shortLived() { for (let i = 0; i < 200000; i++) keep.push({ i, j: i }); }
        shortLived();
        \${exit ? 'setTimeout(() => {}, 50);' : 'setInterval(() => {}, 1000);'}
      \`;
      const ends = new Worker(body(true), { eval: true });
      const killed = new Worker(body(false), { eval: true });
      const ids = { ends: ends.threadId, killed: killed.threadId };
      ends.on('exit', () => setTimeout(async () => {
        await killed.terminate();
        await new Promise((r) => setTimeout(r, 100));
        await session.stop();
        console.log(JSON.stringify({ ids, stats: session.stats() }));
      }, 100));
    `;
    const r = await runNodeAsync({ code, timeoutMs: 60_000 });
    assert.equal(r.status, 0, `exited ${r.status} ${r.signal}\n${r.stderr}`);
    const byThread = (id) => receiver.requests.filter((q) => q.labels.thread_id === String(id));
    const fromEnded = byThread(r.json.ids.ends);
    assert.equal(fromEnded.length, 1, 'the worker that ended by itself handed over its partial period');
    assert.ok(fromEnded[0].profile.samples.some((x) => x.stack.includes('shortLived')));
    assert.equal(byThread(r.json.ids.killed).length, 0, 'a terminated worker loses its current period, nothing more');
    assert.equal(byThread(0).length, 1, 'the main thread\'s last partial period at stop()');
  } finally {
    await receiver.close();
  }
});
