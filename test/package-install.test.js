'use strict';
// The package as users get it: a tarball installed into a fresh project, with and
// without install scripts, on the Node that runs this test. It must load its
// ABI-tagged prebuild without compiling anything, profile a real program through
// the API and the CLI, and fall back to a source build (or one clear line saying
// what to install) when no prebuild matches.
//
// PACKED_TARBALL names a tarball made by `npm pack` (test/matrix.js sets it): it
// must then carry the prebuilds of every supported major. Without it the test
// packs a scratch copy with a prebuild for this Node only.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const { ROOT } = require('./helpers');
const { SUPPORTED_MAJORS, ABI_BY_MAJOR } = require('../native/supported-nodes');

const ABI = process.versions.modules;
const PREBUILD_DIR = `prebuilds/${process.platform}-${process.arch}`;
const PREBUILD = `${PREBUILD_DIR}/allocscope.abi${ABI}.node`;

// The installed package must not see this repo: no ALLOCSCOPE_* pointers at our
// build or dist, no PREBUILDS_ONLY from the matrix. The Node running this test
// comes first on PATH, so npm and the package's scripts run under it.
function cleanEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('ALLOCSCOPE_') || key === 'PREBUILDS_ONLY' || key.startsWith('npm_')) continue;
    env[key] = value;
  }
  env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`;
  return { ...env, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false', ...extra };
}

function npm(args, cwd) {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', env: cleanEnv(), timeout: 600_000 });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-4000)}`);
  return r.stdout;
}

function node(args, cwd, extraEnv) {
  return spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: cleanEnv(extraEnv), timeout: 120_000 });
}

