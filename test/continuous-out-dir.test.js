'use strict';
// The file exporter's directory (issue 16, item 10): Node's recursive mkdir loops
// forever under procfs, so ALLOCSCOPE_OUT_DIR=/proc/x hung the service at start.
// A bad directory is one coded line, at once, and the program runs on unprofiled.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { DIST, runNode } = require('./helpers');

const register = path.join(DIST, 'continuous', 'register.js');
const app = `let n = 0; const t = setInterval(() => { if (++n === 10) { clearInterval(t); console.log('app done'); } }, 5);`;

test('ALLOCSCOPE_OUT_DIR=/proc/x: the exporter refuses it at once (one plain mkdir per level, none recursive), with one coded line, and the app runs on', { skip: !fs.existsSync('/proc/self') && 'no procfs' }, () => {
  // The constructor alone: the hang was in it, in Node's recursive mkdir. Its work is counted, not
  // timed (a time bound is what load moves): the file-system calls it makes; the 20 s deadline
  // catches a hang.
  const counted = runNode({ code: `
    const fs = require('node:fs');
    const calls = { mkdir: [], stat: 0 };
    const { mkdirSync, statSync } = fs;
    fs.mkdirSync = function (p, options) { calls.mkdir.push({ path: String(p), recursive: Boolean(options?.recursive) }); return mkdirSync.apply(this, arguments); };
    fs.statSync = function () { calls.stat++; return statSync.apply(this, arguments); };
    const { FileExporter } = require(process.env.ALLOCSCOPE_DIST + '/continuous/file-exporter');
    let code;
    try { new FileExporter({ dir: '/proc/x' }, 'svc'); } catch (e) { code = e.code; }
    fs.mkdirSync = mkdirSync; fs.statSync = statSync;
    console.log(JSON.stringify({ calls, code }));`, timeoutMs: 20_000 });
  assert.equal(counted.signal, null, 'no hang');
  const { calls, code } = JSON.parse(counted.stdout);
  assert.equal(code, 'ERR_ALLOCSCOPE_OUTPUT');
  // /proc/x: stat /proc/x (missing), stat /proc (a directory), mkdir /proc/x (ENOENT): done.
  assert.deepEqual(calls.mkdir, [{ path: '/proc/x', recursive: false }], JSON.stringify(calls));
  assert.ok(calls.stat <= 2, JSON.stringify(calls));

  const r = runNode({ code: app, nodeArgs: ['--require', register], env: { ALLOCSCOPE_OUT_DIR: '/proc/x' }, timeoutMs: 20_000 });
  assert.equal(r.signal, null, 'no hang');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'app done');
  assert.match(r.stderr, /^allocscope: continuous profiling is off: ERR_ALLOCSCOPE_OUTPUT: continuous file exporter: cannot write to directory \/proc\/x: ENOENT\n$/);
});

test('makeDirectory makes missing levels one by one, accepts an existing directory, and refuses a file on the way', () => {
  const { makeDirectory } = require(path.join(DIST, 'core', 'make-directory'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-out-dir-'));
  try {
    const deep = path.join(dir, 'a', 'b', 'c');
    makeDirectory(deep);
    assert.ok(fs.statSync(deep).isDirectory());
    makeDirectory(deep);
    fs.writeFileSync(path.join(dir, 'file'), '');
    assert.throws(() => makeDirectory(path.join(dir, 'file')), /file is not a directory/);
    assert.throws(() => makeDirectory(path.join(dir, 'file', 'x')), { code: 'ENOTDIR' });
    assert.throws(() => makeDirectory(path.join(dir, ...new Array(65).fill('d'))), /more than 64 levels .* are missing/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
