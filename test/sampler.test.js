'use strict';
// The sampling heap profiler: live vs allocated semantics, the true live set,
// misuse, an inspector owning the sampler, top/filter/diff/merge, source maps.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runNodeJson } = require('./helpers');

const PRELUDE = `
  const a = require(process.env.ALLOCSCOPE_DIST);
  const out = (v) => console.log(JSON.stringify(v));
  const codeOf = (fn) => { try { fn(); return null; } catch (e) { return { code: e.code, name: e.name, message: e.message }; } };
  const bytesOf = (p, name) => p.top(Infinity, { by: 'function' }).filter((r) => r.frame.function === name).reduce((x, r) => x + r.bytes, 0);
`;

test('live mode: kept objects stay in the profile, dropped ones leave it after a GC; gcFirst gives the live set within its sampling error', () => {
  const INTERVAL = 4096;
  const { json } = runNodeJson({ code: `${PRELUDE}
    a.heap.start({ intervalBytes: ${INTERVAL}, mode: 'live' });
    const kept = [];
    function keepSite() { for (let i = 0; i < 400000; i++) kept.push({ k: i, v: 'x' + i }); }
    function churnSite() { let sink; for (let i = 0; i < 1000000; i++) sink = { k: i, v: i * 2, w: [i] }; return sink; }
    a.heap.profile({ gcFirst: true }); // settle
    const before = (a.heap.profile({ gcFirst: true }), a.heap.stats().usedHeapSizeBytes);
    keepSite(); churnSite();
    const noGc = a.heap.profile();               // what a collector that never GCs reports
    const live = a.heap.profile({ gcFirst: true });
    const trueRetained = a.heap.stats().usedHeapSizeBytes - before; // right after full GCs
    out({
      noGc: { keep: bytesOf(noGc, 'keepSite'), churn: bytesOf(noGc, 'churnSite'), total: noGc.totals().bytes },
      live: { keep: bytesOf(live, 'keepSite'), churn: bytesOf(live, 'churnSite'), total: live.totals().bytes },
      trueRetained, kept: kept.length, sampleTypes: live.sampleTypes.map((t) => t.type), mode: live.mode,
    });
  `, nodeArgs: ['--max-semi-space-size=64'] });
  assert.deepEqual(json.sampleTypes, ['inuse_objects', 'inuse_space']);
  assert.equal(json.mode, 'live');
  assert.ok(json.live.keep > 0, 'the kept site is in the live profile');
  assert.ok(json.live.churn < json.live.keep * 0.02, `the dropped site is gone after the GC (${json.live.churn} vs ${json.live.keep})`);
  // Sampling error: V8 samples a Poisson process on allocated bytes (mean interval I) and
  // scales each sample by 1/(1 − e^(−s/I)), so an object of size s << I adds variance ≈ s·I
  // and B bytes of small objects give a relative sd of sqrt(I/B) (the ~3.2 MB backing store
  // of \`kept\`, sampled with p ≈ 1, adds almost none: the bound is conservative). Here
  // B ≈ 30 MB (400,000 × ~72 B) and I = 4096: σ ≈ 1.2 % (~7,400 samples). Tolerance 4σ
  // (one assertion, ~6e-5 false failures) plus 2 % for a bias: over 50 loaded runs on
  // Node 20–26 the mean ratio per major was 1.001–1.012 (the two figures count slightly
  // different things), the sd 1.0–1.2 % as the model says, the range 0.980–1.030.
  // (churnSite makes 1e6 dead objects, not 4e6: at this interval still ~20,000 samples of
  // them, enough to see them leave, for a quarter of the sampling work.)
  const sigma = Math.sqrt(INTERVAL / json.trueRetained);
  const tolerance = 4 * sigma + 0.02;
  const ratio = json.live.total / json.trueRetained;
  assert.ok(json.trueRetained > 25e6, `the kept set is ~30 MB (${json.trueRetained})`);
  assert.ok(Math.abs(ratio - 1) <= tolerance, `live profile ${json.live.total} vs true retained ${json.trueRetained} (${ratio.toFixed(4)}×, allowed 1 ± ${tolerance.toFixed(4)})`);
  assert.ok(json.noGc.total > json.live.total, 'without a GC, samples of dead objects are still counted');
});

