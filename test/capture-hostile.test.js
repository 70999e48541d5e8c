'use strict';
// Damaged and hostile capture files (issue 16, items 7 and 8): each gives one
// coded line on stderr and exit status 2, quickly, in every format — never a
// stack trace, a hang (pprof's varint loop on Infinity) or gigabytes of memory
// (a gzip bomb).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { DIST, runCli, runNode } = require('./helpers');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-hostile-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A real live-mode capture with memory over time (moments with entries), as plain JSON. */
let base;
test.before(() => {
  const program = path.join(dir, 'grow.js');
  fs.writeFileSync(program, `
    const keep = [];
    for (let round = 0; round < 30; round++) { const a = []; for (let i = 0; i < 20000; i++) a.push({ round, i, s: 'x' + i }); keep.push(a); }
    keep.length = 0;`);
  const file = path.join(dir, 'base.allocscope');
  const r = runCli(['run', '--mode', 'live', '-o', file, program]);
  assert.equal(r.status, 0, r.stderr);
  const bytes = fs.readFileSync(file);
  base = JSON.parse((bytes[0] === 0x1f ? zlib.gunzipSync(bytes) : bytes).toString('utf8'));
  assert.ok(base.memoryOverTime && base.memoryOverTime.node.length > 0, 'the base capture has moments with entries');
});

/** Writes `text` as a capture file and reports it; returns the CLI's result and its wall time. */
function report(name, text, format = 'text', env = {}) {
  const file = path.join(dir, `${name}.allocscope`);
  fs.writeFileSync(file, text);
  const t0 = Date.now();
  const r = runCli(['report', file, '--format', format, '-o', path.join(dir, `out-${name}`)], { timeoutMs: 60_000, env });
  return { ...r, wallMs: Date.now() - t0 };
}

function assertOneCodedLine(r, pattern) {
  assert.equal(r.signal, null, 'not killed by the timeout (no hang)');
  // Seconds at most even on a loaded machine (the hangs were endless; a start of node takes ~0.1 s).
  if (r.wallMs !== undefined) assert.ok(r.wallMs < 30_000, `${r.wallMs} ms`);
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at |TypeError|RangeError/);
  assert.match(lines[0], pattern);
}

const edited = (edit) => { const c = structuredClone(base); edit(c); return JSON.stringify(c); };

const CASES = [
  // 1e309 overflows to Infinity in JSON.parse: pprof's varint loop never ended on it.
  { name: 'selfBytes 1e309', text: () => JSON.stringify(base).replace(/"selfBytes":\[[^,\]]+/, '"selfBytes":[1e309'), expect: /profile\.nodes\.selfBytes\[0\] is Infinity/ },
  { name: 'negative selfBytes', text: () => edited((c) => { c.profile.nodes.selfBytes[0] = -1e300; }), expect: /profile\.nodes\.selfBytes\[0\] is -1e\+300 \(must be a number ≥ 0\)/ },
  { name: 'profile.nodes = null', text: () => edited((c) => { c.profile.nodes = null; }), expect: /profile\.nodes must be an object, got null/ },
  { name: 'frame index out of range', text: () => edited((c) => { c.profile.nodes.frame[0] = 99999; }), expect: /profile\.nodes\.frame\[0\] is 99999 \(must be an index in \[0, \d+\)\)/ },
  { name: 'a parent after its child', text: () => edited((c) => { c.nativePeakProfile = structuredClone(c.profile); const parent = c.nativePeakProfile.nodes.parent; parent.push(parent.length + 1); for (const k of ['frame', 'selfBytes', 'selfCount']) c.nativePeakProfile.nodes[k].push(0); }), expect: /nativePeakProfile\.nodes\.parent\[(\d+)\] is \d+ \(a parent must precede its child: an index in \[0, \1\)\)/ },
  { name: 'columns of different lengths', text: () => edited((c) => { c.profile.nodes.selfCount.pop(); }), expect: /profile\.nodes\.selfCount has \d+ entries, profile\.nodes\.parent has \d+/ },
  { name: 'a frame name that is not a string', text: () => edited((c) => { c.profile.strings[1] = 7; }), expect: /profile\.strings\[1\] must be a string, got 7/ },
  { name: '200,000-deep meta nesting', text: () => JSON.stringify(base).replace('"meta":{', `"meta":{"deep":${'['.repeat(200_000)}${']'.repeat(200_000)},`), expect: /meta\.deep\[0\]\[0\]… nests deeper than 64 levels|nested too deeply/ },
  { name: 'moments offsets decreasing', text: () => edited((c) => { const o = c.memoryOverTime.offset; o[o.length - 2] = o[o.length - 1] + 1; }), expect: /memoryOverTime\.offset\[\d+\] is \d+ \(offsets must not decrease and must stay within/ },
  { name: 'a moment entry outside the tree', text: () => edited((c) => { c.memoryOverTime.node[0] = c.memoryOverTime.nodes.parent.length; }), expect: /memoryOverTime\.node\[0\] is \d+ \(must be an index in \[0, \d+\)\)/ },
  { name: 'peakIndex past the moments', text: () => edited((c) => { c.memoryOverTime.peakIndex = c.memoryOverTime.atMs.length; }), expect: /memoryOverTime\.peakIndex is \d+ \(must be −1 or a moment index below \d+\)/ },
  { name: 'a nativeProfile of the wrong type', text: () => edited((c) => { c.nativeProfile = 'x'; }), expect: /nativeProfile must be an object, got a string/ },
];

for (const c of CASES) {
  for (const format of ['text', 'pprof', 'json']) {
    test(`a capture with ${c.name}: report --format ${format} exits 2 with one line naming it`, () => {
      const r = report(`${c.name.replace(/\W+/g, '-')}-${format}`, c.text(), format);
      assertOneCodedLine(r, /^allocscope: .* is (a damaged|not a readable) capture/);
      assert.match(r.stderr, c.expect);
    });
  }
}

test('the base capture itself passes the checks, in every format', () => {
  for (const format of ['text', 'pprof', 'json']) {
    const r = report(`base-${format}`, JSON.stringify(base), format);
    assert.equal(r.status, 0, r.stderr);
  }
});

test('pprof encoding refuses Infinity and NaN in a profile handed to it directly (no endless varint loop)', () => {
  const r = runNode({ code: `
    const { encodePprof } = require(process.env.ALLOCSCOPE_DIST + '/reporters/pprof');
    const p = ${JSON.stringify(base.profile)};
    const out = [];
    for (const bad of [Infinity, NaN, 2 ** 60]) {
      const profile = structuredClone(p);
      // A node below the root (the root's own values are not samples) with the bad value.
      profile.nodes.parent.push(0); profile.nodes.frame.push(0); profile.nodes.selfBytes.push(bad); profile.nodes.selfCount.push(1);
      try { encodePprof(profile, ${JSON.stringify(base.meta)}); out.push('encoded'); } catch (e) { out.push(e.code); }
    }
    console.log(JSON.stringify(out));`, timeoutMs: 30_000 });
  assert.equal(r.signal, null, 'no hang');
  assert.deepEqual(JSON.parse(r.stdout), ['ERR_ALLOCSCOPE_CAPTURE_CORRUPT', 'ERR_ALLOCSCOPE_CAPTURE_CORRUPT', 'ERR_ALLOCSCOPE_CAPTURE_CORRUPT']);
});

/**
 * A gzip bomb: 1,500 copies of one deflate run of 1 MiB of zeros (sync-flushed, so
 * byte-aligned and not final): ~1.5 MB that inflates to 1.5 GiB, made in
 * milliseconds. The trailer's CRC is not computed: the reader must stop long before it.
 */
function gzipBomb(mib) {
  const run = zlib.deflateRawSync(Buffer.alloc(1 << 20), { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), ...new Array(mib).fill(run), zlib.deflateRawSync(Buffer.alloc(0)), Buffer.alloc(8)]);
}

