'use strict';
// `run -o` and `report -o` against hostile or failing outputs: repeated signals
// while the capture is written, paths that are not regular files or cannot be
// written, a full disk at exit, and a capture left by an earlier run.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { runCli, ROOT, CLI, DIST } = require('./helpers');

const { readCapture } = require(path.join(DIST, 'capture', 'file'));

const MANY_SITES = path.join(ROOT, 'test', 'fixtures', 'many-sites.js');
let dir;
let program; // writes a marker file when it runs, allocates a little, exits 0
let marker;

test.before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-output-'));
  fs.chmodSync(dir, 0o755); // the unprivileged run below reads the program from here
  marker = path.join(dir, 'ran');
  program = path.join(dir, 'prog.js');
  fs.writeFileSync(program, `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x');
    const keep = []; for (let i = 0; i < 200000; i++) keep.push({ i, s: 'v' + i }); console.log(keep.length);\n`);
});
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

const tmpFilesIn = (d) => fs.readdirSync(d).filter((n) => n.endsWith('.tmp'));
/** One line on stderr, no stack trace. */
function assertOneLine(stderr, pattern) {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
}

/**
 * Runs many-sites.js under `run` and sends `signal` once the program is busy; the
 * program's own watcher thread sends it again as soon as the capture's temporary
 * file appears (so the second one lands while the capture is being written) and
 * says so on stdout. Resolves with what happened.
 */
function signalTwiceWhileWriting(signal, toGroup) {
  const out = fs.mkdtempSync(path.join(dir, 'signals-'));
  const file = path.join(out, 'c.allocscope');
  // Ctrl-C reaches the whole process group; a supervisor signals the CLI, which passes it on.
  const env = { ...process.env, SECOND_SIGNAL: `${signal}:${toGroup ? 'group' : 'parent'}`, CAPTURE_DIR: out };
  const child = spawn(process.execPath, [CLI, 'run', '--interval', '1k', '-o', file, MANY_SITES], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve) => {
    let sent = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (sent || !/ready/.test(stdout)) return;
      sent = true;
      if (toGroup) process.kill(-child.pid, signal);
      else child.kill(signal);
    });
    // 'close': after the pipes are drained too (the watcher's line may come just before the exit).
    child.on('close', (status, sig) => resolve({ status, signal: sig, stderr, sawTmp: stdout.includes(`second ${signal} while writing`), file, out }));
  });
}

for (const [signal, toGroup, status] of [['SIGINT', true, 130], ['SIGTERM', false, 143]]) {
  test(`run: a second ${signal} while the capture is being written does not lose it (${toGroup ? 'process group' : 'sent to allocscope'})`, async () => {
    const r = await signalTwiceWhileWriting(signal, toGroup);
    assert.ok(r.sawTmp, 'the second signal was sent while the capture was being written');
    assert.equal(r.status, status, r.stderr);
    assert.match(r.stderr, /^allocscope: wrote .*c\.allocscope/m);
    const capture = readCapture(r.file);
    assert.equal(capture.meta.reason, signal);
    assert.deepEqual(tmpFilesIn(r.out), [], 'no temporary file left');
  });
}

test('run -o: a directory, a FIFO, a device, a symlink or a path under a file is refused before the program runs', () => {
  const fifo = path.join(dir, 'fifo');
  spawnSync('mkfifo', [fifo]);
  const link = path.join(dir, 'link.allocscope');
  const linked = path.join(dir, 'linked.allocscope');
  fs.writeFileSync(linked, 'keep me');
  fs.symlinkSync(linked, link);
  const cases = [
    [dir, /it is a directory/],
    [fifo, /it is a FIFO/],
    ['/dev/full', /it is a device/],
    [link, /it is a symbolic link/],
    [path.join(program, 'x.allocscope'), /.*prog\.js is not a directory/],
  ];
  for (const [out, why] of cases) {
    const r = runCli(['run', '-o', out, program]);
    assert.equal(r.status, 2, `${out}: ${r.stderr}`);
    assertOneLine(r.stderr, new RegExp(`^allocscope: run: cannot write ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${why.source}`));
    assert.ok(!fs.existsSync(marker), `${out}: the program did not run`);
  }
  assert.ok(fs.lstatSync(fifo).isFIFO() && fs.statSync('/dev/full').isCharacterDevice(), 'special files stay what they were');
  assert.equal(fs.readlinkSync(link), linked);
  assert.equal(fs.readFileSync(linked, 'utf8'), 'keep me');
});

test('run -o: a directory the user cannot create files in is refused before the program runs', (t) => {
  // Root ignores permission bits: the check then runs as "nobody", as a user would.
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const readOnly = path.join(dir, 'read-only');
  fs.mkdirSync(readOnly, { mode: 0o555 });
  fs.chmodSync(readOnly, 0o555);
  const out = path.join(readOnly, 'x.allocscope');
  const r = spawnSync(process.execPath, [CLI, 'run', '-o', out, program], { encoding: 'utf8', ...asUser });
  if (r.error) return t.skip(`cannot run as an unprivileged user here: ${r.error.message}`);
  assert.equal(r.status, 2, r.stderr);
  assertOneLine(r.stderr, /^allocscope: run: cannot write .*read-only\/x\.allocscope: cannot create files in .*read-only \(EACCES\)$/);
  assert.ok(!fs.existsSync(marker), 'the program did not run');
});

