'use strict';
// Capture files as they are written: chunk by chunk (JSON in pieces, gzipped block
// by block), and still the bytes of the straightforward JSON.stringify + gzip once
// decoded. Also the chunked JSON writer against JSON.stringify itself.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { DIST, runNode } = require('./helpers');

test('a capture written in chunks decodes to the JSON text JSON.stringify gives (gzipped and plain), in one gzip member', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-capture-file-'));
  try {
    // A realistic capture: the recorder on a program with many stacks (TypeScript
    // transpiling this repository's sources), > 1 MiB of JSON, so it is gzipped.
    const r = runNode({ code: `
      const fs = require('node:fs'); const path = require('node:path');
      const D = process.env.ALLOCSCOPE_DIST;
      const { CaptureRecorder } = require(D + '/agent/recorder');
      const { Profile } = require(D + '/profile/profile');
      const { writeCapture, encodeCapture } = require(D + '/capture/file');
      const recorder = new CaptureRecorder({ intervalBytes: 2048, timelinePeriodMs: 10 }).start();
      const ts = require('typescript');
      const lib = path.join(${JSON.stringify(path.join(__dirname, '..', 'lib'))});
      for (const f of fs.readdirSync(lib, { recursive: true }).filter((f) => f.endsWith('.ts')).sort().slice(0, 12)) {
        ts.transpileModule(fs.readFileSync(path.join(lib, f), 'utf8'), { fileName: f, compilerOptions: { module: ts.ModuleKind.CommonJS } });
      }
      const capture = recorder.snapshot('api');
      recorder.stop();
      const out = (name) => path.join(${JSON.stringify(dir)}, name);
      writeCapture(out('big.allocscope'), capture);
      fs.writeFileSync(out('big.encoded'), encodeCapture(capture));
      // What the capture's JSON was before: the profile's columns as arrays, one JSON.stringify.
      fs.writeFileSync(out('big.json'), JSON.stringify({ ...capture, profile: new Profile(capture.profile).toJSON() }));
      const small = { ...capture, profile: null };
      writeCapture(out('small.allocscope'), small);
      fs.writeFileSync(out('small.json'), JSON.stringify(small));
      console.log(JSON.stringify({ nodes: capture.profile.nodes.parent.length, typed: ArrayBuffer.isView(capture.profile.nodes.selfBytes) }));
    `, timeoutMs: 240_000 });
    assert.equal(r.status, 0, r.stderr);
    const info = JSON.parse(r.stdout.trim().split('\n').pop());
    assert.ok(info.typed, 'the recorder hands the encoder typed arrays (no toJSON copy)');
    const read = (name) => fs.readFileSync(path.join(dir, name));

    const json = read('big.json');
    assert.ok(json.length > 1 << 20, `a capture over 1 MiB of JSON (${json.length} bytes, ${info.nodes} nodes)`);
    const file = read('big.allocscope');
    assert.deepEqual([file[0], file[1]], [0x1f, 0x8b], 'gzipped');
    assert.ok(zlib.gunzipSync(file).equals(json), 'decodes to the same JSON text, byte for byte');
    // One member: header, one raw deflate stream, CRC-32 and length of the whole text.
    assert.ok(zlib.inflateRawSync(file.subarray(10, file.length - 8)).equals(json));
    assert.equal(file.readUInt32LE(file.length - 8), zlib.crc32(json));
    assert.equal(file.readUInt32LE(file.length - 4), json.length % 2 ** 32);
    const straightforward = zlib.gzipSync(json, { level: 6 }).length;
    assert.ok(file.length <= straightforward * 1.02, `compresses as one gzipSync does (${file.length} vs ${straightforward} bytes)`);
    assert.ok(read('big.encoded').equals(file), 'encodeCapture() gives the bytes writeCapture() writes');
    const { readCapture } = require(path.join(DIST, 'capture', 'file'));
    assert.deepEqual(readCapture(path.join(dir, 'big.allocscope')), JSON.parse(json.toString('utf8')));

    const small = read('small.allocscope');
    assert.ok(small.length < 1 << 20);
    assert.ok(small.equals(read('small.json')), 'under 1 MiB: the plain JSON text');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('chunked JSON: the text of JSON.stringify with typed arrays as arrays, however it is cut', () => {
  const { writeJsonChunks } = require(path.join(DIST, 'capture', 'json-chunks'));
  const reference = (v) => JSON.stringify(v, (k, x) => (ArrayBuffer.isView(x) && !(x instanceof DataView) ? Array.from(x) : x));
  const chunked = (v, size) => {
    const chunks = [];
    writeJsonChunks(v, (c) => chunks.push(c), size);
    return chunks.length ? chunks.join('') : undefined;
  };
  const cases = [
    1, -0, NaN, Infinity, 'x', '\u2028\ud800"\\\n', null, undefined, true, [], {}, () => 1,
    [undefined, () => 1, Symbol('s'), NaN, -0, null, , 5],
    { a: undefined, b: () => 1, c: Symbol('c'), d: 1, e: 'x', [Symbol('k')]: 1, 2: 'two', 1: 'one' },
    { toJSON(key) { return { key, n: [1, 2] }; } },
    [{ toJSON(key) { return `at ${key}`; } }, new Date(0), { nested: { toJSON: () => undefined } }],
    { n: new Number(3), s: new String('s'), b: new Boolean(false), m: new Map([[1, 2]]) },
    new Float64Array([1.5, NaN, -0, Infinity, 1e21, 5e-324, -1e-7]), new Int32Array([1, -2]), new Uint32Array([2 ** 32 - 1]), new Uint8Array(0),
    { buffer: Buffer.from('hi'), f32: new Float32Array([0.1]), big: Float64Array.from({ length: 5000 }, (_, i) => i / 7) },
    Object.create({ inherited: 1 }, { own: { value: 2, enumerable: true }, hidden: { value: 3, enumerable: false } }),
    { profile: { strings: ['', 'é', '"'], nodes: { parent: new Int32Array([-1, 0]), selfBytes: new Float64Array([0, 1024.5]) } } },
  ];
  for (const [i, v] of cases.entries()) {
    for (const size of [1, 7, 1 << 15]) assert.equal(chunked(v, size), reference(v), `case ${i}, chunks of ${size}`);
  }
  const circular = { a: [] };
  circular.a.push(circular);
  assert.throws(() => chunked(circular), TypeError);
  assert.throws(() => chunked({ x: 1n }), TypeError);
  assert.throws(() => chunked([new BigInt64Array([1n])]), TypeError);
});
