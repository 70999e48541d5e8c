'use strict';
// allocscope run --native / top --native on examples/native-buffers.js: the capture
// holds the native profile next to the heap profile, and the reports name the
// example's own functions (500 cached uploads of 64 KiB = 31.25 MiB held).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { spawnSync } = require('node:child_process');
const { Profile: PprofProfile } = require('pprof-format');
const { ROOT, runCli } = require('./helpers');

const EXAMPLE = path.join(ROOT, 'examples', 'native-buffers.js');
const HELD = 500 * 64 * 1024;

test('run --native: the capture has a native profile; live, the cached uploads are handleUpload\'s (±15 %); text and JSON reports show it', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-native-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'native.allocscope');
  const run = runCli(['run', '--native', '--mode', 'live', '--interval', '16k', '-o', out, EXAMPLE]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /top native sites:\n\s+[\d.]+ %\s+[\d.]+ MiB\s+handleUpload \(examples\/native-buffers\.js:\d+:\d+\)/);
  const json = JSON.parse(runCli(['report', out, '--format', 'json']).stdout);
  assert.ok(json.nativeProfile, 'the JSON report has the native section');
  const top = json.nativeProfile.top[0];
  assert.equal(top.frame.function, 'handleUpload');
  assert.ok(Math.abs(top.bytes - HELD) <= 0.15 * HELD, `handleUpload holds ${top.bytes} of ${HELD}`);
  const text = runCli(['report', out]).stdout;
  assert.match(text, /Native memory by site \(live \(in use\): malloc & co\., every thread\)/);
  assert.match(text, /handleUpload \(examples\/native-buffers\.js/);
  // The heap profile is still there.
  assert.ok(json.profile && json.profile.totals.bytes > 0);

  // report --native: the native profile in every format; pprof with its own sample types.
  const nativeText = runCli(['report', out, '--native', '--top', '5']).stdout;
  assert.match(nativeText, /Native memory by site[\s\S]*handleUpload/);
  const pb = path.join(dir, 'native.pb.gz');
  const r = runCli(['report', out, '--native', '--format', 'pprof', '-o', pb]);
  assert.equal(r.status, 0, r.stderr);
  const p = PprofProfile.decode(zlib.gunzipSync(fs.readFileSync(pb)));
  const s = (i) => p.stringTable.strings[Number(i)];
  assert.deepEqual(p.sampleType.map((t) => s(t.type)), ['native_inuse_objects', 'native_inuse_space']);
  // Go's pprof reads it: handleUpload holds the most (cumulative), its frames are there.
  const home = fs.mkdtempSync(path.join(dir, 'go-'));
  const go = spawnSync('go', ['tool', 'pprof', '-top', '-cum', '-sample_index=native_inuse_space', pb], {
    encoding: 'utf8', timeout: 60_000,
    env: { ...process.env, HOME: home, GOPATH: path.join(home, 'gopath'), GOCACHE: path.join(home, 'cache'), GOFLAGS: '-mod=mod', GOPROXY: 'off', GOTOOLCHAIN: 'local' },
  });
  assert.equal(go.status, 0, go.stderr);
  assert.match(go.stdout, /handleUpload/);
  assert.match(go.stdout, /\[native\] malloc/);
});

test('report --native on a capture without a native profile: one line, exit 2', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-native-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'heap.allocscope');
  assert.equal(runCli(['run', '-q', '-o', out, EXAMPLE, '10']).status, 0);
  const r = runCli(['report', out, '--native']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--native: .* has no native profile \(record one with allocscope run --native\)/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});

test('run without --native: no native section; --native with --continuous is a usage error', () => {
  const r = runCli(['run', '--native', '--continuous', EXAMPLE]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--native" does not apply to --continuous/);
});

test('top --native: the example\'s functions by native bytes allocated; --depth over 256 is a usage error', () => {
  const r = runCli(['top', '--native', '--interval', '16k', '--json', EXAMPLE, '400']);
  assert.equal(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
  const names = rows.map((row) => row.frame.function);
  for (const f of ['handleUpload', 'compressResponse']) assert.ok(names.includes(f), `${f} in ${names.join(', ')}`);
  // 400 rounds: 400 uploads of 64 KiB allocated (allocated mode), zlib's state for 400 streams.
  const upload = rows.find((row) => row.frame.function === 'handleUpload');
  assert.ok(upload.bytes > 0.85 * 400 * 64 * 1024, `handleUpload allocated ${upload.bytes}`);
  const deep = runCli(['top', '--native', '--depth', '300', EXAMPLE]);
  assert.equal(deep.status, 2);
  assert.match(deep.stderr, /at most 256 with --native/);
});
