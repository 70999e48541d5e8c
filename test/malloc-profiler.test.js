'use strict';
// malloc.start()/profile()/stop(): native allocations sampled through the patched
// GOT, checked against known volumes: Buffers held and dropped, zlib's freed state,
// OpenSSL's scrypt area on a threadpool thread, and an addon of our own loaded
// after start. Then lifecycle: misuse, workers, restarts under load, teardown.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { runNodeJson, runNode, runCli } = require('./helpers');

const WORKLOADS = path.join(__dirname, 'fixtures', 'malloc-workloads.js');
const workload = (name, args = []) => runNodeJson({ file: WORKLOADS, args: [name, ...args], nodeArgs: ['--expose-gc'] }).json;
const within = (actual, expected, relative) => Math.abs(actual - expected) <= relative * expected;

test('live mode: 600 Buffers of 64 KiB held are found (±15 %) at the array buffer allocator, 600 dropped ones are not', () => {
  const r = workload('buffers-live');
  assert.ok(within(r.buffers.bytes, r.truth, 0.15), `held ${r.buffers.bytes} vs ${r.truth}: ${JSON.stringify(r)}`);
  assert.ok(within(r.buffers.count, 600, 0.15), `blocks ${r.buffers.count}: ${JSON.stringify(r)}`);
  assert.ok(r.total < 1.15 * r.truth, `the dropped Buffers are gone from the live profile: ${JSON.stringify(r)}`);
  assert.equal(r.figures.liveDropped, 0);
  assert.ok(r.figures.slots > 0);
});

test('allocated mode: 600 Buffers of 64 KiB allocated and dropped are all counted (±15 %)', () => {
  const r = workload('buffers-allocated');
  assert.ok(within(r.buffers.bytes, r.truth, 0.15), JSON.stringify(r));
});

test('zlib churn: deflate state counted in allocated mode under node\'s internal ZlibContext::InitZlib, absent from the live profile once freed', () => {
  const r = workload('zlib');
  // 100 deflate streams of ~270 KiB each (window, hash chains, pending buffer).
  assert.ok(r.allocated > 20e6, `allocated ${r.allocated}`);
  assert.ok(r.live < 0.02 * r.allocated, `live ${r.live} of ${r.allocated}`);
  // Named through node's own symbol table, under the function that inits the stream.
  assert.ok(r.initZlib > 0.9 * r.allocated, JSON.stringify(r));
});

test('other threads: scrypt\'s 16 MiB areas, malloced by OpenSSL on the threadpool, under a [thread] root (±15 %)', () => {
  const r = workload('thread');
  assert.ok(within(r.otherThreads.bytes, r.truth, 0.15), JSON.stringify(r));
  assert.ok(within(r.scrypt.bytes, r.truth, 0.15), JSON.stringify(r));
  assert.ok(r.threads.length >= 1 && r.threads.every((t) => t.startsWith('[thread] ')), JSON.stringify(r.threads));
});

test('an addon loaded after start (dlopen hook): its mallocs are found by its function (±15 %) and forgotten when freed', (t) => {
  const include = path.join(path.dirname(process.execPath), '..', 'include', 'node');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-addon-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const addon = path.join(dir, 'malloc-test-addon.node');
  // With frame pointers, as the walk needs to get from the addon back to JS (an addon
  // built without them loses its JS callers: docs/native-memory.md).
  const cc = spawnSync('cc', ['-shared', '-fPIC', '-O1', '-fno-omit-frame-pointer', `-I${include}`, path.join(__dirname, 'fixtures', 'malloc-test-addon.c'), '-o', addon], { encoding: 'utf8' });
  assert.equal(cc.status, 0, `cc: ${cc.stderr}`);
  const r = workload('addon', [addon]);
  assert.ok(within(r.held.bytes, r.truth, 0.15), JSON.stringify(r));
  // The stack reads from the JS function that called the addon down to malloc.
  assert.ok(within(r.fromJs.bytes, r.truth, 0.15), JSON.stringify(r));
  const names = r.stack.map((f) => f.name);
  assert.equal(names[0], '[native] malloc', names.join(' <- '));
  assert.ok(names.indexOf('[native] allocscope_test_addon_malloc') < names.indexOf('callsTheAddon'), names.join(' <- '));
  const js = r.stack.find((f) => f.name === 'callsTheAddon');
  assert.equal(js.script, WORKLOADS);
  // Freed by another thread: forgotten all the same.
  assert.equal(r.freed.bytes, 0, JSON.stringify(r));
});