test('report -o: a symlink (to /proc/self/fd/1 or to a file) is refused and left as it was', () => {
  const capture = path.join(dir, 'small.allocscope');
  assert.equal(runCli(['run', '-q', '-o', capture, program]).status, 0);
  fs.rmSync(marker, { force: true });
  const toStdout = path.join(dir, 'stdout-link');
  fs.symlinkSync('/proc/self/fd/1', toStdout);
  const r = runCli(['report', capture, '--format', 'json', '-o', toStdout]);
  assert.equal(r.status, 2, r.stderr);
  assertOneLine(r.stderr, /^allocscope: report: cannot write .*stdout-link: it is a symbolic link \(an output must be a regular file or a new path\)$/);
  assert.equal(r.stdout, '');
  assert.ok(fs.lstatSync(toStdout).isSymbolicLink());
  assert.equal(fs.readlinkSync(toStdout), '/proc/self/fd/1');
});

test('run: a file size limit at exit (EFBIG) keeps the exit code 0, says the capture was not written in one line, keeps the earlier capture', () => {
  const out = path.join(dir, 'limited.allocscope');
  fs.writeFileSync(out, 'an earlier capture');
  // RLIMIT_FSIZE of 8 blocks: the capture's write fails in the kernel (Node ignores SIGXFSZ).
  const r = spawnSync('sh', ['-c', 'ulimit -f 8 && exec "$0" "$@"', process.execPath, CLI, 'run', '-o', out, program], { encoding: 'utf8' });
  assert.equal(r.status, 0, `the program's exit code: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  assert.match(r.stderr, /^allocscope: the capture could not be written: cannot write .*limited\.allocscope: EFBIG: file too large, write$/m);
  assert.match(r.stderr, /^allocscope: run: no capture of this run was written \(.*prog\.js ended: exit code 0\); .*limited\.allocscope is from an earlier run, left as it was$/m);
  assert.doesNotMatch(r.stderr, /wrote/);
  assert.equal(fs.readFileSync(out, 'utf8'), 'an earlier capture');
  assert.deepEqual(tmpFilesIn(dir), []);
});

/** `sh -c script` with a full 64 KiB tmpfs at $FULL (a file fills it), in a user + mount namespace; null if that is not possible here. */
function withTinyTmpfs(script, args) {
  const full = fs.mkdtempSync(path.join(dir, 'full-'));
  const r = spawnSync('unshare', ['-rm', 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs "$FULL" || exit 99\ncat /dev/zero > "$FULL/filler" 2>/dev/null\n${script}`, 'sh', ...args], { encoding: 'utf8', env: { ...process.env, FULL: full } });
  return r.error || r.status === 99 ? null : r;
}

test('a full disk (ENOSPC, a 64 KiB tmpfs): run keeps the exit code and says so in one line; report fails with one line, exit 2', (t) => {
  const capture = path.join(dir, 'small-for-full.allocscope');
  assert.equal(runCli(['run', '-q', '-o', capture, program]).status, 0);
  const r = withTinyTmpfs(`
    "$1" "$2" run -o "$FULL/c.allocscope" "$3"; echo "run=$?"
    "$1" "$2" report "$4" --format json -o "$FULL/r.json"; echo "report=$?"
    ls -A "$FULL" | sed 's/^/left: /'`, [process.execPath, CLI, program, capture]);
  if (!r) return t.skip('no user namespaces here (unshare -rm): the EFBIG test covers the write path');
  assert.match(r.stdout, /^run=0$/m, r.stderr);
  assert.match(r.stdout, /^report=2$/m, r.stderr);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  assert.match(r.stderr, /^allocscope: the capture could not be written: cannot write .*c\.allocscope: ENOSPC: no space left on device, write$/m);
  assert.match(r.stderr, /^allocscope: run: no capture of this run was written \(.*prog\.js ended: exit code 0\)$/m);
  assert.match(r.stderr, /^allocscope: cannot write .*r\.json: ENOSPC: no space left on device, write$/m);
  assert.deepEqual(r.stdout.split('\n').filter((l) => l.startsWith('left: ')), ['left: filler'], 'nothing left on the full disk');
});

test('run: a capture left by an earlier run is not reported as this one\'s when the program is SIGKILLed', () => {
  const out = path.join(dir, 'prev.allocscope');
  assert.equal(runCli(['run', '-q', '-o', out, program]).status, 0);
  const before = fs.readFileSync(out);
  const killed = path.join(dir, 'killed.js');
  fs.writeFileSync(killed, "process.kill(process.pid, 'SIGKILL');\n");
  const r = runCli(['run', '-o', out, killed]);
  assert.equal(r.status, 137, r.stderr);
  assert.doesNotMatch(r.stderr, /wrote|top sites/);
  assertOneLine(r.stderr, /^allocscope: run: no capture of this run was written \(.*killed\.js ended: SIGKILL\); .*prev\.allocscope is from an earlier run, left as it was$/);
  assert.deepEqual(fs.readFileSync(out), before, 'the earlier capture is kept as it was');
});