/** A tarball with this Node's prebuild: a scratch copy of the package, packed without scripts. */
function packForThisNode(work) {
  const pkg = path.join(work, 'pkg');
  fs.mkdirSync(pkg);
  for (const entry of ['package.json', 'LICENSE', 'CMakeLists.txt', 'native', 'dist']) {
    fs.cpSync(path.join(ROOT, entry), path.join(pkg, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'));
  execFileSync(process.execPath, ['native/prebuild.js'], { cwd: pkg, stdio: 'pipe', env: cleanEnv() });
  assert.deepEqual(fs.readdirSync(path.join(pkg, PREBUILD_DIR)), [`allocscope.abi${ABI}.node`], 'one ABI-tagged prebuild, no untagged (napi) build');
  return path.join(work, npm(['pack', '--ignore-scripts', '--silent', '--pack-destination', work], pkg).trim().split('\n').pop());
}

/** A fresh project with the tarball installed; `flags` go to npm install. */
function installInto(work, name, tarball, flags) {
  const app = path.join(work, name);
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  npm(['install', '--prefer-offline', ...flags, tarball], app);
  return app;
}

// A small word-index program, the kind of code a user profiles: it builds an index of words
// (retained) from generated lines (temporary strings and arrays).
const PROGRAM = `
function tokenize(line) { return line.toLowerCase().split(/[^a-z]+/).filter(Boolean); }
function buildIndex(lines) {
  const index = new Map();
  lines.forEach((line, n) => { for (const word of tokenize(line)) { let list = index.get(word); if (!list) index.set(word, list = []); list.push(n); } });
  return index;
}
const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
const lines = Array.from({ length: 200000 }, (_, i) => words.map((w, k) => w + ((i * 7 + k) % 97)).join(' '));
console.log('words', buildIndex(lines).size);
`;

test('the packed package installs in a fresh project, with and without install scripts, and loads its prebuild', { timeout: 1_200_000 }, async (t) => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-package-'));
  t.after(() => fs.rmSync(work, { recursive: true, force: true }));

  const tarball = process.env.PACKED_TARBALL ? path.resolve(process.env.PACKED_TARBALL) : packForThisNode(work);
  const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
  await t.test('GIVEN the tarball THEN it carries dist/, the sources and ABI-tagged prebuilds only', () => {
    assert.ok(listing.includes('package/dist/index.js') && listing.includes('package/CMakeLists.txt') && listing.includes('package/LICENSE'), 'dist, CMakeLists.txt and the licence (package.json says MIT)');
    assert.ok(listing.includes(`package/${PREBUILD}`), `${PREBUILD} is in the tarball`);
    const addons = listing.filter((f) => f.endsWith('.node'));
    for (const file of addons) assert.match(file, /^package\/prebuilds\/[a-z0-9]+-[a-z0-9]+\/allocscope\.abi\d+\.node$/, 'every addon is ABI-tagged, none from build/');
    if (process.env.PACKED_TARBALL) {
      // `npm pack` (prepack) builds every supported major.
      const expected = SUPPORTED_MAJORS.map((m) => `package/${PREBUILD_DIR}/allocscope.abi${ABI_BY_MAJOR[m]}.node`);
      assert.deepEqual(addons.slice().sort(), expected.sort());
    }
  });

  for (const [name, flags] of [['default', []], ['ignore-scripts', ['--ignore-scripts']]]) {
    await t.test(`GIVEN npm install ${flags.join(' ') || '(default settings)'} WHEN a program requires allocscope THEN the prebuild for ABI ${ABI} is loaded and profiles`, () => {
      const app = installInto(work, `app-${name}`, tarball, flags);
      const installed = path.join(app, 'node_modules', 'allocscope');
      assert.equal(fs.existsSync(path.join(installed, 'build')), false, 'nothing was compiled');
      fs.writeFileSync(path.join(app, 'index.js'), PROGRAM);
      const r = node(['-e', `
        const allocscope = require('allocscope');
        allocscope.heap.start({ mode: 'allocated', intervalBytes: 64 * 1024 });
        allocscope.gc.start();
        require('./index.js');
        const top = allocscope.heap.profile().top(3);
        console.log(JSON.stringify({
          loaded: require('node-gyp-build').resolve(require.resolve('allocscope/package.json').replace(/package\\.json$/, '')),
          top: top.map((row) => row.label), gcs: allocscope.gc.summary().count,
        }));
      `], app);
      assert.equal(r.status, 0, r.stderr);
      const result = JSON.parse(r.stdout.trim().split('\n').pop());
      assert.ok(result.loaded.endsWith(PREBUILD), `loaded ${result.loaded}`);
      assert.ok(result.gcs > 0, 'GCs were seen');
      // The program's own code allocates the most. (Which of its functions is named
      // depends on V8's inlining from Node 24 on: the API reports what V8 reports.)
      assert.ok(result.top.length > 0 && result.top.every((label) => /\(index\.js:\d+:\d+\)$/.test(label)), `top sites ${result.top}`);
    });
  }

  await t.test('GIVEN the installed CLI WHEN it runs a program and reports the capture THEN the program\'s own sites are named', () => {
    const app = path.join(work, 'app-default');
    const cli = path.join(app, 'node_modules', '.bin', 'allocscope');
    const run = spawnSync(cli, ['run', '-o', 'index.allocscope', 'index.js'], { cwd: app, encoding: 'utf8', env: cleanEnv(), timeout: 120_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /words \d+/, 'the program ran and printed its own output');
    const report = spawnSync(cli, ['report', 'index.allocscope'], { cwd: app, encoding: 'utf8', env: cleanEnv(), timeout: 120_000 });
    assert.equal(report.status, 0, report.stderr);
    // run's default (live): what the program held at its peak, at the program's own lines.
    assert.match(report.stdout, /at the peak, [\d.]+ s in\)[\s\S]*\(index\.js:\d+:\d+\)/);
    // Allocated mode: everything it allocated, by its functions.
    const allocated = spawnSync(cli, ['run', '--mode', 'allocated', '-q', '-o', 'allocated.allocscope', 'index.js'], { cwd: app, encoding: 'utf8', env: cleanEnv(), timeout: 120_000 });
    assert.equal(allocated.status, 0, allocated.stderr);
    const report2 = spawnSync(cli, ['report', 'allocated.allocscope'], { cwd: app, encoding: 'utf8', env: cleanEnv(), timeout: 120_000 });
    assert.match(report2.stdout, /tokenize|buildIndex/);
  });

  await t.test('GIVEN no prebuild for this Node and no cmake WHEN the install script runs THEN one line says what to install', () => {
    const installed = path.join(work, 'app-default', 'node_modules', 'allocscope');
    fs.rmSync(path.join(installed, 'prebuilds'), { recursive: true, force: true });
    // A PATH that has node and nothing else: no cmake, no compiler.
    const bin = path.join(work, 'bare-bin');
    fs.mkdirSync(bin);
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const r = spawnSync(path.join(bin, 'node'), ['native/build.js', '--if-missing'], { cwd: installed, encoding: 'utf8', env: { ...cleanEnv(), PATH: bin } });
    assert.equal(r.status, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^allocscope: no prebuilt addon for Node .* needs cmake and a C\+\+ compiler .*install them/);
  });

  await t.test('GIVEN no prebuild for this Node WHEN npm rebuilds the installed package THEN it compiles from the package alone and loads', () => {
    const app = path.join(work, 'app-default');
    npm(['rebuild', 'allocscope'], app);
    const r = node(['-e', `
      const a = require('allocscope');
      console.log(JSON.stringify({ loaded: require('node-gyp-build').resolve(require.resolve('allocscope/package.json').replace(/package\\.json$/, '')), used: a.heap.stats().usedHeapSizeBytes }));
    `], app);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout.trim().split('\n').pop());
    assert.match(result.loaded, /node_modules\/allocscope\/build\/Release\/allocscope\.node$/);
    assert.ok(result.used > 0);
  });
});