test('JS functions: Buffers held by three functions at 6:3:1, each within ±15 % of what it holds (live) and allocated', () => {
  const r = { ...workload('three-functions', ['live']), ...workload('three-functions', ['allocated']) };
  for (const mode of ['live', 'allocated']) {
    for (const f of ['sixParts', 'threeParts', 'onePart']) {
      assert.ok(within(r[mode][f], r.truth[f], 0.15), `${mode} ${f}: ${r[mode][f]} vs ${r.truth[f]}: ${JSON.stringify(r)}`);
    }
    assert.equal(r[mode].file.script, WORKLOADS);
    assert.ok(r[mode].file.line > 1, JSON.stringify(r[mode].file));
  }
  assert.ok(r.live.dropped < 0.05 * r.truth.sixParts, `dropped Buffers are not live: ${JSON.stringify(r.live)}`);
  assert.ok(within(r.allocated.dropped, 1000 * 64 * 1024, 0.15), `allocated mode counts them: ${JSON.stringify(r.allocated)}`);
});

test('the profiler\'s own work is not the program\'s: what V8 mallocs in a GC allocscope forces (a live capture, gcFirst) has no allocscope frame', () => {
  // A live capture forces full GCs (LowMemoryNotification) for a live set close to the
  // truth; V8 mallocs and keeps its GC's own tables there. On Node 24 that read as a
  // site "[native] allocscope::…CollectGarbageBinding" holding a few MiB at exit. And
  // operator new[] (libstdc++'s calls operator new through our hook) was named after
  // our own hook, "[native] HookNewArray", instead of its caller.
  const { json } = runNodeJson({ code: `
    const { malloc } = require(process.env.ALLOCSCOPE_DIST);
    const { collectGarbage } = require(process.env.ALLOCSCOPE_DIST + '/runtime/isolate');
    malloc.start({ mode: 'live', intervalBytes: 4096 });
    let keep = [];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 200000; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 100000) keep = []; }
      collectGarbage();
    }
    const p = malloc.profile();
    const { strings, frames, nodes } = p.data;
    const used = new Set();
    for (let n = 0; n < nodes.frame.length; n++) used.add(nodes.frame[n]);
    const ours = [...used].map((f) => strings[frames.name[f]]).filter((name) => /^\\[native\\] (allocscope[:.]|Hook[A-Z])/.test(name));
    malloc.stop();
    console.log(JSON.stringify({ ours, total: p.totals().bytes }));
  ` });
  assert.ok(json.total > 0, 'the workload was sampled');
  assert.deepEqual(json.ours, [], 'no stack passes through allocscope\'s own native code');
});

