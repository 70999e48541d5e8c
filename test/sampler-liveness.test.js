'use strict';
// Live and temporary figures of allocated mode (issue 12): from V8 14 (Node 26)
// each sample says whether its object still lives, so one allocated-mode
// collection reports per site allocated, live and temporary (allocated, then
// collected) bytes and objects. Older Node has no such figures: the columns are
// absent, heap.capabilities() says so, and sorting by them is refused.
// Every test asserts something on every major (no silent skip).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { Profile: PprofProfile } = require('pprof-format');
const { runCli, runNodeJson, DIST } = require('./helpers');
const { Profile, mergeProfiles, heap } = require(DIST);
const { readCapture } = require(path.join(DIST, 'capture', 'file.js'));

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
const LIVENESS = NODE_MAJOR >= 26;
const SITES = ['siteA', 'siteB', 'siteC'];

let tmp, capture, run;

test.before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-liveness-'));
  capture = path.join(tmp, 'liveness.allocscope');
  // 4 KiB interval: site A's live part (4.8 MB) gets ~1,200 samples, its share of
  // the site's ~13,000 samples is known to ±3 % (1σ); B and C get more.
  ({ json: run } = runNodeJson({ file: path.join(__dirname, 'fixtures', 'sampler-liveness.js'), args: [capture, '4096'] }));
});

test.after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const within = (got, want, tolerance, label) =>
  assert.ok(Math.abs(got / want - 1) <= tolerance,
    `${label}: estimated ${got.toFixed(0)} vs true ${want.toFixed(0)} (${((got / want - 1) * 100).toFixed(1)} %, allowed ±${tolerance * 100} %)`);

test('GIVEN this Node WHEN heap.capabilities() is asked THEN it says whether allocated mode has live figures (V8 14+) and which V8 runs', () => {
  const caps = heap.capabilities();
  assert.equal(caps.liveInAllocatedMode, LIVENESS);
  assert.equal(caps.nodeVersion, process.version);
  assert.ok(process.versions.v8.startsWith(caps.v8Version.split('.').slice(0, 2).join('.')), `${caps.v8Version} vs ${process.versions.v8}`);
  assert.deepEqual(caps.modes, ['live', 'allocated']);
  assert.deepEqual(run.capabilities, caps, 'the child (the fixture) sees the same');
  caps.liveInAllocatedMode = !caps.liveInAllocatedMode;
  assert.equal(heap.capabilities().liveInAllocatedMode, LIVENESS, 'a fresh object each call');
});

test('GIVEN sites with a 10:1 temporary:retained split (and one that keeps all) WHEN profiled in allocated mode THEN live and temporary bytes per site are within ±15 % of the truth (Node ≥ 26), or absent', () => {
  for (const site of SITES) {
    const got = run.sites[site];
    const truth = run.truth[site];
    assert.ok(got, `${site} is in the profile`);
    within(got.allocated, truth.allocated, 0.15, `${site} allocated`);
    if (!LIVENESS) {
      assert.equal(got.live, null, `${site}: no live figure on Node ${NODE_MAJOR}`);
      assert.equal(got.temporary, null, `${site}: no temporary figure on Node ${NODE_MAJOR}`);
      continue;
    }
    within(got.live, truth.live, 0.15, `${site} live`);
    if (truth.temporary > 0) within(got.temporary, truth.temporary, 0.15, `${site} temporary`);
    else assert.ok(got.temporary <= 0.05 * got.allocated, `${site} keeps all it allocates: temporary ${got.temporary} of ${got.allocated}`);
    assert.ok(Math.abs(got.live + got.temporary - got.allocated) < 1e-6 * got.allocated, `${site}: live + temporary = allocated`);
    assert.ok(got.liveObjects <= got.objects + 1e-9 && got.temporaryObjects >= 0, `${site}: object counts hang together`);
  }
  if (LIVENESS) {
    within(run.sites.siteA.live / run.sites.siteA.allocated, 1 / 11, 0.15, 'site A live share');
    within(run.sites.siteB.temporary / run.sites.siteB.live, 10, 0.15, 'site B temporary:live');
  }
});

