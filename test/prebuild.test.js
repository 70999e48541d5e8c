'use strict';
// The published package must load from its ABI-tagged prebuild alone: npm 11
// does not run a dependency's install script, so nothing is compiled for users.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { ROOT } = require('./helpers');

const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });

test('prebuild:native makes an ABI-tagged prebuild; the packed package loads from it with no build/ and no install scripts', { timeout: 300_000 }, () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-prebuild-'));
  try {
    // A scratch copy of the package, sharing node_modules, so the repo's build/ is untouched.
    const pkg = path.join(work, 'pkg');
    fs.mkdirSync(pkg);
    for (const entry of ['package.json', 'CMakeLists.txt', 'native', 'dist']) {
      fs.cpSync(path.join(ROOT, entry), path.join(pkg, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'));

    execFileSync(process.execPath, ['native/prebuild.js'], { cwd: pkg, stdio: 'pipe' });
    const dir = path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`);
    const files = fs.readdirSync(dir);
    assert.deepEqual(files, [`allocscope.abi${process.versions.modules}.node`], 'one ABI-tagged prebuild, no untagged (napi) build');

    // Pack it as npm would publish it, without running lifecycle scripts.
    fs.rmSync(path.join(pkg, 'build'), { recursive: true, force: true });
    const tarball = npm(['pack', '--ignore-scripts', '--silent', '--pack-destination', work], pkg).trim().split('\n').pop();
    const listing = execFileSync('tar', ['-tzf', path.join(work, tarball)], { encoding: 'utf8' });
    assert.match(listing, new RegExp(`package/prebuilds/${process.platform}-${process.arch}/allocscope\\.abi\\d+\\.node`));
    assert.doesNotMatch(listing, /package\/build\//, 'no local build in the package');

    // Install it into a fresh project as a user with npm 11 would: no install scripts run.
    const app = path.join(work, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), '{"name":"app","version":"1.0.0","private":true}');
    npm(['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', path.join(work, tarball)], app);
    const installed = path.join(app, 'node_modules', 'allocscope');
    assert.equal(fs.existsSync(path.join(installed, 'build')), false, 'nothing was compiled');

    const out = execFileSync(process.execPath, ['-e', `
      const gyp = require('node-gyp-build');
      const a = require('allocscope');
      a.gc.start();
      let k = []; for (let i = 0; i < 1e6; i++) { k.push({ i }); if (k.length > 1e4) k = []; }
      console.log(JSON.stringify({ loaded: gyp.resolve(require.resolve('allocscope/package.json').replace(/package\\.json$/, '')), used: a.heap.stats().usedHeapSizeBytes, gcs: a.gc.summary().count }));
    `], { cwd: app, encoding: 'utf8', env: { ...process.env, PREBUILDS_ONLY: '1' } });
    const result = JSON.parse(out);
    assert.match(result.loaded, /prebuilds\/linux-x64\/allocscope\.abi\d+\.node$/);
    assert.ok(result.used > 0 && result.gcs > 0);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
