'use strict';
// What loads when: require('allocscope') loads only what a program uses, and
// `allocscope --help` neither loads the addon nor the commands' modules.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { runNodeJson, runNode, CLI, DIST } = require('./helpers');

/** Prints, as JSON, the modules loaded so far as short names (package names for dependencies, dist-relative paths for ours, "addon"). */
const LOADED = `
  const loaded = () => Object.keys(require.cache).map((k) => k.endsWith('.node') ? 'addon'
    : k.includes('/node_modules/') ? k.split('/node_modules/').pop().split('/').slice(0, k.split('/node_modules/').pop().startsWith('@') ? 2 : 1).join('/')
    : k.startsWith(process.env.ALLOCSCOPE_DIST) ? k.slice(process.env.ALLOCSCOPE_DIST.length + 1) : k);`;

test('require("allocscope") loads no dependency a program has not used yet; each loads on first use', () => {
  const { json } = runNodeJson({ code: `${LOADED}
    const a = require(process.env.ALLOCSCOPE_DIST);
    const atImport = loaded();
    a.heap.start({ intervalBytes: 4096 });
    const junk = []; for (let i = 0; i < 1e4; i++) junk.push({ i });
    const p = a.heap.profile();
    const afterProfile = loaded();
    p.filter({ exclude: '**/nothing/**' });
    const afterFilter = loaded();
    a.heap.stop();
    console.log(JSON.stringify({ atImport, afterProfile, afterFilter }));` });
  for (const dep of ['picomatch', '@jridgewell/trace-mapping', 'pprof-format', 'prom-client', 'jstat']) {
    assert.ok(!json.atImport.includes(dep), `${dep} loaded by the import`);
  }
  assert.ok(!json.atImport.some((m) => m.startsWith('cli/') || m.startsWith('reporters/') || m.startsWith('leaks/') || m.startsWith('continuous/')),
    json.atImport.join(', '));
  assert.ok(json.atImport.length <= 30, `${json.atImport.length} modules: ${json.atImport.join(', ')}`);
  // A profile without source maps needs neither globs nor trace-mapping; a filter with globs needs picomatch.
  assert.ok(!json.afterProfile.includes('picomatch') && !json.afterProfile.includes('@jridgewell/trace-mapping'), json.afterProfile.join(', '));
  assert.ok(json.afterFilter.includes('picomatch'), 'filter() loads picomatch when it needs it');
});

test('allocscope --help loads neither the addon nor any command; a command\'s --help loads that command only', () => {
  const probe = (args) => {
    const r = runNode({ code: `${LOADED}
      process.argv = [process.argv[0], ${JSON.stringify(CLI)}, ...${JSON.stringify(args)}];
      process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(loaded()) + '\\n'));
      require(${JSON.stringify(CLI)});` });
    assert.equal(r.status, 0, r.stderr);
    return { stdout: r.stdout, loaded: JSON.parse(r.stderr.split('LOADED ')[1]) };
  };
  const top = probe(['--help']);
  assert.match(top.stdout, /Usage: allocscope <command>/);
  assert.ok(!top.loaded.includes('addon'), top.loaded.join(', '));
  assert.deepEqual(top.loaded.filter((m) => m.startsWith('cli/') && m !== 'cli/main.js'), []);
  const run = probe(['run', '--help']);
  assert.match(run.stdout, /Usage: allocscope run/);
  assert.ok(!run.loaded.includes('addon'), run.loaded.join(', '));
  assert.ok(run.loaded.includes('cli/run.js') && !run.loaded.includes('cli/report.js') && !run.loaded.includes('cli/leaks.js'), run.loaded.join(', '));
});

test('an unknown command is still one line and status 2 (commands are looked up, not loaded, first)', () => {
  for (const name of ['nope', 'constructor', '__proto__']) {
    const r = runNode({ file: CLI, args: [name] });
    assert.equal(r.status, 2, name);
    assert.match(r.stderr, new RegExp(`^allocscope: unknown command "${name.replace(/_/g, '_')}"`), r.stderr);
  }
  void DIST;
});
