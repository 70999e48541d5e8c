#!/usr/bin/env node
'use strict';
// The sanitizer lane: runs the native-exercising tests and test/asan/workload.js
// against build-asan/Release/allocscope.node (ASan + UBSan), with LeakSanitizer
// at exit, and fails on any sanitizer report that involves the addon.
//
//   npm run test:asan            builds the ASan addon, then runs this
//   node test/asan/run.js        runs against an existing build-asan/
//   node test/asan/run.js --only workload|exit|tests   one step (debugging)
//
// See test/asan/README.md for what is checked and how to read a failure.
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

// Under `node --test test/` (npm test) this file is picked up as a test file:
// it is a lane of its own, not a unit test, so it does nothing there.
if (process.env.NODE_TEST_CONTEXT && !process.env.ALLOCSCOPE_SANITIZER) {
  console.log('test/asan/run.js: the sanitizer lane runs with `npm run test:asan`; skipped under node --test');
  process.exit(0);
}

const root = path.resolve(__dirname, '..', '..');
const addon = path.join(root, 'build-asan', 'Release', 'allocscope.node');
const artifacts = path.join(root, 'test-artifacts', 'asan');
const logDir = path.join(artifacts, 'sanitizer-logs');
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg >= 0 ? process.argv[onlyArg + 1] : null;
const started = Date.now();

function fail(message) {
  console.error(`\nasan lane: ${message}`);
  process.exit(2);
}

// ---- preconditions ------------------------------------------------------------

/** Absolute path of a sanitizer runtime as gcc links it (the addon's DT_NEEDED). */
function gccRuntime(name) {
  const r = spawnSync('gcc', [`-print-file-name=${name}`], { encoding: 'utf8' });
  const printed = (r.stdout || '').trim();
  // gcc echoes the bare name back when it does not know the file.
  if (r.status !== 0 || !path.isAbsolute(printed) || !fs.existsSync(printed)) return null;
  return fs.realpathSync(printed);
}

if (process.platform !== 'linux') fail('this lane preloads the ASan runtime with LD_PRELOAD: Linux only');
if (!fs.existsSync(addon)) fail(`${path.relative(root, addon)} is missing: run \`node native/build.js --asan\` (or npm run test:asan)`);
const libasan = gccRuntime('libasan.so');
if (!libasan) fail('libasan.so not found (`gcc -print-file-name=libasan.so`): install gcc\'s libasan');
// The addon links libubsan itself; preloading it too keeps the load order fixed.
const libubsan = gccRuntime('libubsan.so');

// The workload and most tests go through dist/: make sure it is not older than lib/.
function newestMtime(dir, ext) {
  let newest = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p, ext));
    else if (entry.name.endsWith(ext)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}
if (!fs.existsSync(path.join(root, 'dist', 'index.js')) || newestMtime(path.join(root, 'lib'), '.ts') > newestMtime(path.join(root, 'dist'), '.js')) {
  console.log('asan lane: dist/ is missing or older than lib/: compiling TypeScript (tsc -p tsconfig.json)');
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) fail('tsc failed: the lane needs an up-to-date dist/');
}

// ---- sanitizer environment --------------------------------------------------

fs.rmSync(artifacts, { recursive: true, force: true });
fs.mkdirSync(logDir, { recursive: true });

const ASAN_OPTIONS = [
  'detect_leaks=1',            // LeakSanitizer at exit of every process
  'log_path=' + path.join(logDir, 'asan'), // reports of every process (incl. node --test children) -> asan.<pid>
  'halt_on_error=1',
  'abort_on_error=1',          // a memory error kills the process with SIGABRT...
  'exitcode=0',                // ...but leaks alone do not change the exit status: this runner
                               // decides from the report whether a leak is ours (see classify())
  'verify_asan_link_order=0',  // node itself is not instrumented; the runtime comes from LD_PRELOAD
  'detect_stack_use_after_return=1',
  'check_initialization_order=1',
  'strict_init_order=1',
  'malloc_context_size=40',    // deep enough to reach our frames below V8/N-API allocation sites
  'symbolize=1',
  'print_summary=1',
].join(':');
const UBSAN_OPTIONS = 'print_stacktrace=1:halt_on_error=1'; // UBSan ignores log_path here: scanned on stdout/stderr