test('misuse: clear errors with codes', () => {
  const { json } = runNodeJson({
    code: `
      const { malloc } = require(process.env.ALLOCSCOPE_DIST);
      const code = (f) => { try { f(); return 'no error'; } catch (e) { return e.code + ': ' + e.message; } };
      const out = {
        notStarted: code(() => malloc.profile()),
        stopIdle: malloc.stop(),
        badMode: code(() => malloc.start({ mode: 'peak' })),
        badInterval: code(() => malloc.start({ intervalBytes: 0 })),
        badDepth: code(() => malloc.start({ stackDepth: 257 })),
        unknown: code(() => malloc.start({ interval: 5 })),
      };
      malloc.start();
      out.twice = code(() => malloc.start());
      out.running = malloc.isRunning();
      out.stop = malloc.stop();
      out.after = code(() => malloc.profile());
      console.log(JSON.stringify(out));`,
  });
  assert.match(json.notStarted, /^ERR_ALLOCSCOPE_NOT_STARTED: allocscope: malloc\.profile\(\) needs malloc\.start\(\) first/);
  assert.equal(json.stopIdle, false);
  assert.match(json.badMode, /^ERR_ALLOCSCOPE_INVALID_OPTION: .*mode/);
  assert.match(json.badInterval, /^ERR_ALLOCSCOPE_INVALID_OPTION: .*intervalBytes/);
  assert.match(json.badDepth, /^ERR_ALLOCSCOPE_INVALID_OPTION: .*stackDepth/);
  assert.match(json.unknown, /^ERR_ALLOCSCOPE_UNKNOWN_OPTION: .*interval/);
  assert.match(json.twice, /^ERR_ALLOCSCOPE_ALREADY_STARTED/);
  assert.equal(json.running, true);
  assert.equal(json.stop, true);
  assert.match(json.after, /^ERR_ALLOCSCOPE_NOT_STARTED/);
});

test('one profiler per process: a worker cannot start it while the main thread runs it; a worker that exits without stop() releases it', () => {
  const { json } = runNodeJson({
    code: `
      const { Worker } = require('node:worker_threads');
      const { malloc } = require(process.env.ALLOCSCOPE_DIST);
      // The worker's first message, and a promise of its exit.
      const inWorker = (src) => new Promise((resolve, reject) => {
        const w = new Worker('const { malloc } = require(process.env.ALLOCSCOPE_DIST); const { parentPort } = require("node:worker_threads");' + src, { eval: true });
        const exited = new Promise((r) => w.once('exit', r));
        w.once('message', (message) => resolve({ message, exited })); w.once('error', reject);
      });
      (async () => {
        malloc.start();
        const busy = (await inWorker('try { malloc.start(); parentPort.postMessage("started"); } catch (e) { parentPort.postMessage(e.code); }')).message;
        malloc.stop();
        // The worker starts it, allocates, and ends without stop(): its teardown releases the GOT.
        const { message: workerRun, exited } = await inWorker('malloc.start({ intervalBytes: 4096, mode: "allocated" }); const b = []; for (let i = 0; i < 100; i++) b.push(Buffer.allocUnsafeSlow(65536)); parentPort.postMessage(malloc.profile().totals().bytes);');
        await exited; // 'exit' comes after the worker's environment (and its cleanup hooks) was torn down
        malloc.start({ intervalBytes: 4096, mode: 'allocated' });
        const keep = []; for (let i = 0; i < 100; i++) keep.push(Buffer.allocUnsafeSlow(65536));
        const mainBytes = malloc.profile().totals().bytes;
        malloc.stop();
        console.log(JSON.stringify({ busy, workerRun, mainBytes }));
      })();`,
  });
  assert.equal(json.busy, 'ERR_ALLOCSCOPE_SAMPLER_BUSY');
  assert.ok(json.workerRun > 5e6, `the worker's own profile: ${json.workerRun}`);
  assert.ok(json.mainBytes > 5e6, `the main thread starts it again after the worker's teardown: ${json.mainBytes}`);
});