test('GIVEN the profile WHEN top() sorts by allocated, live and temporary bytes THEN each key ranks the sites (Node ≥ 26) or live/temporary are refused with a coded error', () => {
  assert.deepEqual(run.order.allocated, ['siteB', 'siteA', 'siteC'], 'allocated: B (93 MB) > A (53 MB) > C (17 MB)');
  if (LIVENESS) {
    assert.deepEqual(run.refused, {});
    assert.deepEqual(run.order.live, ['siteC', 'siteB', 'siteA'], 'live: C (17 MB) > B (8.5 MB) > A (4.8 MB)');
    assert.deepEqual(run.order.temporary, ['siteB', 'siteA', 'siteC'], 'temporary: B (85 MB) > A (48 MB) > C (0)');
  } else {
    assert.deepEqual(Object.keys(run.refused), ['live', 'temporary']);
    for (const [sort, error] of Object.entries(run.refused)) {
      assert.equal(error.code, 'ERR_ALLOCSCOPE_UNSUPPORTED');
      assert.equal(error.name, 'AllocscopeError');
      assert.match(error.message, new RegExp(`"sort": "${sort}" needs live figures.*Node ≥ 26`));
    }
    assert.equal(run.order.live, undefined);
  }
});

test('GIVEN the capture file WHEN read back THEN the profile carries the live columns exactly where the Node supports them', () => {
  const c = readCapture(capture);
  assert.deepEqual(Object.keys(c.profile.nodes), LIVENESS
    ? ['parent', 'frame', 'selfBytes', 'selfCount', 'liveBytes', 'liveCount']
    : ['parent', 'frame', 'selfBytes', 'selfCount']);
  assert.deepEqual(run.nodeColumns, Object.keys(c.profile.nodes));
  const p = Profile.fromJSON(c.profile);
  assert.equal(p.hasLiveFigures, LIVENESS);
  const t = p.totals();
  assert.equal(t.bytes, run.totals.bytes);
  assert.equal(t.liveBytes, run.totals.liveBytes);
  assert.equal(t.temporaryBytes, run.totals.temporaryBytes);
  assert.equal('liveBytes' in t, LIVENESS, 'absent, not zero, without live figures');
  if (!LIVENESS) {
    assert.throws(() => p.top(5, { sort: 'temporary' }), { code: 'ERR_ALLOCSCOPE_UNSUPPORTED', name: 'AllocscopeError' });
  }
  assert.throws(() => p.top(5, { sort: 'inuse' }), { code: 'ERR_ALLOCSCOPE_INVALID_OPTION', name: 'TypeError', message: /"sort" must be one of/ });
});

