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

test('ALLOCSCOPE_OUT_DIR=/proc/x: the exporter refuses it in well under 2 s, with one coded line, and the app runs on', { skip: !fs.existsSync('/proc/self') && 'no procfs' }, () => {
  // The constructor alone, timed in the child: the hang was in it.
  const timed = runNode({ code: `
    const { FileExporter } = require(process.env.ALLOCSCOPE_DIST + '/continuous/file-exporter');
    const t0 = performance.now();
    let code;
    try { new FileExporter({ dir: '/proc/x' }, 'svc'); } catch (e) { code = e.code; }
    console.log(JSON.stringify({ ms: performance.now() - t0, code }));`, timeoutMs: 20_000 });
  assert.equal(timed.signal, null, 'no hang');
  const { ms, code } = JSON.parse(timed.stdout);
  assert.equal(code, 'ERR_ALLOCSCOPE_OUTPUT');
  assert.ok(ms < 2000, `${ms} ms`);

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
