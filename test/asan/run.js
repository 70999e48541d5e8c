#!/usr/bin/env node
'use strict';
// The sanitizer lane: runs test/asan/workload.js and the test/*.test.js files
// against build-asan/Release/allocscope.node (ASan + UBSan) with LeakSanitizer at
// exit, and fails on any memory error, any UBSan report, any leak allocated by
// the addon, any crash, and any test failure not known to be ASan-incompatible.
//
//   npm run test:asan                         builds the ASan addon, then runs this
//   node test/asan/run.js                     runs against an existing build-asan/
//   node test/asan/run.js --only workload     one step: smoke | workload | exit | tests
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
// --addon names another instrumented build, e.g. one made for another Node major:
//   PATH=~/.cache/allocscope/node/26/bin:$PATH node native/build.js --asan --out build-asan-26
//   ~/.cache/allocscope/node/26/bin/node test/asan/run.js --addon build-asan-26/Release/allocscope.node
const addonArg = process.argv.indexOf('--addon');
const addon = addonArg >= 0 ? path.resolve(process.argv[addonArg + 1]) : path.join(root, 'build-asan', 'Release', 'allocscope.node');
const artifacts = path.join(root, 'test-artifacts', 'asan');
const logDir = path.join(artifacts, 'sanitizer-logs');
const failuresFile = path.join(artifacts, 'test-failures.jsonl');
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
// The addon links libubsan itself; preloading it as well fixes the load order.
const libubsan = gccRuntime('libubsan.so');

// The workload and most tests go through dist/: it must not be older than lib/.
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
  'detect_leaks=1',            // LeakSanitizer at the exit of every process
  `log_path=${path.join(logDir, 'asan')}`, // every process (node --test's children too) writes asan.<pid>
  'halt_on_error=1',
  'abort_on_error=1',          // a memory error kills the process with SIGABRT...
  'exitcode=0',                // ...but a leak report alone leaves the exit status alone: node/V8
                               // leak at exit by design, this runner decides which leaks are ours
  'verify_asan_link_order=0',  // node itself is not instrumented; the runtime comes from LD_PRELOAD
  'detect_stack_use_after_return=1',
  'check_initialization_order=1',
  'strict_init_order=1',
  'malloc_context_size=40',    // deep enough to see which native frame asked for an allocation
  'symbolize=1',
].join(':');
// With ASan, gcc's UBSan runtime ignores log_path: reports go to stderr, which is captured
// (node --test forwards its children's stderr). -fno-sanitize-recover already makes them fatal.
const UBSAN_OPTIONS = 'print_stacktrace=1:halt_on_error=1';

const env = {
  ...process.env,
  LD_PRELOAD: [libasan, libubsan, process.env.LD_PRELOAD].filter(Boolean).join(':'),
  ALLOCSCOPE_ADDON: addon,
  ALLOCSCOPE_SANITIZER: 'asan', // lets a test skip what cannot work under ASan (its own LD_PRELOAD, RSS bounds)
  ASAN_OPTIONS,
  LSAN_OPTIONS: `report_objects=0:max_leaks=0:suppressions=${path.join(__dirname, 'lsan-suppressions.txt')}`,
  UBSAN_OPTIONS,
  NO_COLOR: '1',
  FORCE_COLOR: '0',
};
delete env.NODE_OPTIONS; // a stray --require/--inspect would change what runs

// ---- steps ----------------------------------------------------------------------

const incompatible = require('./asan-incompatible.js');
const allTestFiles = fs.readdirSync(path.join(root, 'test')).filter((f) => f.endsWith('.test.js')).sort();
const skippedFiles = incompatible.skipFiles.filter((k) => allTestFiles.includes(k.file));
const testFiles = allTestFiles.filter((f) => !skippedFiles.some((k) => k.file === f)).map((f) => path.join('test', f));

const steps = [
  {
    id: 'smoke',
    title: 'load the ASan addon into node with the preloaded runtime',
    args: ['-e', 'const n = require(process.env.ALLOCSCOPE_ADDON); n.heapStats.readHeap(new Float64Array(n.heapStats.layout().heapFields.length)); console.log("addon loaded, V8", n.isolate.v8Version)'],
    timeoutMs: 30_000,
  },
  {
    id: 'workload',
    title: 'test/asan/workload.js: every binding, GC callbacks, uv_async, 20 workers',
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
    args: [
      '--test', '--test-concurrency=2',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      `--test-reporter=${path.join(__dirname, 'failures-reporter.js')}`, `--test-reporter-destination=${failuresFile}`,
      ...testFiles,
    ],
    timeoutMs: 1_500_000, // the whole suite under ASan: ~3× its normal time
    skip: testFiles.length === 0 ? 'no test/*.test.js files yet' : null,
  },
].filter((s) => !only || s.id === only || s.id === 'smoke');