const env = {
  ...process.env,
  LD_PRELOAD: [libasan, libubsan, process.env.LD_PRELOAD].filter(Boolean).join(':'),
  ALLOCSCOPE_ADDON: addon,
  ALLOCSCOPE_SANITIZER: 'asan', // lets a test skip what cannot run under ASan (e.g. its own LD_PRELOAD)
  ASAN_OPTIONS,
  LSAN_OPTIONS: 'report_objects=0:max_leaks=0',
  UBSAN_OPTIONS,
  // Sanitizer output from a child of node --test is forwarded by the runner; colours would garble the scan.
  NO_COLOR: '1',
  FORCE_COLOR: '0',
};
delete env.NODE_OPTIONS; // a stray --require/--inspect would change what runs

// ---- steps ----------------------------------------------------------------------

const testFiles = fs.existsSync(path.join(root, 'test'))
  ? fs.readdirSync(path.join(root, 'test')).filter((f) => f.endsWith('.test.js')).sort().map((f) => path.join('test', f))
  : [];

const steps = [
  {
    id: 'smoke',
    title: 'load the ASan addon into node under the preloaded runtime',
    args: ['-e', 'const n = require(process.env.ALLOCSCOPE_ADDON); n.readHeap(new Float64Array(n.heapLayout().heapFields.length)); console.log("addon loaded, V8", n.constants.v8Version)'],
    timeoutMs: 30_000,
  },
  {
    id: 'workload',
    title: 'test/asan/workload.js: every binding, GC callbacks, uv_async, 20 workers (some terminated)',
    args: ['--expose-gc', 'test/asan/workload.js'],
    timeoutMs: 150_000,
  },
  {
    id: 'exit',
    title: 'workload --exit-early: process.exit() while workers are tracking',
    args: ['--expose-gc', 'test/asan/workload.js', '--exit-early'],
    timeoutMs: 60_000,
  },
  {
    id: 'tests',
    title: `node --test: ${testFiles.length} test/*.test.js file(s)`,
    args: ['--test', '--test-concurrency=2', ...testFiles],
    timeoutMs: 240_000,
    skip: testFiles.length === 0 ? 'no test/*.test.js files yet' : null,
  },
].filter((s) => !only || s.id === only || s.id === 'smoke');

function runStep(step) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, step.args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const chunks = [];
    child.stdout.on('data', (d) => chunks.push(d));
    child.stderr.on('data', (d) => chunks.push(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }, step.timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const output = Buffer.concat(chunks).toString('utf8');
      fs.writeFileSync(path.join(artifacts, `${step.id}.log`), output);
      resolve({ code, signal, timedOut, output, ms: Date.now() - t0 });
    });
  });
}

// ---- reading sanitizer reports ---------------------------------------------------

const OURS = [
  'allocscope.node',
  'allocscope::',
  path.join(root, 'native') + path.sep,
  `node-addon-api${path.sep}napi`, // node-addon-api is compiled into the addon
];
const isOurs = (text) => OURS.some((m) => text.includes(m));

