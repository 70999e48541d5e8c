'use strict';
// `allocscope report --format speedscope` opened by speedscope itself: the
// speedscope npm package (a pinned devDependency) ships its built app, whose
// importers live inside one browser bundle. So the test does what the package's
// own CLI (`speedscope file.json`) does: open its dist/release/index.html in
// Chromium (Debian's, through playwright-core, as the HTML report tests do) with
// #localProfilePath= pointing at a script that calls
// speedscope.loadFileFromBase64(name, base64). What speedscope read comes back
// through its own Export button: speedscope's serializer writes the profile it
// holds (name, unit, total weight from Profile.getTotalWeight(), frames, and
// each call as open/close events). That is compared with the capture's own call
// tree and the JSON report: the total, the unit, the frames, and the bytes of
// every stack (self bytes at each call path).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { runCli, DIST } = require('./helpers');
const { launchChromium } = require('./browser');

const SPEEDSCOPE = path.dirname(require.resolve('speedscope/package.json'));
const SPEEDSCOPE_VERSION = require('speedscope/package.json').version;
const APP = path.join(SPEEDSCOPE, 'dist', 'release', 'index.html');

// Recursion (a frame several times on one stack), a callback under a V8 builtin
// (Array.from: a frame with no file), and allocations at several depths.
const PROGRAM = `
function leafAllocator(n) { return { n, s: 'x'.repeat(32) + n, a: [n, n + 1, n + 2] }; }
function recurse(depth, out) {
  if (depth === 0) { out.push(leafAllocator(out.length)); return; }
  if (depth % 2 === 0) out.push(new Array(16).fill(depth));
  recurse(depth - 1, out);
}
function viaBuiltin(count) { return Array.from({ length: count }, (_, i) => ({ i, t: 'y' + i })); }
const keep = [];
for (let round = 0; round < 4000; round++) {
  const out = [];
  recurse(5, out);
  keep.push(out, viaBuiltin(50));
  if (keep.length > 2000) keep.length = 0;
}
console.log(keep.length);
`;

let tmp, browser;

test.before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-speedscope-'));
  browser = await launchChromium();
});

test.after(async () => {
  await browser?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** A frame's identity: name, and file:line:col where there is a file (speedscope's export omits them otherwise). */
const frameKey = (f) => (f.file === undefined || f.file === '' ? f.name : `${f.name}\0${f.file}\0${f.line}\0${f.col}`);

/** Loads `file` into speedscope as its CLI does and returns what speedscope exports of it, with the page's log. */
async function throughSpeedscope(file) {
  const loader = path.join(tmp, 'load.js');
  const name = path.basename(file);
  fs.writeFileSync(loader, `speedscope.loadFileFromBase64(${JSON.stringify(name)}, ${JSON.stringify(fs.readFileSync(file).toString('base64'))})`);
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 800 } });
  try {
    // Nothing but the app's own files and the loader: no network.
    await context.route(() => true, (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    const log = [];
    const errors = [];
    page.on('console', (m) => { log.push(m.text()); if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (d) => { errors.push(`dialog: ${d.message()}`); void d.dismiss(); }); // "Unrecognized format!" and the like
    await page.goto(`${pathToFileURL(APP).href}#localProfilePath=${loader}`);
    await page.waitForFunction(() => document.title.endsWith(' - speedscope')); // set once a profile is loaded
    const title = await page.title();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByText('Export', { exact: false }).first().click()]);
    const exported = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
    return { exported, title, log, errors };
  } finally {
    await context.close();
  }
}

/** Bytes per stack (root → leaf frame keys joined by \n) from speedscope's evented export: the span between events goes to the open stack. */
function stacksOfEvented(profile, frames) {
  const stacks = new Map();
  const open = [];
  let at = profile.startValue;
  for (const e of profile.events) {
    assert.ok(e.at >= at, 'events in order');
    if (e.at > at && open.length > 0) {
      const key = open.map((i) => frameKey(frames[i])).join('\n');
      stacks.set(key, (stacks.get(key) ?? 0) + (e.at - at));
    }
    at = e.at;
    if (e.type === 'O') open.push(e.frame);
    else assert.equal(open.pop(), e.frame, 'close matches open');
  }
  assert.equal(open.length, 0);
  assert.equal(at, profile.endValue, 'the events span the profile');
  return stacks;
}