test('a gzip bomb (1.5 MB → 1.5 GiB): exit 2 naming the limit, in under 3 s of CPU and 600 MB of RSS', () => {
  const bomb = path.join(dir, 'bomb.allocscope');
  fs.writeFileSync(bomb, gzipBomb(1500));
  assert.ok(fs.statSync(bomb).size < 2e6);
  // The child's own figures at exit: CPU time and peak RSS (wall time on a loaded machine says little).
  const usage = path.join(dir, 'usage.json');
  const preload = path.join(dir, 'usage.js');
  fs.writeFileSync(preload, `process.on('exit', () => { const u = process.resourceUsage(); require('node:fs').writeFileSync(${JSON.stringify(usage)}, JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, maxRssMb: u.maxRSS / 1024 })); });`);
  const r = runNode({ nodeArgs: ['--require', preload], file: path.join(DIST, 'cli', 'main.js'), args: ['report', bomb], timeoutMs: 60_000 });
  assertOneCodedLine(r, /bomb\.allocscope inflates past the 256 MiB limit of a capture \(set ALLOCSCOPE_MAX_CAPTURE_BYTES to raise it/);
  const u = JSON.parse(fs.readFileSync(usage, 'utf8'));
  console.log(`gzip bomb: ${u.cpuMs.toFixed(0)} ms CPU, ${u.maxRssMb.toFixed(0)} MB max RSS`);
  assert.ok(u.cpuMs < 3000, `CPU ${u.cpuMs} ms`);
  assert.ok(u.maxRssMb < 600, `max RSS ${u.maxRssMb} MB`);
});

test('ALLOCSCOPE_MAX_CAPTURE_BYTES lowers or raises the cap; a bad value is one coded line', () => {
  const file = path.join(dir, 'plain.allocscope');
  const text = JSON.stringify(base);
  fs.writeFileSync(file, text);
  const small = runCli(['report', file], { env: { ALLOCSCOPE_MAX_CAPTURE_BYTES: '1k' } });
  assertOneCodedLine(small, /plain\.allocscope is past the 1\.00 KiB limit of a capture/);
  // 20 MiB of zeros: past a 16m cap; under a 64m one, inflated, then refused as JSON.
  const zeros = zlib.gzipSync(Buffer.alloc(20 << 20));
  assertOneCodedLine(report('zeros-16m', zeros, 'text', { ALLOCSCOPE_MAX_CAPTURE_BYTES: '16m' }), /inflates past the 16\.0 MiB limit/);
  assertOneCodedLine(report('zeros-64m', zeros, 'text', { ALLOCSCOPE_MAX_CAPTURE_BYTES: '64m' }), /not a readable capture \(not valid JSON/);
  const enough = runCli(['report', file], { env: { ALLOCSCOPE_MAX_CAPTURE_BYTES: String(text.length) } });
  assert.equal(enough.status, 0, enough.stderr);
  const bad = runCli(['report', file], { env: { ALLOCSCOPE_MAX_CAPTURE_BYTES: 'lots' } });
  assertOneCodedLine(bad, /ALLOCSCOPE_MAX_CAPTURE_BYTES must be a byte size from 1 to 512m .*got "lots"/);
});
