'use strict';
// Temporary files of atomic writes (captures, reports, the continuous file
// exporter): unpredictable names, created only where nothing is (O_EXCL), never
// through a symlink; and targets that are not regular files are refused.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { DIST } = require('./helpers');

const tempFile = require(path.join(DIST, 'core', 'temp-file'));
const { writeFileAtomic } = require(path.join(DIST, 'capture', 'file'));
const { FileExporter } = require(path.join(DIST, 'continuous', 'file-exporter'));

let dir;
test.beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-tmp-')); });
test.afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * Plants, at the temporary name the next write will use, a symlink to a file
 * `victim` (what an attacker who could predict the name would do), and runs `write`.
 */
async function withPlantedLink(write) {
  const victim = path.join(dir, 'victim');
  fs.writeFileSync(victim, 'precious');
  const real = tempFile.tempPathBeside;
  let planted;
  tempFile.tempPathBeside = (file) => {
    planted = real(file);
    fs.symlinkSync(victim, planted);
    return planted;
  };
  try {
    await write();
  } finally {
    tempFile.tempPathBeside = real;
  }
  return { victim, planted };
}

test('temporary names are unpredictable: random, not the pid or the time, different each time', () => {
  const file = path.join(dir, 'c.allocscope');
  const names = new Set(Array.from({ length: 100 }, () => path.basename(tempFile.tempPathBeside(file))));
  assert.equal(names.size, 100);
  const digits = new Map();
  for (const name of names) {
    assert.match(name, /^\.c\.allocscope\.[0-9a-f]{16}\.tmp$/);
    const random = name.split('.')[3];
    // Not the pid (decimal or hex) nor the time. Checked for equality, not as a
    // substring: 16 random hex digits hold a given 4-digit pid in ~2 % of 100 names.
    for (const derived of [String(process.pid), process.pid.toString(16), String(Date.now()), Date.now().toString(16)]) {
      assert.ok(!random.startsWith(derived.padStart(16, '0').slice(0, 10)), `${random} looks derived from ${derived}`);
    }
    for (const d of random) digits.set(d, (digits.get(d) ?? 0) + 1);
  }
  // Uniform hex digits, as random bytes give (a pid or a clock would leave most digits
  // unused): 1,600 digits, 100 expected of each, sd ~9.7; 50..150 is over 5 sd.
  assert.equal(digits.size, 16, `digits used: ${[...digits.keys()].join('')}`);
  for (const [d, n] of digits) assert.ok(n > 50 && n < 150, `hex digit ${d} appears ${n} times in 1,600`);
});

test('writeFileAtomic: a symlink planted at the temporary name is not followed; the write fails with ERR_ALLOCSCOPE_OUTPUT', async () => {
  const target = path.join(dir, 'report.json');
  let error;
  const { victim, planted } = await withPlantedLink(() => {
    try { writeFileAtomic(target, 'payload'); } catch (e) { error = e; }
  });
  assert.equal(error?.code, 'ERR_ALLOCSCOPE_OUTPUT', String(error));
  assert.match(error.message, /^allocscope: cannot write .*report\.json: EEXIST/);
  assert.equal(fs.readFileSync(victim, 'utf8'), 'precious', 'the link\'s target is untouched');
  assert.ok(fs.lstatSync(planted).isSymbolicLink(), 'a file found at the temporary name is not removed');
  assert.ok(!fs.existsSync(target));
});

test('continuous file exporter: a symlink planted at the temporary name is not followed; the export counts a failure', async () => {
  const exporter = new FileExporter({ dir }, 'svc');
  const { victim, planted } = await withPlantedLink(async () => {
    exporter.export({ threadId: 0, untilMs: Date.now(), pprof: Buffer.from('profile bytes'), labels: {} });
    await exporter.close(5000);
  });
  assert.equal(fs.readFileSync(victim, 'utf8'), 'precious', 'the link\'s target is untouched');
  const s = exporter.stats();
  assert.equal(s.failures, 1);
  assert.equal(s.exported, 0);
  assert.match(s.lastError, /EEXIST/);
  // Without the planted link the same write goes through, with the permissions writeFileSync gives.
  exporter.export({ threadId: 0, untilMs: Date.now(), pprof: Buffer.from('profile bytes'), labels: {} });
  await exporter.close(5000);
  assert.equal(exporter.stats().exported, 1);
  const written = fs.readdirSync(dir).filter((n) => n.endsWith('.pb.gz'));
  assert.equal(written.length, 1);
  const umask = process.umask();
  assert.equal(fs.statSync(path.join(dir, written[0])).mode & 0o777, 0o666 & ~umask);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')), [path.basename(planted)], 'only the planted link, left alone');
});

test('continuous file exporter: a symlink planted at the old predictable name (.<name>.<pid>.tmp) is not followed', async () => {
  const victim = path.join(dir, 'victim');
  fs.writeFileSync(victim, 'precious');
  const untilMs = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
  fs.symlinkSync(victim, path.join(dir, `.svc-20260102T030405.006Z-t0-1.pb.gz.${process.pid}.tmp`));
  const exporter = new FileExporter({ dir }, 'svc');
  exporter.export({ threadId: 0, untilMs, pprof: Buffer.from('profile bytes'), labels: {} });
  await exporter.close(5000);
  assert.equal(exporter.stats().exported, 1);
  assert.equal(fs.readFileSync(victim, 'utf8'), 'precious');
  assert.equal(fs.readFileSync(path.join(dir, 'svc-20260102T030405.006Z-t0-1.pb.gz'), 'utf8'), 'profile bytes');
});

test('writeFileAtomic refuses targets that are not regular files, and leaves them as they were', () => {
  const link = path.join(dir, 'link');
  const victim = path.join(dir, 'victim');
  fs.writeFileSync(victim, 'precious');
  fs.symlinkSync(victim, link);
  const sub = path.join(dir, 'sub');
  fs.mkdirSync(sub);
  for (const [target, kind] of [[link, 'a symbolic link'], [sub, 'a directory'], ['/dev/full', 'a device']]) {
    assert.throws(() => writeFileAtomic(target, 'payload'), (e) => e.code === 'ERR_ALLOCSCOPE_OUTPUT' && e.message.includes(`it is ${kind}`), target);
  }
  assert.equal(fs.readFileSync(victim, 'utf8'), 'precious');
  assert.ok(fs.lstatSync(link).isSymbolicLink() && fs.statSync(sub).isDirectory() && fs.statSync('/dev/full').isCharacterDevice());
  // A regular file is replaced, as before.
  writeFileAtomic(victim, 'replaced');
  assert.equal(fs.readFileSync(victim, 'utf8'), 'replaced');
});
