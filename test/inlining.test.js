'use strict';
// Inlining and allocation sites. V8's sampling heap profiler records physical
// frames: what an inlined function allocates is charged to the function it was
// inlined into. On V8 13+ (Node 24+) that moves churn.js's top site from
// handleRequest to the module wrapper (and on every V8, a hot helper's
// allocations to its caller), so `run`, `top` and `leaks` turn inlining off by
// default; --keep-inlining keeps V8's behaviour, which then matches V8's own
// profile through the inspector.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runCli, runNodeJson, ROOT, DIST } = require('./helpers');

const { readCapture } = require(path.join(DIST, 'capture', 'file.js'));

const CHURN = path.join(ROOT, 'examples', 'churn.js');
const ITERATIONS = '200000';

/** "name (file:line)" of the top site of `allocscope top` on churn.js. */
function topSite(extra) {
  const r = runCli(['top', '--json', '-n', '1', ...extra, CHURN, ITERATIONS]);
  assert.equal(r.status, 0, r.stderr);
  const [row] = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
  return `${row.frame.function} (${path.basename(row.frame.file)}:${row.frame.line})`;
}

/** The same through V8's own sampling heap profiler (the inspector), node run without flags. */
function inspectorTopSite() {
  const code = `
    const inspector = require('node:inspector');
    const session = new inspector.Session();
    session.connect();
    const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
    (async () => {
      await post('HeapProfiler.enable');
      await post('HeapProfiler.startSampling', { samplingInterval: 512 * 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
      process.argv[2] = ${JSON.stringify(ITERATIONS)};
      require(${JSON.stringify(CHURN)});
      const { profile } = await post('HeapProfiler.stopSampling');
      const bySite = new Map();
      (function walk(node) {
        const f = node.callFrame;
        // V8 11 leaves url and line out for these frames (url '', line -1); builtins have script 0.
        if (f.url.endsWith('churn.js') || (f.url === '' && f.scriptId !== '0')) {
          const name = f.functionName || '(anonymous)';
          const key = f.lineNumber >= 0 ? \`\${name} (churn.js:\${f.lineNumber + 1})\` : name;
          bySite.set(key, (bySite.get(key) ?? 0) + node.selfSize);
        }
        for (const child of node.children) walk(child);
      })(profile.head);
      console.log(JSON.stringify([...bySite].sort((a, b) => b[1] - a[1])));
    })();`;
  const { json, status, stderr } = runNodeJson({ code });
  assert.equal(status, 0, stderr);
  return json[0][0];
}

test('inlining flags: parsed as V8 reads them, added on every V8, never with --keep-inlining', () => {
  const { inliningFlag, profilingNodeOptions } = require(path.join(DIST, 'sampler', 'inlining.js'));
  assert.equal(inliningFlag('turbo', []), undefined);
  assert.equal(inliningFlag('turbo', ['--no-turbo-inlining']), false);
  assert.equal(inliningFlag('turbo', ['--no-turbo-inlining', '--turbo_inlining']), true, 'the last one wins');
  assert.equal(inliningFlag('maglev', ['--nomaglev-inlining']), false);
  assert.equal(inliningFlag('maglev', ['--no-turbo-inlining']), undefined);
  assert.deepEqual(profilingNodeOptions(false), ['--no-turbo-inlining', '--no-maglev-inlining']);
  assert.deepEqual(profilingNodeOptions(true), []);
});

test(`churn.js: the default names handleRequest; --keep-inlining matches V8's inspector profile (V8 ${process.versions.v8})`, (t) => {
  const byDefault = topSite([]);
  const kept = topSite(['--keep-inlining']);
  const inspector = inspectorTopSite();
  t.diagnostic(`default: ${byDefault} · --keep-inlining: ${kept} · inspector: ${inspector}`);
  assert.match(byDefault, /^handleRequest \(churn\.js:8\)$/, 'the function that allocates');
  // (Without a line from the inspector, the function's name is compared.)
  assert.equal(inspector.includes('(churn.js:') ? kept : kept.replace(/ \(churn\.js:\d+\)$/, ''), inspector,
    'with V8\'s inlining, allocscope reports what V8 itself reports');
  if (kept !== byDefault) {
    // V8 13+: handleRequest inlined into the module's loop (optimized on-stack) counts at the wrapper.
    assert.match(kept, /^\(anonymous\) \(churn\.js:1\)$/, kept);
  }
});

test('the capture and the leak report say whether inlining was off; find() puts V8\'s setting back', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-inlining-'));
  try {
    for (const [extra, expected] of [[[], 'off'], [['--keep-inlining'], 'on']]) {
      const out = path.join(dir, `churn${extra.length}.allocscope`);
      const r = runCli(['run', '-o', out, ...extra, CHURN, '20000']);
      assert.equal(r.status, 0, r.stderr);
      const meta = readCapture(out).meta;
      assert.equal(meta.inlining, expected, extra.join(' '));
      assert.equal(/· V8 inlining off/.test(r.stderr), expected === 'off', r.stderr);
    }
    // The program's own flag wins over allocscope's default.
    const out = path.join(dir, 'own.allocscope');
    const r = runCli(['run', '-q', '-o', out, '--', 'node', '--turbo-inlining', CHURN, '20000']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readCapture(out).meta.inlining, 'on');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const code = `
    const { leaks } = require(${JSON.stringify(DIST)});
    const { currentInlining } = require(${JSON.stringify(path.join(DIST, 'sampler', 'inlining.js'))});
    (async () => {
      const scenario = () => {};
      const a = await leaks.find(scenario, { iterations: 2, snapshots: false });
      const after = currentInlining();
      const b = await leaks.find(scenario, { iterations: 2, snapshots: false, keepInlining: true });
      console.log(JSON.stringify([a.inlining, after, b.inlining]));
    })();`;
  const { json, status, stderr } = runNodeJson({ code });
  assert.equal(status, 0, stderr);
  assert.deepEqual(json, ['off', 'on', 'on']);
});

test('--keep-inlining takes no value and does not apply to continuous mode', () => {
  const a = runCli(['top', '--keep-inlining=yes', CHURN]);
  assert.equal(a.status, 2);
  assert.match(a.stderr, /^allocscope: top: option "--keep-inlining" takes no value\n$/);
  const b = runCli(['run', '--continuous', '--out-dir', os.tmpdir(), '--keep-inlining', CHURN]);
  assert.equal(b.status, 2);
  assert.match(b.stderr, /^allocscope: run: option "--keep-inlining" does not apply with --continuous\n$/);
});
