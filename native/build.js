#!/usr/bin/env node
'use strict';
// Compiles the addon with cmake-js against the headers of the Node that runs this
// script, so that no header download is needed (the machine may be offline).
//
//   node native/build.js               build/Release/allocscope.node
//   node native/build.js --if-missing  skip when a prebuild for this ABI exists
//   node native/build.js --asan        build-asan/Release/allocscope.node (ASan+UBSan)
//   node native/build.js --out DIR     DIR/Release/allocscope.node (e.g. one build per Node major)
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const argv = process.argv.slice(2);
const args = new Set(argv);
const outIndex = argv.indexOf('--out');
const outDir = outIndex === -1 ? undefined : argv[outIndex + 1];

/** The include dir of the running Node, else npm's nodedir, else cmake-js's default. */
function nodeHeadersDir() {
  const own = path.resolve(path.dirname(process.execPath), '..');
  if (fs.existsSync(path.join(own, 'include', 'node', 'v8.h'))) return own;
  const fromNpm = process.env.npm_config_nodedir;
  if (fromNpm && fs.existsSync(path.join(fromNpm, 'include', 'node', 'v8.h'))) return fromNpm;
  return undefined;
}

function hasPrebuildForThisAbi() {
  const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  if (!fs.existsSync(dir)) return false;
  const tag = `abi${process.versions.modules}`;
  return fs.readdirSync(dir).some((f) => f.endsWith('.node') && f.split('.').includes(tag));
}

if (args.has('--if-missing') && hasPrebuildForThisAbi()) {
  console.log('allocscope: using the prebuilt addon for this Node ABI');
  process.exit(0);
}

/** The first of `commands` that runs, or undefined. */
function firstThatRuns(commands) {
  return commands.find((command) => spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0);
}

// Without a prebuild for this Node, the addon is compiled here: say in one line what
// is missing rather than letting cmake-js fail deep inside its output.
function checkToolchain() {
  const target = `Node ${process.versions.node} (ABI ${process.versions.modules}, ${process.platform}-${process.arch})`;
  const missing = [];
  if (!firstThatRuns(['cmake'])) missing.push('cmake');
  if (!firstThatRuns([process.env.CXX, 'c++', 'g++', 'clang++'].filter(Boolean))) missing.push('a C++ compiler (g++ or clang++)');
  if (missing.length === 0) return;
  const what = args.has('--if-missing') ? `no prebuilt addon for ${target}, and building it` : `building the addon for ${target}`;
  console.error(`allocscope: ${what} needs ${missing.join(' and ')}: install ${missing.length > 1 ? 'them' : 'it'} (Debian/Ubuntu: apt-get install cmake g++), or use Node 20, 22, 24 or 26, which have prebuilds`);
  process.exit(1);
}
checkToolchain();

const env = { ...process.env };
const nodedir = nodeHeadersDir();
if (nodedir) env.npm_config_nodedir = nodedir;

const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
const cmd = [cmakeJs, args.has("--rebuild") || process.argv.includes("rebuild") ? "rebuild" : "compile"];
if (args.has('--asan')) cmd.push('--out', outDir ?? 'build-asan', '--CDALLOCSCOPE_ASAN=ON', '--config', 'Release');
else if (outDir) cmd.push('--out', outDir);

const result = spawnSync(process.execPath, cmd, { cwd: root, env, stdio: 'inherit' });
if (result.error) {
  console.error(`allocscope: could not run cmake-js: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