function runStep(step) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    // Own process group, so that a timeout can end the step's whole tree.
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

// A stack frame of the addon: its own code, or node-addon-api compiled into it.
const OURS = ['allocscope.node', 'allocscope::', path.join(root, 'native') + path.sep, `node-addon-api${path.sep}napi`];
const isOurs = (frame) => OURS.some((m) => frame.includes(m));
// Frames past which an allocation no longer belongs to the native code below them:
// JavaScript (builtins, JIT code, interpreter) and V8's own heap management. V8 keeps
// remembered sets, slot sets etc. only in its (mmapped, unscanned) heap, so a process
// that exits without tearing the heap down "leaks" them, also when the JS or the GC
// that allocated them ran inside one of our calls (a notify callback, Object::Set).
// V8's profiler classes hand what they allocate to the caller (AllocationProfile,
// HeapSnapshot): an allocation through them is owned by the native code that asked.
const FOREIGN_OWNER = /\bin (?:v8::internal::(?!SamplingHeapProfiler|HeapProfiler|HeapSnapshot|AllocationProfile)|Builtins_|v8::Function::Call|v8::Object::CallAsFunction|napi_make_callback|napi_call_function|node::InternalMakeCallback|node::MakeCallback)|\(<unknown module>\)/;
const RUNTIME = /libsanitizer|asan_|__interceptor_|\boperator new|\bmalloc\b|\bcalloc\b|\brealloc\b|posix_memalign/;
// The malloc profiler's hooks (native/malloc_hooks.cc) pass the program's allocations
// through: a block allocated under them belongs to whoever called the hook.
const PASS_THROUGH = /native\/malloc_hooks\.cc/;

/**
 * The addon frame that owns an allocation, walking from the allocator outwards,
 * or null when JavaScript or V8's heap management is reached first.
 */
function owningFrame(frames) {
  for (const frame of frames) {
    if (PASS_THROUGH.test(frame)) continue;
    if (isOurs(frame)) return frame;
    if (RUNTIME.test(frame)) continue;
    if (FOREIGN_OWNER.test(frame)) return null;
  }
  return null;
}

