'use strict';
// The sampler's options have one owner (lib/sampler/options.ts): every layer that
// starts the sampler takes its defaults and rules from there. And `run --continuous`
// hands its options to the agent in the preload config, checked once in the CLI,
// each mistake named as the user typed it (flag or variable).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { DIST, runCli } = require('./helpers');

const { SAMPLER_DEFAULTS, SAMPLER_SCHEMA, resolveSamplerOptions } = require(`${DIST}/sampler/options.js`);
const { heap } = require(DIST);

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-sampler-options-'));

test('GIVEN no options THEN the sampler, continuous mode and the capture recorder use the one set of defaults; captures differ only in mode', () => {
  assert.deepEqual({ ...SAMPLER_DEFAULTS }, { intervalBytes: 512 * 1024, stackDepth: 64, mode: 'live', foldIntervalMs: 10_000 });
  assert.deepEqual(resolveSamplerOptions('x()', undefined), { ...SAMPLER_DEFAULTS });
  const { resolveContinuousOptions } = require(`${DIST}/continuous/options.js`);
  const c = resolveContinuousOptions({ exporters: [{ type: 'file', dir: tmp() }] });
  assert.deepEqual([c.mode, c.intervalBytes, c.stackDepth], [SAMPLER_DEFAULTS.mode, SAMPLER_DEFAULTS.intervalBytes, SAMPLER_DEFAULTS.stackDepth]);
  const { CaptureRecorder, RECORDER_DEFAULTS } = require(`${DIST}/agent/recorder.js`);
  assert.equal(RECORDER_DEFAULTS.mode, 'allocated');
  assert.equal(RECORDER_DEFAULTS.intervalBytes, SAMPLER_DEFAULTS.intervalBytes);
  assert.equal(RECORDER_DEFAULTS.stackDepth, SAMPLER_DEFAULTS.stackDepth);
  assert.equal(RECORDER_DEFAULTS.foldIntervalMs, SAMPLER_DEFAULTS.foldIntervalMs);
  assert.deepEqual(new CaptureRecorder().options, { ...RECORDER_DEFAULTS });
  // Checked options: defaults filled in, an undefined value means the default.
  assert.deepEqual(CaptureRecorder.withCheckedOptions({ intervalBytes: 4096, stackDepth: undefined }).options, { ...RECORDER_DEFAULTS, intervalBytes: 4096 });
  const { ENV_VARIABLES } = require(`${DIST}/continuous/env.js`);
  assert.match(ENV_VARIABLES.ALLOCSCOPE_INTERVAL_BYTES, new RegExp(`default ${SAMPLER_DEFAULTS.intervalBytes}\\)`));
  assert.match(ENV_VARIABLES.ALLOCSCOPE_STACK_DEPTH, new RegExp(`default ${SAMPLER_DEFAULTS.stackDepth}\\)`));
});

test('GIVEN a stack depth out of range WHEN any layer that starts the sampler gets it THEN each says so with the same limits, naming its own call', async () => {
  const limits = `an integer from ${SAMPLER_SCHEMA.stackDepth.min} to ${SAMPLER_SCHEMA.stackDepth.max}, got 2000`;
  const { CaptureRecorder } = require(`${DIST}/agent/recorder.js`);
  const { continuous, leaks } = require(DIST);
  const calls = [
    ['heap.start()', () => heap.start({ stackDepth: 2000 })],
    ['new CaptureRecorder()', () => new CaptureRecorder({ stackDepth: 2000 })],
    ['continuous.start()', () => continuous.start({ stackDepth: 2000, exporters: [{ type: 'file', dir: tmp() }] })],
  ];
  for (const [where, call] of calls) {
    assert.throws(call, (error) => {
      assert.equal(error.code, 'ERR_ALLOCSCOPE_INVALID_OPTION');
      assert.equal(error.message, `allocscope: ${where} option "stackDepth" must be ${limits}`);
      return true;
    }, where);
  }
  await assert.rejects(leaks.find(() => {}, { stackDepth: 2000 }), { code: 'ERR_ALLOCSCOPE_INVALID_OPTION', message: `allocscope: leaks.find() option "stackDepth" must be ${limits}` });
  assert.throws(() => leaks.captureNearHeapLimit({ intervalBytes: 0 }), { code: 'ERR_ALLOCSCOPE_INVALID_OPTION', message: /leaks\.captureNearHeapLimit\(\) option "intervalBytes" must be an integer from 1 to/ });
  assert.equal(heap.running, false, 'nothing was started');
});

