#!/usr/bin/env node
'use strict';
// Builds the ABI-tagged prebuild for the running Node (prebuilds/<platform>-<arch>/
// allocscope.abi<N>.node) with prebuildify, compiling through cmake-js.
// --napi=false matters: the addon uses V8's C++ API, so it must be tagged with
// the ABI it was built for; an untagged build would load into any Node and crash.
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const prebuildify = require.resolve('prebuildify/bin.js', { paths: [root] });
const result = spawnSync(process.execPath, [
  prebuildify, '--napi=false', '--strip', `--target=${process.versions.node}`,
  '--node-gyp', path.join(__dirname, 'prebuildify-shim.js'),
], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