test('GIVEN the capture WHEN reported as pprof THEN inuse_objects/inuse_space follow alloc_objects/alloc_space (Node ≥ 26) with the live figures per site', () => {
  const file = path.join(tmp, 'liveness.pb.gz');
  const r = runCli(['report', capture, '--format', 'pprof', '-o', file]);
  assert.equal(r.status, 0, r.stderr);
  const decoded = PprofProfile.decode(zlib.gunzipSync(fs.readFileSync(file)));
  const str = (i) => decoded.stringTable.strings[Number(i)];
  const types = decoded.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`);
  assert.deepEqual(types, LIVENESS
    ? ['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes']
    : ['alloc_objects/count', 'alloc_space/bytes']);
  assert.equal(str(decoded.defaultSampleType), 'alloc_space', 'the default stays allocated bytes');
  // Per site: the sum of each value over the samples whose leaf is the site's function.
  const fnName = new Map(decoded.function.map((f) => [String(f.id), str(f.name)]));
  const leafOf = new Map(decoded.location.map((l) => [String(l.id), fnName.get(String(l.line[0].functionId))]));
  const sums = {};
  for (const s of decoded.sample) {
    assert.equal(s.value.length, types.length);
    const leaf = leafOf.get(String(s.locationId[0]));
    if (!SITES.includes(leaf)) continue;
    sums[leaf] ??= types.map(() => 0);
    s.value.forEach((v, k) => { sums[leaf][k] += Number(v); });
  }
  for (const site of SITES) {
    const want = run.sites[site];
    assert.ok(Math.abs(sums[site][1] - want.allocated) <= 64, `${site} alloc_space ${sums[site][1]} vs ${want.allocated}`);
    if (LIVENESS) {
      assert.ok(Math.abs(sums[site][3] - want.live) <= 64, `${site} inuse_space ${sums[site][3]} vs ${want.live}`);
      assert.ok(Math.abs(sums[site][2] - want.liveObjects) <= 64, `${site} inuse_objects ${sums[site][2]} vs ${want.liveObjects}`);
    }
  }
});

test('GIVEN the capture WHEN reported as text, markdown and JSON THEN the live and temporary columns show exactly when present', () => {
  const text = runCli(['report', capture, '--by', 'function']);
  assert.equal(text.status, 0, text.stderr);
  const header = text.stdout.split('\n').find((l) => /#\s+(allocated|bytes)\s+share/.test(l));
  assert.ok(header, text.stdout);
  assert.equal(/\blive\b/.test(header) && /\btemporary\b/.test(header), LIVENESS, header);
  assert.equal(/of which live .* temporary .*fold window/.test(text.stdout), LIVENESS);
  const md = runCli(['report', capture, '--format', 'markdown']);
  assert.equal(md.status, 0, md.stderr);
  assert.equal(/\| # \| allocated \| share \| cumul\. \| objects \| live \| live obj\. \| temporary \| temp\. obj\. \|/.test(md.stdout), LIVENESS);
  const json = runCli(['report', capture, '--format', 'json']);
  assert.equal(json.status, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.equal(report.profile.sampleTypes.length, LIVENESS ? 4 : 2);
  assert.equal('liveBytes' in report.profile.totals, LIVENESS);
  assert.equal(report.profile.top.every((row) => 'temporaryBytes' in row), LIVENESS);
  const html = runCli(['report', capture, '--format', 'html']);
  assert.equal(html.status, 0, html.stderr);
  assert.equal(html.stdout.includes('"totalTemporaryBytes"'), LIVENESS);
});

// ── plain data: merge, filter, diff, toJSON carry the columns where present ──

function synthetic({ live = true, scale = 1 } = {}) {
  // root → main (file a.js) → { alloc (a.js), dep (node_modules/x/index.js) }
  const nodes = { parent: [-1, 0, 1, 1], frame: [0, 1, 2, 3], selfBytes: [0, 0, 1000 * scale, 500 * scale], selfCount: [0, 0, 10 * scale, 5 * scale] };
  if (live) Object.assign(nodes, { liveBytes: [0, 0, 100 * scale, 400 * scale], liveCount: [0, 0, 1 * scale, 4 * scale] });
  return new Profile({
    version: 1, mode: 'allocated', intervalBytes: 1024, stackDepth: 64, startTimeMs: 1, endTimeMs: 2, threadIds: [0],
    strings: ['', '(root)', 'main', '/app/a.js', 'alloc', 'dep', '/app/node_modules/x/index.js'],
    frames: { name: [1, 2, 4, 5], script: [0, 3, 3, 6], line: [0, 1, 5, 1], column: [0, 1, 1, 1], scriptId: [0, 1, 1, 2] },
    nodes,
  });
}

test('GIVEN profiles with and without live columns WHEN merged, filtered, diffed and serialized THEN the columns are carried where present and never invented', () => {
  const p = synthetic();
  assert.equal(p.hasLiveFigures, true);
  assert.deepEqual(p.top(2, { by: 'function', sort: 'temporary' }).map((r) => [r.frame.function, r.temporaryBytes]), [['alloc', 900], ['dep', 100]]);
  assert.deepEqual(p.top(2, { by: 'function', sort: 'live' }).map((r) => [r.frame.function, r.liveBytes, r.share]), [['dep', 400, 0.8], ['alloc', 100, 0.2]]);
  assert.deepEqual(p.top(2, { by: 'function' }).map((r) => r.frame.function), ['alloc', 'dep'], 'the default sort is unchanged');

  const kept = p.filter({ nodeModules: false });
  assert.deepEqual(kept.totals(), { bytes: 1000, objects: 10, liveBytes: 100, liveObjects: 1, temporaryBytes: 900, temporaryObjects: 9 });

  const merged = mergeProfiles([p, synthetic({ scale: 2 })]);
  assert.equal(merged.totals().liveBytes, 1500);
  assert.equal(merged.totals().temporaryBytes, 3000);
  const mixed = mergeProfiles([p, synthetic({ live: false })]);
  assert.equal(mixed.hasLiveFigures, false, 'one profile without live figures: the merge has none');
  assert.equal(mixed.data.nodes.liveBytes, undefined);

  const [row] = synthetic({ scale: 3 }).diff(p, { by: 'function' });
  assert.equal(row.deltaBytes, 2000);
  assert.equal(row.deltaLiveBytes, 200);
  assert.equal(synthetic().diff(synthetic({ live: false }))[0].deltaLiveBytes, undefined);

  const json = JSON.parse(JSON.stringify(p.toJSON()));
  assert.deepEqual(json.nodes.liveBytes, [0, 0, 100, 400]);
  assert.equal(Profile.fromJSON(json).totals().liveBytes, 500);
  assert.equal('liveBytes' in synthetic({ live: false }).toJSON().nodes, false);
  assert.throws(() => synthetic({ live: false }).top(3, { sort: 'live' }), { code: 'ERR_ALLOCSCOPE_UNSUPPORTED' });
});