test('start/stop 30 times while a worker and the threadpool allocate: no crash, and the process ends cleanly', () => {
  const r = runNode({
    code: `
      const { Worker } = require('node:worker_threads');
      const zlib = require('node:zlib');
      const { malloc } = require(process.env.ALLOCSCOPE_DIST);
      const w = new Worker('const { parentPort } = require("node:worker_threads"); let stop = false; parentPort.on("message", () => { stop = true; }); (function spin() { for (let i = 0; i < 200; i++) Buffer.allocUnsafeSlow(4096 + i); if (!stop) setImmediate(spin); else parentPort.close(); })();', { eval: true });
      let pending = 0;
      const churn = setInterval(() => { if (pending < 4) { pending++; zlib.gzip(Buffer.alloc(100000, 1), () => pending--); } }, 1);
      (async () => {
        let samples = 0;
        for (let i = 0; i < 30; i++) {
          malloc.start({ intervalBytes: 8192, mode: i % 2 ? 'live' : 'allocated' });
          for (let k = 0; k < 50; k++) Buffer.allocUnsafeSlow(8192);
          await new Promise((r) => setTimeout(r, 5));
          samples += malloc.profile() && malloc.figures().samples;
          malloc.stop();
        }
        clearInterval(churn);
        w.postMessage('stop');
        console.log('samples', samples);
      })();`,
    timeoutMs: 120_000,
  });
  assert.equal(r.status, 0, r.stderr.slice(-3000));
  assert.match(r.stdout, /samples [1-9]\d*/);
});

test('exit while running, and fork + exec while running (libuv spawns with fork): no hang, no crash', () => {
  const r = runNode({
    code: `
      const { malloc } = require(process.env.ALLOCSCOPE_DIST);
      const { spawnSync } = require('node:child_process');
      malloc.start({ intervalBytes: 1024 });
      const keep = []; for (let i = 0; i < 100; i++) keep.push(Buffer.allocUnsafeSlow(10000));
      let ok = 0;
      for (let i = 0; i < 10; i++) ok += spawnSync('true').status === 0 ? 1 : 0;
      console.log('spawned', ok);
      process.exit(0);`,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /spawned 10/);
});

test('leaks.find({ native: true }): a function that keeps a 256 KiB Buffer per iteration is a native suspect (slope ±25 %); zlib churn is not', () => {
  const { json } = runNodeJson({
    code: `
      const zlib = require('node:zlib');
      const { leaks } = require(process.env.ALLOCSCOPE_DIST);
      const kept = [];
      function keepsBuffers() { kept.push(Buffer.allocUnsafeSlow(256 * 1024)); }
      function compresses() { zlib.gzipSync(Buffer.alloc(64 * 1024, 1)); }
      leaks.find(() => { keepsBuffers(); compresses(); }, { iterations: 12, native: true, snapshots: false }).then((r) => {
        const pick = (s) => ({ function: s.function, slope: s.slopeBytesPerIteration });
        console.log(JSON.stringify({ suspects: r.nativeSuspects.map(pick), others: r.nativeOthers.map(pick), points: r.nativeSampledLiveBytes.length, heap: r.suspects.map(pick) }));
      });`,
  });
  assert.equal(json.points, 13, JSON.stringify(json));
  const top = json.suspects[0];
  assert.equal(top?.function, 'keepsBuffers', JSON.stringify(json));
  assert.ok(Math.abs(top.slope - 262144) <= 0.25 * 262144, JSON.stringify(json));
  assert.ok(!json.suspects.some((s) => s.function === 'compresses'), JSON.stringify(json));
});

test('source maps: a native site in TypeScript is reported at its TypeScript line, as the heap profiler does', (t) => {
  const ts = require('typescript');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-native-srcmap-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const source = [
    'interface Upload { id: number; body: Buffer }',          // line 1
    'const kept: Upload[] = [];',                             // line 2
    '',                                                       // line 3
    'export function keepUploads(n: number): number {',       // line 4: the allocating function
    '  for (let i = 0; i < n; i++) kept.push({ id: i, body: Buffer.allocUnsafeSlow(65536) });',
    '  return kept.length;',
    '}',
  ].join('\n');
  const { outputText } = ts.transpileModule(source, { fileName: 'uploads.ts', compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, inlineSourceMap: true, inlineSources: true } });
  fs.writeFileSync(path.join(dir, 'uploads.js'), outputText);
  const { json } = runNodeJson({
    code: `
      const { malloc } = require(process.env.ALLOCSCOPE_DIST);
      const { keepUploads } = require(${JSON.stringify(path.join(dir, 'uploads.js'))});
      malloc.start({ intervalBytes: 16384, mode: 'live' });
      keepUploads(300);
      const row = malloc.profile().top(5).find((r) => r.frame.function === 'keepUploads');
      console.log(JSON.stringify(row && row.frame));`,
  });
  assert.ok(json, 'keepUploads is a native site');
  assert.equal(path.basename(json.file), 'uploads.ts');
  assert.equal(json.line, 4, JSON.stringify(json));
  assert.equal(path.basename(json.generated.file), 'uploads.js');
});