test('allocated mode: consecutive collections are cumulative and never double count', () => {
  const { json } = runNodeJson({ code: `${PRELUDE}
    a.heap.start({ intervalBytes: 16384, mode: 'allocated' });
    const ring = new Array(64);
    function site(n) { for (let i = 0; i < n; i++) ring[i & 63] = { a: i, b: i }; }
    const totals = [];
    for (let round = 0; round < 4; round++) { site(1e6); totals.push(bytesOf(a.heap.profile(), 'site')); }
    out({ totals, sampleTypes: a.heap.profile().sampleTypes.map((t) => t.type) });
  ` });
  const [t1, t2, t3, t4] = json.totals;
  // Node ≥ 26 (V8 14): allocated profiles also carry live figures (test/sampler-liveness.test.js).
  assert.deepEqual(json.sampleTypes, Number(process.versions.node.split('.')[0]) >= 26
    ? ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space'] : ['alloc_objects', 'alloc_space']);
  // Each round allocates the same volume: the cumulative figure grows linearly (1×, 2×, 3×, 4×),
  // not quadratically as when a collector re-adds what it already counted.
  for (const [got, k] of [[t2, 2], [t3, 3], [t4, 4]]) {
    assert.ok(Math.abs(got / t1 - k) < 0.15 * k, `round ${k}: ${got} vs ${k} × ${t1}`);
  }
});

test('misuse: each a clear error with a code', () => {
  const { json } = runNodeJson({ code: `${PRELUDE}
    const r = {};
    r.profileBefore = codeOf(() => a.heap.profile());
    r.stopBefore = a.heap.stop();
    for (const [k, o] of Object.entries({
      zero: { intervalBytes: 0 }, negative: { intervalBytes: -1 }, fraction: { intervalBytes: 1.5 },
      depth0: { stackDepth: 0 }, depthHuge: { stackDepth: 5000 }, mode: { mode: 'both' }, typo: { intervalByte: 1024 },
    })) r[k] = codeOf(() => a.heap.start(o));
    a.heap.start();
    r.twice = codeOf(() => a.heap.start());
    r.badProfile = codeOf(() => a.heap.profile({ gcfirst: true }));
    const p = a.heap.profile();
    r.badTop = codeOf(() => p.top(5, { by: 'line' }));
    r.badN = codeOf(() => p.top(-1));
    r.badFilter = codeOf(() => p.filter({ include: [] }));
    r.badDiff = codeOf(() => p.diff({}));
    r.stop = a.heap.stop(); r.stopAgain = a.heap.stop();
    out(r);
  ` });
  assert.equal(json.profileBefore.code, 'ERR_ALLOCSCOPE_NOT_STARTED');
  assert.equal(json.stopBefore, false);
  for (const k of ['zero', 'negative', 'fraction']) {
    assert.equal(json[k].code, 'ERR_ALLOCSCOPE_INVALID_OPTION', k);
    assert.match(json[k].message, /heap\.start\(\) option "intervalBytes" must be an integer from 1/);
  }
  for (const k of ['depth0', 'depthHuge']) assert.match(json[k].message, /"stackDepth" must be an integer from 1 to 1024/);
  assert.match(json.mode.message, /"mode" must be one of "live", "allocated", got "both"/);
  assert.match(json.typo.message, /did you mean "intervalBytes"/);
  assert.equal(json.twice.code, 'ERR_ALLOCSCOPE_ALREADY_STARTED');
  assert.match(json.badProfile.message, /did you mean "gcFirst"/);
  assert.match(json.badTop.message, /"by" must be one of "site", "function", "file", "package", "stack", got "line"/);
  assert.equal(json.badN.code, 'ERR_ALLOCSCOPE_INVALID_ARGUMENT');
  assert.match(json.badFilter.message, /"include" must be a glob or a non-empty array of globs/);
  assert.equal(json.badDiff.code, 'ERR_ALLOCSCOPE_INVALID_ARGUMENT');
  assert.equal(json.stop, true);
  assert.equal(json.stopAgain, false);
});

test("an inspector session owning V8's sampler: heap.start() fails with ERR_ALLOCSCOPE_SAMPLER_BUSY; one that stops ours is detected", () => {
  const { json } = runNodeJson({ code: `${PRELUDE}
    const { Session } = require('node:inspector');
    const s = new Session(); s.connect();
    s.post('HeapProfiler.startSampling', { samplingInterval: 4096 }, (err) => {
      const r = { inspectorStarted: !err };
      r.busy = codeOf(() => a.heap.start());
      r.running = a.heap.running;
      s.post('HeapProfiler.stopSampling', () => {
        a.heap.start(); // free again: ours now
        // V8's inspector ignores StartSamplingHeapProfiler's result, and its stop
        // stops whatever runs: our next collection must notice rather than read nothing.
        s.post('HeapProfiler.startSampling', {}, () => {
          s.post('HeapProfiler.stopSampling', () => {
            r.lost = codeOf(() => a.heap.profile());
            r.runningAfterLoss = a.heap.running;
            a.heap.start(); // and we can start again
            r.restarted = a.heap.profile().nodeCount >= 1;
            a.heap.stop();
            out(r);
          });
        });
      });
    });
  ` });
  assert.equal(json.inspectorStarted, true);
  assert.equal(json.busy.code, 'ERR_ALLOCSCOPE_SAMPLER_BUSY');
  assert.match(json.busy.message, /already running, owned by someone else/);
  assert.equal(json.running, false);
  assert.equal(json.lost.code, 'ERR_ALLOCSCOPE_SAMPLER_LOST');
  assert.match(json.lost.message, /stopped by someone else/);
  assert.equal(json.runningAfterLoss, false);
  assert.equal(json.restarted, true);
});

test('--heap-prof owns the sampler: heap.start() reports it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-heapprof-'));
  try {
    const { json } = runNodeJson({ nodeArgs: ['--heap-prof', `--heap-prof-dir=${dir}`], code: `${PRELUDE} out(codeOf(() => a.heap.start()));` });
    assert.equal(json.code, 'ERR_ALLOCSCOPE_SAMPLER_BUSY');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('top/filter/diff/merge/JSON on a real profile', () => {
  // Allocation folding off: V8 14 (Node 26) unrolls big()'s loop in TurboFan and
  // folds four iterations' objects into one 192-byte allocation, the one the
  // sampler sees (bytes right, objects a quarter: average size 192 vs 48 measured,
  // and 48 with --no-turbo-allocation-folding). This test is about top/filter/
  // diff/merge, so its objects are allocated one by one on every V8.
  const { json } = runNodeJson({ nodeArgs: ['--no-turbo-allocation-folding'], code: `${PRELUDE}
    const ring = new Array(64);
    function big() { for (let i = 0; i < 2e6; i++) ring[i & 63] = { a: i, b: i, c: i }; }
    function small() { for (let i = 0; i < 2e5; i++) ring[i & 63] = { a: i, b: i, c: i }; }
    a.heap.start({ intervalBytes: 16384, mode: 'allocated' });
    big(); small();
    const p1 = a.heap.profile();
    big();
    const p2 = a.heap.profile();
    a.heap.stop();
    const top = p1.top(3);
    const round = a.Profile.fromJSON(JSON.parse(JSON.stringify(p1)));
    const merged = a.mergeProfiles([p1, round]);
    out({
      top: top.map((r) => ({ fn: r.frame.function, line: r.frame.line, share: r.share, cumulativeShare: r.cumulativeShare, avg: r.averageSize })),
      byPackage: p1.top(5, { by: 'package' }).map((r) => r.key),
      byFile: p1.top(5, { by: 'file' }).map((r) => r.key),
      stack: p1.top(1, { by: 'stack' })[0].label,
      total: p1.totals().bytes, roundTotal: round.totals().bytes, mergedTotal: merged.totals().bytes,
      roundTop: round.top(1)[0].key === top[0].key,
      mergedBig: bytesOf(merged, 'big'), p1Big: bytesOf(p1, 'big'),
      diffTop: p2.diff(p1).slice(0, 1).map((d) => ({ fn: d.label, delta: d.deltaBytes, older: d.olderBytes, now: d.bytes }))[0],
      excluded: bytesOf(p1.filter({ exclude: '**/[[]eval*' }), 'big'),
      included: bytesOf(p1.filter({ include: ['[[]eval*'] }), 'big'),
      noInternals: p1.filter({ nodeInternals: false }).top(50, { by: 'package' }).map((r) => r.key),
      // allFrames: excluding the eval'd script drops everything it allocated, through any callee.
      // The sampler started inside [eval], so every sampled stack passes through it.
      allFramesExcluded: p1.filter({ exclude: '[[]eval*', allFrames: true }).totals().bytes,
      allFramesIncluded: p1.filter({ include: '[[]eval*', allFrames: true }).totals().bytes,
    });
  ` });
  assert.equal(json.top[0].fn, 'big');
  assert.equal(json.top[1].fn, 'small');
  assert.ok(json.top[0].share > 0.85 && json.top[0].share < 0.95, `big ≈ 10/11 of the total: ${json.top[0].share}`);
  assert.ok(Math.abs(json.top[1].cumulativeShare - (json.top[0].share + json.top[1].share)) < 1e-9);
  assert.ok(json.top[0].avg > 16 && json.top[0].avg < 128, `average object size ${json.top[0].avg}`);
  assert.equal(json.byPackage[0], '(app)');
  assert.equal(json.byFile[0], '[eval]');
  assert.match(json.stack, /^big \(\[eval\]:\d+:\d+\) ← \(anonymous\) \(\[eval\]:1:1\)/);
  assert.equal(json.roundTotal, json.total, 'JSON round trip keeps every byte');
  assert.ok(json.roundTop);
  assert.equal(json.mergedTotal, 2 * json.total, 'merging a profile with its copy doubles it');
  assert.equal(json.mergedBig, 2 * json.p1Big);
  assert.match(json.diffTop.fn, /^big /, 'the site that grew tops the diff');
  assert.ok(Math.abs(json.diffTop.delta - json.diffTop.older) < 0.15 * json.diffTop.older, 'it grew by one more round');
  assert.equal(json.excluded, 0);
  assert.equal(json.included, json.p1Big);
  assert.ok(!json.noInternals.includes('(node)'));
  assert.equal(json.allFramesExcluded, 0, 'no stack through [eval] is left');
  assert.equal(json.allFramesIncluded, json.total, 'every stack passes through [eval]');
});

test('source maps: sites are reported at their TypeScript lines, generated locations kept', () => {
  const ts = require('typescript');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-srcmap-'));
  try {
    const source = [
      'interface Point { x: number; y: number; z: number }', // line 1
      'const ring: Point[] = new Array(64);',                   // line 2
      '',                                                       // line 3
      'export function makePoints(n: number): number {',       // line 4: the allocating function
      '  for (let i = 0; i < n; i++) ring[i & 63] = { x: i, y: i, z: i };',
      '  return ring.length;',
      '}',
    ].join('\n');
    const { outputText } = ts.transpileModule(source, { fileName: 'points.ts', compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, inlineSourceMap: true, inlineSources: true } });
    fs.writeFileSync(path.join(dir, 'points.js'), outputText);
    const { json } = runNodeJson({ code: `${PRELUDE}
      const { makePoints } = require(${JSON.stringify(path.join(dir, 'points.js'))});
      a.heap.start({ intervalBytes: 8192, mode: 'allocated' });
      makePoints(1e6);
      const row = a.heap.profile().top(10).find((r) => r.frame.function === 'makePoints');
      out(row.frame);
    ` });
    assert.equal(path.basename(json.file), 'points.ts');
    assert.equal(json.line, 4, 'the function starts on line 4 of the TypeScript source');
    assert.equal(path.basename(json.generated.file), 'points.js');
    assert.notEqual(json.generated.line, 4, 'the generated line differs (emitted helpers shift it)');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('source maps: a position with no mapping (TypeScript\'s unmapped module prologue) takes the file of the code after it; the module function starts at its top', () => {
  const ts = require('typescript');
  const { SourceMapResolver } = require(path.join(__dirname, '..', 'dist', 'profile', 'source-maps'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-srcmap-prologue-'));
  try {
    const source = ['type Row = { id: number };', 'const kept: Row[] = [];', '', 'export function build(n: number): number {', '  for (let i = 0; i < n; i++) kept.push({ id: i });', '  return kept.length;', '}', 'build(3);'].join('\n');
    const { outputText } = ts.transpileModule(source, { fileName: 'app.ts', compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, inlineSourceMap: true } });
    // The generated file starts with lines that map to nothing ("use strict", the exports).
    assert.match(outputText, /^"use strict";\nObject\.defineProperty\(exports/);
    const file = path.join(dir, 'app.js');
    fs.writeFileSync(file, outputText);
    const resolver = new SourceMapResolver();
    // V8 names the module function at 1:1 (a sample in top-level code): app.ts:1:1, not app.js.
    assert.deepEqual(resolver.position(file, 1, 1), { file: path.join(dir, 'app.ts'), line: 1, column: 1, name: null });
    // A mapped position is unchanged: build starts on line 4.
    const buildLine = outputText.split('\n').findIndex((l) => l.startsWith('function build')) + 1;
    assert.equal(resolver.position(file, buildLine, 1).line, 4);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('source maps: the sourceMappingURL comment is found a block of lines at a time, as matching the whole text finds it', () => {
  const { lastMappingUrl } = require(path.join(__dirname, '..', 'dist', 'profile', 'source-maps'));
  // What loadMap did before: the last match over the whole text.
  const wholeText = (text) => [...text.matchAll(/\/\/[#@] ?sourceMappingURL=([^\s'"]+)\s*$/gm)].pop()?.[1];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-mapping-url-'));
  try {
    const block = 64 * 1024;
    const pad = (n) => `${'x'.repeat(Math.max(0, n - 1))}\n`;
    const comment = '//# sourceMappingURL=a.js.map';
    const cases = {
      none: 'const a = 1;\n',
      last: `code();\n${comment}\n`,
      'no final line break': `code();\n${comment}`,
      'trailing spaces, CRLF': `code();\r\n${comment}  \r\n\r\n`,
      'the last of several wins': `//@ sourceMappingURL=first.map\ncode();\n// # not one\n//# sourceMappingURL=second.map\n`,
      'in a string: not a comment': `const s = "//# sourceMappingURL=";\nconst t = '//# sourceMappingURL=x.map';\n`,
      'followed by code on its line': `${comment} code();\n`,
      'across the first block boundary': pad(block - 10) + `${comment}\nmore();\n`,
      'right after a block boundary': pad(block) + `${comment}\n`,
      'ends exactly at a block boundary': pad(block - comment.length - 1) + `${comment}\n`,
      'a line longer than a block': `//# sourceMappingURL=data:application/json;base64,${'QUJD'.repeat(50_000)}\n`,
      'a long line, then a comment': `${'y'.repeat(3 * block)}\n${comment}\n`,
      'a comment whose URL runs into the next comment': '//# sourceMappingURL=a//# sourceMappingURL=b.map\n',
      'non-ASCII around it': `const é = "ü";\n${pad(block - 3)}//# sourceMappingURL=ü.map\n`,
      'carriage returns only': `code();\r${comment}\rmore();\r`,
    };
    for (const [name, text] of Object.entries(cases)) {
      const file = path.join(dir, 'script.js');
      fs.writeFileSync(file, text);
      assert.equal(lastMappingUrl(file), wholeText(text), name);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
