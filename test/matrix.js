#!/usr/bin/env node
'use strict';
// `npm run test:matrix`: the whole suite on every supported Node major, each at
// the release of its line cached from the registry (native/supported-nodes.js).
//
// 1. `npm pack` once: its prepack step builds the ABI-tagged prebuild of every
//    major against that Node's own headers, so the tarball is the one users get.
// 2. For each major: the test files under that Node, loading the prebuilds only
//    (PREBUILDS_ONLY: the developer's build/ belongs to the Node on PATH), with
//    PACKED_TARBALL set so test/package-install.test.js installs that tarball.
// 3. A table of counts per major, written to test-artifacts/matrix.json too.
//
//   node test/matrix.js [--majors 22,24] [--write-readme] [test/some.test.js ...]
//
// --write-readme puts the table of this run into README.md (between the
// node-matrix markers), so the supported-versions table is what a run showed.
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { ensureNode, parseMajors } = require('../native/supported-nodes');

const ROOT = path.resolve(__dirname, '..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');

function usage(message) {
  console.error(`test:matrix: ${message}\nusage: node test/matrix.js [--majors 20,22,24,26] [--write-readme] [test files...]`);
  process.exit(2);
}

function parseArgs(argv) {
  let majors;
  let writeReadme = false;
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--majors') {
      try { majors = parseMajors(argv[++i]); } catch (error) { usage(error.message); }
    } else if (argv[i] === '--write-readme') writeReadme = true;
    else if (argv[i].startsWith('-')) usage(`unknown option ${argv[i]}`);
    else files.push(argv[i]);
  }
  const all = fs.readdirSync(path.join(ROOT, 'test')).filter((f) => f.endsWith('.test.js')).sort().map((f) => `test/${f}`);
  for (const file of files) if (!fs.existsSync(path.join(ROOT, file))) usage(`no such test file: ${file}`);
  return { majors: majors ?? parseMajors('all'), files: files.length ? files : all, writeReadme };
}

/** npm pack into test-artifacts/: prepack builds every major's prebuild, prepare compiles dist/. */
function pack() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  for (const old of fs.readdirSync(ARTIFACTS).filter((f) => f.endsWith('.tgz'))) fs.rmSync(path.join(ARTIFACTS, old));
  console.log('test:matrix: npm pack (prebuilds for every supported major)');
  const r = spawnSync('npm', ['pack', '--pack-destination', ARTIFACTS], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) {
    process.stdout.write(r.stdout ?? '');
    throw new Error(`npm pack failed (${r.status ?? r.signal})`);
  }
  const name = r.stdout.trim().split('\n').pop();
  return path.join(ARTIFACTS, name);
}

/** Runs the suite under one Node; resolves with the runner's closing counts. */
function runSuite(node, files, tarball) {
  return new Promise((resolve) => {
    const started = Date.now();
    // The spec reporter on every major (Node 20 would print TAP to a pipe): its closing ℹ lines are counted.
    const child = spawn(node.node, ['--test', '--test-concurrency=2', '--test-reporter=spec', ...files], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PATH: `${node.binDir}${path.delimiter}${process.env.PATH}`, PREBUILDS_ONLY: '1', PACKED_TARBALL: tarball },
    });
    // The closing ℹ counts come before the failures' details, so all of stdout is kept.
    let tail = '';
    const relay = (stream, out) => stream.on('data', (chunk) => {
      out.write(chunk);
      if (out === process.stdout) tail += chunk.toString();
    });
    relay(child.stdout, process.stdout);
    relay(child.stderr, process.stderr);
    child.on('close', (code, signal) => {
      const count = (name) => Number([...tail.matchAll(new RegExp(`^ℹ ${name} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? NaN);
      resolve({
        major: Number(node.version.split('.')[0]), version: node.version, abi: node.abi, v8: node.v8,
        tests: count('tests'), pass: count('pass'), fail: count('fail'), skipped: count('skipped'), todo: count('todo'),
        seconds: Math.round((Date.now() - started) / 1000), exit: code ?? signal,
      });
    });
  });
}

const NOTES = { 20: ' (end of life since April 2026)', 24: ' (active LTS)', 26: ' (current)' };

/** README's table of supported versions, from this run's results. */
function writeReadmeTable(results, files) {
  const readme = path.join(ROOT, 'README.md');
  const text = fs.readFileSync(readme, 'utf8');
  const start = '<!-- node-matrix:start -->';
  const end = '<!-- node-matrix:end -->';
  if (!text.includes(start) || !text.includes(end)) throw new Error('README.md has no node-matrix markers');
  const day = new Date().toISOString().slice(0, 10);
  const rows = results.map((r) => `| ${r.version}${NOTES[r.major] ?? ''} | ${r.v8.split('.').slice(0, 2).join('.')} | \`abi${r.abi}\` | ${r.pass} of ${r.tests} pass${r.skipped ? `, ${r.skipped} skipped` : ''}${r.fail ? `, **${r.fail} fail**` : ''} |`);
  const table = [start, `| Node | V8 | prebuild | tests (\`npm run test:matrix\`, ${day}, ${files.length} files) |`, '|---|---|---|---|', ...rows, end].join('\n');
  fs.writeFileSync(readme, text.slice(0, text.indexOf(start)) + table + text.slice(text.indexOf(end) + end.length));
}

async function main() {
  const { majors, files, writeReadme } = parseArgs(process.argv.slice(2));
  const nodes = majors.map((major) => ensureNode(major, { log: (line) => console.log(`test:matrix: ${line}`) }));
  const tarball = pack();
  const results = [];
  for (const node of nodes) {
    console.log(`\ntest:matrix: Node ${node.version} (ABI ${node.abi}, V8 ${node.v8}): ${files.length} test files`);
    results.push(await runSuite(node, files, tarball));
  }
  fs.writeFileSync(path.join(ARTIFACTS, 'matrix.json'), `${JSON.stringify({ tarball: path.basename(tarball), results }, null, 2)}\n`);

  console.log('\n| Node | ABI | V8 | tests | pass | fail | skipped | time |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of results) console.log(`| ${r.version} | ${r.abi} | ${r.v8} | ${r.tests} | ${r.pass} | ${r.fail} | ${r.skipped} | ${r.seconds} s |`);
  if (writeReadme) writeReadmeTable(results, files);
  const passed = results.reduce((sum, r) => sum + (r.pass || 0), 0);
  const failed = results.reduce((sum, r) => sum + (Number.isNaN(r.fail) ? 1 : r.fail), 0);
  const broken = results.filter((r) => r.exit !== 0);
  // The plain closing line CI reads: the counts over all majors.
  console.log(`\nmatrix: ${passed} passed, ${failed} failed`);
  process.exitCode = broken.length > 0 || failed > 0 ? 1 : 0;
}

main().catch((error) => {
  console.error(`test:matrix: ${error.message}`);
  process.exit(1);
});