test('peak: malloc.peakProfile() holds Buffers built and dropped (±20 % of their bytes at the high), the end profile does not; run --native --mode live records it for report --native --at peak', (t) => {
  const r = runNodeJson({
    nodeArgs: ['--expose-gc'],
    code: `
      const { malloc } = require(process.env.ALLOCSCOPE_DIST);
      const codeOf = (f) => { try { f(); return 'no error'; } catch (e) { return e.code; } };
      const refused = codeOf(() => malloc.start({ mode: 'allocated', peak: true }));
      malloc.start({ mode: 'live', peak: true, intervalBytes: 64 * 1024 });
      const before = malloc.peakProfile();
      const held = [];
      function transientBuffers() { const a = []; for (let i = 0; i < 400; i++) a.push(Buffer.alloc(256 * 1024, 1)); held.push(a); }
      transientBuffers();
      held.length = 0; gc(); gc();
      const bytesOf = (p) => p.top(Infinity).filter((x) => x.frame?.function === 'transientBuffers').reduce((s, x) => s + x.bytes, 0);
      const peak = malloc.peakProfile();
      const out = { refused, before: before === null ? null : 'profile', atPeak: bytesOf(peak), peak: peak.peak, end: bytesOf(malloc.profile()), figures: malloc.figures() };
      malloc.stop();
      malloc.start({ mode: 'live' });
      out.withoutPeak = codeOf(() => malloc.peakProfile());
      malloc.stop();
      console.log(JSON.stringify(out));`,
  }).json;
  const truth = 400 * 256 * 1024;
  assert.equal(r.refused, 'ERR_ALLOCSCOPE_INVALID_OPTION');
  assert.ok(within(r.atPeak, truth, 0.2), JSON.stringify(r));
  // Node 24 sweeps ArrayBuffers concurrently: a few backing stores may outlive the GCs.
  assert.ok(r.end < 0.1 * truth, JSON.stringify(r));
  assert.ok(r.peak.usedBytes >= 0.8 * truth && r.peak.at > 0, JSON.stringify(r));
  assert.ok(r.figures.peak.copies >= 1 && r.figures.peak.costMs <= 0.01 * 1e3 * 60, JSON.stringify(r.figures));
  assert.equal(r.withoutPeak, 'ERR_ALLOCSCOPE_INVALID_OPTION');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-npeak-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const app = path.join(dir, 'app.js');
  fs.writeFileSync(app, 'function transientBuffers() { const a = []; for (let i = 0; i < 300; i++) a.push(Buffer.alloc(256 * 1024, 1)); return a.length; }\nmodule.exports = Array.from({ length: 40 }, () => Buffer.alloc(256 * 1024, 2));\ntransientBuffers();\n');
  const file = path.join(dir, 'n.allocscope');
  const run = runCli(['run', '--native', '--mode', 'live', '--interval', '64k', '-o', file, app]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /native at its peak, [\d.]+ s in: [\d.]+ MiB sampled live; top sites then:\n\s+[\d.]+ %\s+[\d.]+ MiB\s+transientBuffers /);
  const json = JSON.parse(runCli(['report', file, '--native', '--at', 'peak', '--format', 'json']).stdout);
  assert.match(json.profile.top[0].label, /^transientBuffers /);
  assert.equal(runCli(['report', file, '--native', '--at', '3']).status, 2);
});
