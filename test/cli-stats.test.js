'use strict';
// `allocscope stats`: readable table, --json, a program run with its exit code
// passed through, and one-line errors with exit status 2 for bad input.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runCli, ROOT } = require('./helpers');

test('allocscope stats prints heap spaces, allocator and process tables', () => {
  const r = runCli(['stats']);
  assert.equal(r.status, 0, r.stderr);
  for (const heading of ['V8 heap', 'Heap spaces', 'C allocator (glibc)', 'Process']) assert.ok(r.stdout.includes(heading), heading);
  assert.match(r.stdout, /old_space\s+[\d.]+ (KiB|MiB)/);
  assert.match(r.stdout, /RSS [\d.]+ MiB = V8 heap/);
});

test('allocscope stats --json prints a report whose figures match the documented shape', () => {
  const r = runCli(['stats', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.version, 1);
  assert.ok(report.snapshot.heap.usedHeapSizeBytes > 0);
  assert.ok(report.fragmentation.v8.spaces.length >= 8);
  assert.equal(report.meta.node, process.version);
});

test('allocscope stats <script> runs it with GC tracking and reports its GCs', () => {
  const r = runCli(['stats', '--json', path.join(ROOT, 'examples', 'churn.js'), '50000']);
  assert.equal(r.status, 0, r.stderr);
  const jsonStart = r.stdout.indexOf('{');
  assert.match(r.stdout.slice(0, jsonStart), /handled 50000 requests/, "the program's own output comes first");
  const report = JSON.parse(r.stdout.slice(jsonStart));
  assert.ok(report.gc.count > 5, `churn.js causes GCs (${report.gc.count})`);
  assert.ok(report.gc.byType.scavenge.count > 0);
  assert.equal(report.meta.exitCode, 0);
  assert.match(report.meta.argv.join(' '), /churn\.js 50000$/);

  const text = runCli(['stats', path.join(ROOT, 'examples', 'churn.js'), '50000']);
  assert.match(text.stdout, /Garbage collection · \d+ GCs in/);
  assert.match(text.stdout, /scavenge\s+\d+/);
});

test("the program's exit code passes through, and a throwing program still gets its figures", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-cli-'));
  const exits = path.join(dir, 'exits.js');
  fs.writeFileSync(exits, 'process.exitCode = 3;');
  const throws = path.join(dir, 'throws.js');
  fs.writeFileSync(throws, 'const a = []; for (let i = 0; i < 1e5; i++) a.push({ i }); throw new Error("boom");');
  try {
    const r1 = runCli(['stats', exits]);
    assert.equal(r1.status, 3);
    assert.match(r1.stdout, /exit code 3/);
    const r2 = runCli(['stats', throws]);
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, /Error: boom/);
    assert.match(r2.stdout, /Heap spaces/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

for (const [args, pattern] of [
  [['stats', '--jsn'], /^allocscope: stats: unknown option "--jsn" \(did you mean "--json"\?\) \(see allocscope stats --help\)$/],
  [['stats', 'no/such/script.js'], /^allocscope: stats: no such script "no\/such\/script\.js"$/],
  [['statz'], /^allocscope: unknown command "statz"; commands are run, report, diff, stats, top, leaks \(see allocscope --help\)$/],
  [[], /^Usage: allocscope <command>/m],
]) {
  test(`allocscope ${args.join(' ')} → exit 2 with one clear line`, () => {
    const r = runCli(args);
    assert.equal(r.status, 2);
    const out = (args.length ? r.stderr : r.stdout).trim();
    assert.match(out, pattern);
    if (args.length) assert.equal(out.split('\n').length, 1, `one line, got:\n${out}`);
  });
}

test('--help on the CLI and on stats', () => {
  assert.match(runCli(['--help']).stdout, /stats\s+V8 heap spaces/);
  const r = runCli(['stats', '--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Usage: allocscope stats \[--json\]/);
});