/** The leak records of one LSan report: { kind, bytes, objects, text, owner }. */
function leakRecords(report) {
  const records = [];
  const re = /^(Direct|Indirect) leak of (\d+) byte\(s\) in (\d+) object\(s\) allocated from:\n((?:[ \t]+#\d+.*\n?)*)/gm;
  for (const m of report.matchAll(re)) {
    const frames = m[4].trimEnd().split('\n');
    const owner = owningFrame(frames);
    records.push({
      kind: m[1], bytes: Number(m[2]), objects: Number(m[3]), text: m[0].trimEnd(),
      // "allocscope::HeapStatsReader::ReadHeap(...) /path/native/heap_stats.cc:83"
      owner: owner && owner.replace(/^\s*#\d+ 0x[0-9a-f]+ in /, '').replace(/\(Napi::CallbackInfo const&\)/, '(info)'),
    });
  }
  return records;
}

const seenLogs = new Set();
/** The sanitizer logs written since the last call. */
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

/** Findings of one step: errors fail the lane; foreign leaks and notes are reported. */
function classify(result, logs) {
  const errors = [];
  const asanErrors = new Map();
  const ours = [];
  const foreign = [];
  const notes = [];
  for (const { file, text } of logs) {
    const rel = path.relative(root, file);
    // Every ERROR other than the leak report: heap-buffer-overflow, use-after-free,
    // double-free, alloc-dealloc-mismatch, allocation-size-too-big, SEGV, ...
    for (const m of text.matchAll(/^==\d+==ERROR: (?!LeakSanitizer: detected memory leaks)(.*)$/gm)) {
      const summary = text.indexOf('\nSUMMARY:', m.index);
      const end = summary < 0 ? text.length : text.indexOf('\n', summary + 1);
      const body = text.slice(m.index, end < 0 ? undefined : end);
      // The same bug hit by many processes is one finding: key on the kind and the first frame.
      const kind = m[1].replace(/^AddressSanitizer: /, '').replace(/ on address.*| 0x[0-9a-f]+.*/, '');
      const frame = (body.match(/^\s+#0 0x[0-9a-f]+ in (.*)$/m)?.[1] ?? '?').replace(/\(Napi::CallbackInfo const&\)/, '(info)');
      const key = `${kind} at ${frame}`;
      const seen = asanErrors.get(key);
      if (seen) { seen.count++; continue; }
      asanErrors.set(key, { count: 1, where: rel, text: body });
    }
    if (/ERROR: LeakSanitizer: detected memory leaks/.test(text)) {
      for (const record of leakRecords(text)) {
        if (record.owner) ours.push({ ...record, where: rel });
        else foreign.push({ ...record, where: rel });
      }
    }
    if (/Shadow memory range interleaves/.test(text)) {
      notes.push(`${rel}: a process loaded the ASan addon without the preloaded ASan runtime (it replaced LD_PRELOAD) and aborted`);
    }
  }
  for (const [key, e] of asanErrors) {
    errors.push({ what: `AddressSanitizer: ${key}${e.count > 1 ? ` (in ${e.count} processes)` : ''}`, where: e.where, text: e.text });
  }
  // Our leaks, one finding per allocating addon frame (the same leak shows up in
  // every process and under every JS caller), with the first record as example.
  const byOwner = new Map();
  for (const r of ours) {
    const g = byOwner.get(r.owner) ?? { records: 0, bytes: 0, objects: 0, processes: new Set(), example: r };
    g.records++; g.bytes += r.bytes; g.objects += r.objects; g.processes.add(r.where);
    if (r.kind === 'Direct' && g.example.kind !== 'Direct') g.example = r;
    byOwner.set(r.owner, g);
  }
  for (const [owner, g] of byOwner) {
    errors.push({
      what: `LeakSanitizer: ${g.bytes} byte(s) in ${g.objects} object(s) leaked, allocated by the addon at ${owner} ` +
        `(${g.records} record(s) in ${g.processes.size} process(es))`,
      where: g.example.where, text: g.example.text,
    });
  }
  // UBSan reports (stderr), de-duplicated by their first line.
  const ubsan = new Map();
  for (const m of result.output.matchAll(/^.*runtime error: .*$/gm)) {
    const key = m[0].replace(/^.*?(\S+:\d+:\d+: runtime error: )/, '$1').replace(/0x[0-9a-f]+/g, '0x…').trim();
    if (ubsan.has(key)) { ubsan.get(key).count++; continue; }
    ubsan.set(key, { count: 1, text: result.output.slice(m.index).split('\n').slice(0, 14).join('\n') });
  }
  for (const [key, u] of ubsan) errors.push({ what: `UndefinedBehaviorSanitizer: ${key}${u.count > 1 ? ` (×${u.count})` : ''}`, where: `${result.stepId}.log`, text: u.text });
  // Node's fatal errors (napi_fatal_error, CHECK failures, OOM): a crash in any process of the step.
  const fatals = new Map();
  for (const m of result.output.matchAll(/^.*(FATAL ERROR: .*)$/gm)) {
    const key = m[1].trim();
    if (fatals.has(key)) { fatals.get(key).count++; continue; }
    fatals.set(key, { count: 1, text: result.output.slice(m.index).split('\n').slice(0, 30).join('\n') });
  }
  for (const [key, f] of fatals) {
    if (/Reached heap limit|JavaScript heap out of memory/.test(key)) continue; // OOM tests do this on purpose
    errors.push({ what: `node ${key}${f.count > 1 ? ` (×${f.count})` : ''}`, where: `${result.stepId}.log`, text: f.text });
  }
  return { errors, foreign, notes };
}

/** Test failures of the tests step, split into expected (asan-incompatible.js) and new. */
function testFailures() {
  const known = incompatible.expectedFailures;
  const used = new Set();
  const unexpected = [];
  const expected = [];
  const lines = fs.existsSync(failuresFile) ? fs.readFileSync(failuresFile, 'utf8').split('\n').filter(Boolean) : [];
  for (const line of lines) {
    const f = JSON.parse(line);
    const base = f.file ? path.basename(f.file) : '';
    const entry = known.find((k) => k.file === base && (k.name instanceof RegExp ? k.name.test(f.name) : k.name === f.name));
    if (entry) { used.add(entry); expected.push({ ...f, reason: entry.reason }); } else unexpected.push(f);
  }
  // An entry whose file ran to completion without that failure is stale (a whole-file crash
  // says nothing about the entry's test).
  const crashedFiles = new Set([...unexpected, ...expected].filter((f) => f.file && f.name === f.file).map((f) => path.basename(f.file)));
  const stale = known.filter((k) => !used.has(k) && !crashedFiles.has(k.file) && testFiles.some((t) => path.basename(t) === k.file));
  return { unexpected, expected, stale };
}

const indent = (text, max = 40) => text.split('\n').slice(0, max).map((l) => `      | ${l}`).join('\n');

// ---- main ----------------------------------------------------------------------

(async () => {
  console.log(`asan lane: ${path.relative(root, addon)}`);
  console.log(`  node ${process.version}, LD_PRELOAD=${env.LD_PRELOAD}`);
  console.log(`  ASAN_OPTIONS=${ASAN_OPTIONS}`);
  console.log(`  UBSAN_OPTIONS=${UBSAN_OPTIONS}`);
  console.log(`  sanitizer reports: ${path.relative(root, logDir)}/asan.<pid>; step output: ${path.relative(root, artifacts)}/<step>.log\n`);

  const summary = [];
  let failed = false;
  for (const step of steps) {
    if (step.skip) {
      console.log(`- ${step.id}: skipped (${step.skip})`);
      summary.push({ id: step.id, status: 'skipped', detail: step.skip });
      continue;
    }
    process.stdout.write(`- ${step.id}: ${step.title} ... `);
    const result = { ...(await runStep(step)), stepId: step.id };
    const { errors, foreign, notes } = classify(result, collectLogs());
    const problems = [];
    let tests = null;
    if (result.timedOut) problems.push(`timed out after ${step.timeoutMs / 1000} s (process group killed)`);
    else if (step.id === 'tests') {
      tests = testFailures();
      for (const f of tests.unexpected) {
        problems.push(`test failed: ${f.file ? path.relative(root, f.file) : '?'} › ${f.name}${f.signal ? ` (${f.signal})` : ''}\n${indent(f.message, 12)}`);
      }
      if (result.code !== 0 && tests.unexpected.length === 0 && tests.expected.length === 0) problems.push(`node --test exited with ${result.signal ?? result.code} without a failed test`);
    } else if (result.signal) problems.push(`killed by ${result.signal}`);
    else if (result.code !== 0) problems.push(`exit code ${result.code}`);

    const ok = problems.length === 0 && errors.length === 0;
    failed ||= !ok;
    console.log(`${ok ? 'ok' : 'FAILED'} (${(result.ms / 1000).toFixed(1)} s)`);
    for (const e of errors.slice(0, 12)) console.log(`    ${e.what}   [${e.where}]\n${indent(e.text)}`);
    if (errors.length > 12) console.log(`    … ${errors.length - 12} more sanitizer finding(s): see ${path.relative(root, logDir)} and ${step.id}.log`);
    for (const p of problems.slice(0, 15)) console.log(`    ${p}`);
    if (problems.length > 15) console.log(`    … ${problems.length - 15} more: see ${path.relative(root, artifacts)}/${step.id}.log`);
    if (!ok && errors.length === 0 && step.id !== 'tests') console.log(indent(result.output.trimEnd().split('\n').slice(-30).join('\n')));
    for (const n of notes.slice(0, 5)) console.log(`    note: ${n}`);
    if (step.id === 'tests') for (const k of skippedFiles) console.log(`    not run under ASan: ${k.file}\n      (${k.reason})`);
    if (tests) {
      for (const f of tests.expected) console.log(`    expected under ASan: ${path.basename(f.file ?? '')} › ${f.name}\n      (${f.reason})`);
      for (const k of tests.stale) console.log(`    note: asan-incompatible.js entry matched no failure (test fixed or renamed? remove it): ${k.file} › ${k.name}`);
    }
    if (foreign.length) {
      const bytes = foreign.reduce((a, r) => a + r.bytes, 0);
      const files = new Set(foreign.map((r) => r.where)).size;
      console.log(`    note: ${foreign.length} leak record(s) (${bytes} bytes) in ${files} process(es) allocated by node/V8 itself, not by the addon: not counted`);
    }
    summary.push({
      id: step.id,
      status: ok ? 'ok' : 'FAILED',
      detail: `${errors.length} finding(s)${problems.length ? `, ${problems.length} other problem(s)` : ''}` +
        `${tests?.expected.length ? `, ${tests.expected.length} expected test failure(s)` : ''}` +
        `${foreign.length ? `, ${foreign.length} node/V8 leak record(s) ignored` : ''}, ${(result.ms / 1000).toFixed(1)} s`,
    });
  }

  console.log('\nasan lane summary');
  for (const s of summary) console.log(`  ${s.status.padEnd(7)} ${s.id.padEnd(9)} ${s.detail}`);
  console.log(`  ${failed ? 'FAILED' : 'PASSED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (failed) {
    const opts = ASAN_OPTIONS.split(':').filter((o) => !o.startsWith('log_path=')).join(':');
    console.log('\nTo reproduce a step by hand (reports then go to stderr):');
    console.log(`  LD_PRELOAD=${env.LD_PRELOAD} \\\n  ALLOCSCOPE_ADDON=${addon} ALLOCSCOPE_SANITIZER=asan \\\n  ASAN_OPTIONS=${opts} UBSAN_OPTIONS=${UBSAN_OPTIONS} \\\n  node --expose-gc test/asan/workload.js`);
  }
  process.exit(failed ? 1 : 0);
})();