/** Bytes per stack from the capture's own call tree (self bytes of each node, at its path from the root). */
function stacksOfCapture(captureFile) {
  const { readCapture } = require(path.join(DIST, 'capture', 'file'));
  const { Profile } = require(path.join(DIST, 'profile', 'profile'));
  const profile = new Profile(readCapture(captureFile).profile);
  const { parent, frame, selfBytes } = profile.data.nodes;
  const key = (i) => {
    const f = profile.frame(frame[i]);
    return frameKey(f.builtin ? { name: f.function } : { name: f.function, file: f.file, line: f.line, col: f.column });
  };
  const stacks = new Map();
  for (let i = 1; i < parent.length; i++) {
    if (selfBytes[i] === 0) continue;
    const path_ = [];
    for (let n = i; n > 0; n = parent[n]) path_.push(key(n));
    const k = path_.reverse().join('\n');
    stacks.set(k, (stacks.get(k) ?? 0) + selfBytes[i]);
  }
  return stacks;
}

test(`speedscope ${SPEEDSCOPE_VERSION} reads our profile with our total, unit, frames and bytes per stack`, async () => {
  const program = path.join(tmp, 'program.js');
  fs.writeFileSync(program, PROGRAM);
  const capture = path.join(tmp, 'program.allocscope');
  const run = runCli(['run', '-q', '--mode', 'allocated', '--interval', '16k', '-o', capture, program], { cwd: tmp });
  assert.equal(run.status, 0, run.stderr);
  const ours = path.join(tmp, 'program.speedscope.json');
  const r = runCli(['report', capture, '--format', 'speedscope', '-o', ours]);
  assert.equal(r.status, 0, r.stderr);
  const json = runCli(['report', capture, '--format', 'json']);
  assert.equal(json.status, 0, json.stderr);
  const totals = JSON.parse(json.stdout).profile.totals;
  const file = JSON.parse(fs.readFileSync(ours, 'utf8'));

  const { exported, title, log, errors } = await throughSpeedscope(ours);
  assert.deepEqual(errors, [], 'speedscope loaded the file without an error or alert');
  assert.ok(log.includes('Importing as speedscope json file'), `speedscope chose its own format's importer: ${log.join(' | ')}`);
  assert.equal(title, `${file.name} - speedscope`);
  assert.equal(exported.exporter, `speedscope@${SPEEDSCOPE_VERSION}`);

  // One profile, named, in bytes, with the capture's total.
  assert.equal(exported.name, file.name);
  assert.equal(exported.profiles.length, 1);
  const [p] = exported.profiles;
  assert.equal(p.name, file.profiles[0].name);
  assert.match(p.name, /program\.js \(allocated bytes\)$/);
  assert.equal(p.unit, 'bytes', 'speedscope reads the weights as bytes');
  const total = p.endValue - p.startValue;
  assert.ok(Math.abs(total - totals.bytes) <= 1, `speedscope's total ${total} vs the report's ${totals.bytes}`);

  // Frames and stacks: speedscope's reading against the capture's call tree.
  const expected = stacksOfCapture(capture);
  const got = stacksOfEvented(p, exported.shared.frames);
  const framesOf = (stacks) => new Set([...stacks.keys()].flatMap((k) => k.split('\n')));
  assert.deepEqual([...framesOf(got)].sort(), [...framesOf(expected)].sort(), 'the frames speedscope holds');
  assert.equal(new Set(exported.shared.frames.map(frameKey)).size, exported.shared.frames.length, 'no frame twice');
  const names = new Set(exported.shared.frames.map((f) => f.name));
  for (const n of ['leafAllocator', 'recurse', 'viaBuiltin', 'from']) assert.ok(names.has(n), `frame ${n}: ${[...names].join(', ')}`);
  assert.ok(exported.shared.frames.some((f) => f.name === 'from' && f.file === undefined), 'a builtin frame has no file');
  assert.ok([...got.keys()].some((k) => k.split('\n').filter((f) => f.startsWith('recurse\0')).length >= 3), 'recursion kept as nested calls');
  const mismatches = [];
  for (const k of new Set([...got.keys(), ...expected.keys()])) {
    const a = got.get(k) ?? 0, b = expected.get(k) ?? 0;
    if (Math.abs(a - b) > 1) mismatches.push({ stack: k.split('\n').map((f) => f.split('\0')[0]).join(' > '), speedscope: a, capture: b });
  }
  assert.deepEqual(mismatches, [], 'bytes per stack');
  assert.ok(got.size >= 5, `${got.size} stacks`);
});
