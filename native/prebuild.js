#!/usr/bin/env node
'use strict';
// Builds ABI-tagged prebuilds (prebuilds/<platform>-<arch>/allocscope.abi<N>.node)
// with prebuildify, compiling through cmake-js against each Node's own headers.
//
//   node native/prebuild.js               the running Node
//   node native/prebuild.js --all         every supported major (20, 22, 24, 26), each
//                                         Node fetched once from the registry (supported-nodes.js)
//   node native/prebuild.js --majors 22,24
//
// --napi=false matters: the addon uses V8's C++ API, so it must be tagged with
// the ABI it was built for; an untagged build would load into any Node and crash.
// Each build runs in a scratch copy of the sources, so the developer's build/
// (for the Node on PATH) is never replaced by another major's addon.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ensureNode, parseMajors } = require('./supported-nodes');

const root = path.resolve(__dirname, '..');
const SOURCES = ['package.json', 'CMakeLists.txt', 'native'];

/** Runs prebuildify under `node` (its headers next to it); the prebuild lands in root/prebuilds. */
function prebuildWith(node, binDir) {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-prebuild-'));
  try {
    for (const entry of SOURCES) fs.cpSync(path.join(root, entry), path.join(stage, entry), { recursive: true });
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'));
    const version = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    const prebuildify = require.resolve('prebuildify/bin.js', { paths: [root] });
    const result = spawnSync(node, [
      prebuildify, '--napi=false', '--strip', `--target=${version}`, '--out', root,
      '--node-gyp', path.join(stage, 'native', 'prebuildify-shim.js'),
    ], {
      cwd: stage,
      stdio: 'inherit',
      // The shim is started through the shell: PATH decides which node runs it, and so
      // which headers build.js compiles against.
      env: { ...process.env, PATH: `${binDir}${path.delimiter}${process.env.PATH}`, npm_config_nodedir: path.resolve(binDir, '..') },
    });
    if (result.status !== 0) throw new Error(`allocscope: the prebuild for Node ${version} failed (exit ${result.status ?? result.signal})`);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

function main(argv) {
  const all = argv.includes('--all');
  const majorsAt = argv.indexOf('--majors');
  if (!all && majorsAt === -1) {
    prebuildWith(process.execPath, path.dirname(process.execPath));
    return;
  }
  const majors = parseMajors(all ? 'all' : argv[majorsAt + 1]);
  for (const major of majors) {
    const node = ensureNode(major, { log: (line) => console.log(`allocscope: ${line}`) });
    console.log(`allocscope: prebuild for Node ${node.version} (ABI ${node.abi})`);
    prebuildWith(node.node, node.binDir);
  }
}

try {
  main(process.argv.slice(2));
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