/** Splits one LSan report into leak records: { kind, bytes, objects, text, ours }. */
function leakRecords(report) {
  const records = [];
  const re = /^(Direct|Indirect) leak of (\d+) byte\(s\) in (\d+) object\(s\) allocated from:\n((?:[ \t]+#\d+.*\n?)*)/gm;
  for (const m of report.matchAll(re)) {
    records.push({ kind: m[1], bytes: Number(m[2]), objects: Number(m[3]), text: m[0].trimEnd(), ours: isOurs(m[4]) });
  }
  return records;
}

const seenLogs = new Set();
/** Reads the sanitizer logs written since the last call. */
function collectLogs() {
  const out = [];
  for (const name of fs.readdirSync(logDir).sort()) {
    if (seenLogs.has(name)) continue;
    seenLogs.add(name);
    const file = path.join(logDir, name);
    out.push({ file, text: fs.readFileSync(file, 'utf8') });
  }
  return out;
}

/** Everything a step produced that counts as a finding. */
function classify(result, logs) {
  const errors = [];    // ASan/UBSan errors and our leaks: the lane fails
  const foreign = [];   // leaks with no allocscope frame (node/V8/libuv internals): reported, not failed
  for (const { file, text } of logs) {
    const rel = path.relative(root, file);
    // Every ERROR other than the leak report (heap-buffer-overflow, use-after-free, double-free,
    // alloc-dealloc-mismatch, allocation-size-too-big, SEGV in the addon, ...).
    for (const m of text.matchAll(/^==\d+==ERROR: (?!LeakSanitizer: detected memory leaks)(.*)$/gm)) {
      const start = m.index;
      const end = text.indexOf('\nSUMMARY:', start);
      errors.push({ what: m[1], where: rel, text: text.slice(start, end < 0 ? undefined : text.indexOf('\n', end + 1)) });
    }
    if (/ERROR: LeakSanitizer: detected memory leaks/.test(text)) {
      for (const record of leakRecords(text)) {
        if (record.ours) errors.push({ what: `LeakSanitizer: ${record.kind.toLowerCase()} leak of ${record.bytes} byte(s) in ${record.objects} object(s) from the addon`, where: rel, text: record.text });
        else foreign.push({ ...record, where: rel });
      }
    }
  }
  // UBSan writes to stderr (it ignores log_path when linked with ASan); node --test forwards its
  // children's stderr, so one scan of the captured output sees every process.
  for (const m of result.output.matchAll(/^.*runtime error: .*$/gm)) {
    const tail = result.output.slice(m.index).split('\n').slice(0, 14).join('\n');
    errors.push({ what: `UBSan: ${m[0].trim()}`, where: 'output', text: tail });
  }
  if (/ERROR: AddressSanitizer|ERROR: LeakSanitizer/.test(result.output) && !errors.length) {
    errors.push({ what: 'sanitizer report on stdout/stderr (log_path not honoured?)', where: 'output', text: result.output.slice(-4000) });
  }
  return { errors, foreign };
}

// ---- main ----------------------------------------------------------------------

(async () => {
  console.log(`asan lane: ${path.relative(root, addon)}`);
  console.log(`  node ${process.version}, LD_PRELOAD=${env.LD_PRELOAD}`);
  console.log(`  ASAN_OPTIONS=${ASAN_OPTIONS}`);
  console.log(`  UBSAN_OPTIONS=${UBSAN_OPTIONS}`);
  console.log(`  reports: ${path.relative(root, logDir)}/asan.<pid>, step output: ${path.relative(root, artifacts)}/<step>.log\n`);

  const summary = [];
  let failed = false;
  for (const step of steps) {
    if (step.skip) {
      console.log(`- ${step.id}: skipped (${step.skip})`);
      summary.push({ id: step.id, status: 'skipped', note: step.skip });
      continue;
    }
    process.stdout.write(`- ${step.id}: ${step.title} ... `);
    const result = await runStep(step);
    const { errors, foreign } = classify(result, collectLogs());
    const exitProblem = result.timedOut ? `timed out after ${step.timeoutMs / 1000} s`
      : result.signal ? `killed by ${result.signal}`
      : result.code !== 0 ? `exit code ${result.code}` : null;
    const ok = !exitProblem && errors.length === 0;
    failed ||= !ok;
    console.log(`${ok ? 'ok' : 'FAILED'} (${(result.ms / 1000).toFixed(1)} s)`);
    if (exitProblem) console.log(`    process: ${exitProblem}`);
    for (const e of errors) {
      console.log(`    ${e.what}   [${e.where}]`);
      console.log(e.text.split('\n').slice(0, 40).map((l) => `      | ${l}`).join('\n'));
    }
    if (foreign.length) {
      const bytes = foreign.reduce((a, r) => a + r.bytes, 0);
      console.log(`    note: ${foreign.length} leak record(s), ${bytes} bytes, with no allocscope frame (node/V8 internals): not counted; see ${foreign[0].where}`);
    }
    if (!ok && errors.length === 0) {
      // No sanitizer report: show how the process ended.
      console.log(result.output.trimEnd().split('\n').slice(-40).map((l) => `      | ${l}`).join('\n'));
    }
    summary.push({ id: step.id, status: ok ? 'ok' : 'FAILED', errors: errors.length, foreignLeaks: foreign.length, seconds: result.ms / 1000 });
  }

  const total = ((Date.now() - started) / 1000).toFixed(1);
  console.log('\nasan lane summary');
  for (const s of summary) {
    const detail = s.status === 'skipped' ? s.note
      : `${s.errors} sanitizer finding(s)${s.foreignLeaks ? `, ${s.foreignLeaks} foreign leak record(s) ignored` : ''}, ${s.seconds.toFixed(1)} s`;
    console.log(`  ${s.status.padEnd(7)} ${s.id.padEnd(9)} ${detail}`);
  }
  console.log(`  ${failed ? 'FAILED' : 'PASSED'} in ${total} s`);
  if (failed) {
    console.log(`\nReproduce one step by hand with the same environment, e.g.:\n  LD_PRELOAD=${env.LD_PRELOAD} ALLOCSCOPE_ADDON=${addon} \\\n  ASAN_OPTIONS=${ASAN_OPTIONS.replace('log_path=' + path.join(logDir, 'asan') + ':', '')} UBSAN_OPTIONS=${UBSAN_OPTIONS} \\\n  node --expose-gc test/asan/workload.js`);
  }
  process.exit(failed ? 1 : 0);
})();