test('GIVEN run and top THEN their help shows the sampler\'s defaults and out-of-range flags are usage errors with its limits', () => {
  const { RUN_HELP } = require(`${DIST}/cli/run.js`);
  const { TOP_HELP } = require(`${DIST}/cli/top.js`);
  for (const help of [RUN_HELP, TOP_HELP]) {
    assert.match(help, /--interval <n> +mean bytes between samples, e\.g\. 512k \(default\)/);
    assert.match(help, /--depth <n> +stack frames per sample, 1–1024 \(default 64\)/);
  }
  const script = path.join(__dirname, '..', 'examples', 'churn.js');
  for (const [args, expected] of [
    [['top', '--depth', '0', script], /^allocscope: top: option "--depth" must be an integer from 1 to 1024, got "0"\n$/],
    [['run', '--depth', '1025', script], /^allocscope: run: option "--depth" must be an integer from 1 to 1024, got "1025"\n$/],
    [['top', '--interval', '2048g', script], /^allocscope: top: option "--interval" must be at most 1099511627776 bytes, got "2048g"\n$/],
    [['run', '--mode', 'both', script], /^allocscope: run: option "--mode" must be one of live, allocated, got "both"\n$/],
  ]) {
    const r = runCli(args);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, expected);
  }
});

test('GIVEN run --continuous with a worker WHEN the program runs THEN both threads are profiled from the preload config, and the program sees no ALLOCSCOPE_* variable the flags would have set', () => {
  const dir = tmp();
  const script = path.join(dir, 'app.js');
  fs.writeFileSync(script, `
    const { Worker } = require('node:worker_threads');
    const keep = [];
    const worker = new Worker(\`
      const keep = []; let n = 0;
      const t = setInterval(() => { for (let i = 0; i < 500; i++) keep.push({ i }); if (++n === 40) clearInterval(t); }, 5);
    \`, { eval: true });
    let n = 0;
    const t = setInterval(() => { for (let i = 0; i < 500; i++) keep.push({ i }); if (++n === 40) clearInterval(t); }, 5);
    // Variables the test itself runs with (ALLOCSCOPE_ADDON, ALLOCSCOPE_SANITIZER in the ASan lane) are inherited, not set by the flags.
    const inherited = ${JSON.stringify(['ALLOCSCOPE_DIST', ...Object.keys(process.env).filter((k) => k.startsWith('ALLOCSCOPE_'))])};
    const seen = Object.keys(process.env).filter((k) => k.startsWith('ALLOCSCOPE_') && !inherited.includes(k));
    require('node:fs').writeFileSync(${JSON.stringify(path.join(dir, 'env.json'))}, JSON.stringify(seen));
    worker.on('exit', () => { process.exitCode = 4; });
  `);
  const out = path.join(dir, 'profiles');
  const r = runCli(['run', '--continuous', '--out-dir', out, '--period', '50', '--service', 'threads', script]);
  assert.equal(r.status, 4, r.stderr);
  assert.equal(r.stderr, '');
  const files = fs.readdirSync(out);
  assert.ok(files.some((n) => /^threads-.*-t0-\d+\.pb\.gz$/.test(n)), `main thread: ${files.join(' ')}`);
  assert.ok(files.some((n) => /^threads-.*-t1-\d+\.pb\.gz$/.test(n)), `worker: ${files.join(' ')}`);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'env.json'), 'utf8')), []);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('GIVEN run --continuous WHEN a setting has no flag THEN its ALLOCSCOPE_* variable still applies; a bad value is named as typed: the flag, or the variable', () => {
  const dir = tmp();
  const script = path.join(dir, 'app.js');
  fs.writeFileSync(script, `const keep = []; let n = 0; const t = setInterval(() => { for (let i = 0; i < 500; i++) keep.push({ i }); if (++n === 60) clearInterval(t); }, 5);`);
  const out = path.join(dir, 'profiles');
  const r = runCli(['run', '--continuous', '--out-dir', out, '--period', '20', '--service', 'kept', script], { env: { ALLOCSCOPE_OUT_MAX_FILES: '2' } });
  assert.equal(r.status, 0, r.stderr);
  const files = fs.readdirSync(out).filter((n) => n.endsWith('.pb.gz'));
  assert.equal(files.length, 2, `ALLOCSCOPE_OUT_MAX_FILES=2 keeps 2 files: ${files.join(' ')}`);
  for (const [args, env, expected] of [
    [['--mode', 'both'], {}, /^allocscope: run: --mode must be "live" or "allocated", got "both"\n$/],
    [['--labels', 'env'], {}, /^allocscope: run: --labels must be comma-separated name=value pairs/],
    [['--interval', '0'], {}, /^allocscope: run: option "--interval" must be a whole number of bytes ≥ 1/],
    [[], { ALLOCSCOPE_OUT_MAX_FILES: 'lots' }, /^allocscope: run: ALLOCSCOPE_OUT_MAX_FILES must be an integer from 1 to 1000000, got "lots"\n$/],
    [[], { ALLOCSCOPE_PERIOD: '50' }, /^allocscope: run: unknown environment variable ALLOCSCOPE_PERIOD \(did you mean ALLOCSCOPE_PERIOD_MS\?\)\n$/],
    // The flag takes the place of the variable: its bad value is not read.
    [['--period', '20'], { ALLOCSCOPE_PERIOD_MS: 'soon', ALLOCSCOPE_LABELS: 'env' }, /^allocscope: run: ALLOCSCOPE_LABELS must be comma-separated/],
  ]) {
    const bad = runCli(['run', '--continuous', '--out-dir', out, ...args, script], { env });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, expected);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
