'use strict';
// allocscope bench: bench files in fresh processes, Go-style lines, JSON, --compare.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runCli, runNode } = require('./helpers');

const FIX = path.join(__dirname, 'fixtures', 'bench');
// Three counted rounds: the median ignores a round with a stray one-time allocation (a deopt).
const QUICK = ['--rounds', '3', '--round-ms', '5', '--count-rounds', '3'];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-bench-'));

test('Go-style lines with exact allocs/op; a throwing benchmark fails alone (exit 1)', () => {
  const out = path.join(tmp, 'alloc.json');
  const r = runCli(['bench', ...QUICK, '--out', out, path.join(FIX, 'alloc.bench.js')]);
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const line = (id) => lines.find((l) => l.startsWith(`${id} `));
  assert.match(line('objects/one'), /^objects\/one\s+\d+\s+[\d.]+ ns\/op\s+± [\d.]+%\s+\d+ B\/op\s+1 allocs\/op\s+[\d.]+ GCs\/kop$/);
  assert.match(line('objects/four'), /\s4 allocs\/op/);
  assert.match(line('objects/throws'), /FAIL: broken operation$/);
  assert.match(line('alloc/async-one'), /ns\/op/, 'bench() outside suite() goes to a suite named after the file');
  assert.match(lines[lines.length - 1], /^FAIL \(1 benchmark failed\)$/);
  const json = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(json.format, 'allocscope-bench');
  const one = json.benchmarks.find((b) => b.id === 'objects/one');
  const four = json.benchmarks.find((b) => b.id === 'objects/four');
  assert.equal(one.result.counting.allocsPerOp.median, 1);
  assert.equal(four.result.counting.allocsPerOp.median, 4);
  assert.equal(four.result.counting.bytesPerOp.median, 4 * one.result.counting.bytesPerOp.median);
  assert.equal(one.result.timing.nsPerOp.rounds.length, 3);
  assert.equal(json.benchmarks.find((b) => b.id === 'objects/throws').error, 'broken operation');
});

test('ESM bench files, --filter, --json on stdout, --no-time', () => {
  const r = runCli(['bench', '--no-time', '--count-rounds', '2', '--json', '--filter', 'array', path.join(FIX, 'esm.bench.mjs'), path.join(FIX, 'alloc.bench.js')]);
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.deepEqual(json.benchmarks.map((b) => b.id), ['esm/array16']);
  const b = json.benchmarks[0].result;
  assert.equal(b.timing, null);
  assert.equal(b.counting.allocsPerOp.median, 2); // JSArray + backing store
});

test('a suite whose process dies: its finished benchmarks are kept, the rest fail', () => {
  const out = path.join(tmp, 'dies.json');
  const r = runCli(['bench', ...QUICK, '--out', out, path.join(FIX, 'dies.bench.js')]);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^dies\/fine\s+\d+/m);
  assert.match(r.stdout, /^dies\/exit\s+FAIL: the suite's process ended early \(status 7\)$/m);
  assert.match(r.stdout, /^dies\/never\s+FAIL/m);
  const json = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(json.benchmarks.find((b) => b.id === 'dies/fine').result.counting.allocsPerOp.median, 1);
});

test('a bench file run directly with node prints its own lines', () => {
  const r = runNode({ file: path.join(FIX, 'esm.bench.mjs') });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^esm\/array16\s+\d+\s+[\d.]+ ns\/op .* 2 allocs\/op/m);
});

function results(rounds) {
  const spread = (values) => ({ median: 0, mean: 0, min: 0, max: 0, spreadPct: 0, rounds: values });
  return {
    format: 'allocscope-bench', version: 1, createdAt: new Date().toISOString(), environment: {},
    benchmarks: Object.entries(rounds).map(([id, r]) => ({
      file: 'x', suite: id.split('/')[0], name: id.split('/')[1], id,
      result: { async: false, passMs: { time: 0, count: 0 },
        timing: { opsPerRound: 1000, nsPerOp: spread(r.ns), gcsPer1000Ops: 0, gcTimeShare: 0, gcCount: 0, elapsedMs: 0 },
        counting: { opsPerRound: 100, bytesPerOp: spread(r.bytes), allocsPerOp: spread(r.allocs), externalBytesPerOp: spread(r.allocs.map(() => 0)), topSites: [], exactCounts: true } },
    })),
  };
}

test('--compare: benchstat table, significant deltas and "~"', () => {
  const jitter = (base) => Array.from({ length: 10 }, (_, i) => base * (1 + ((i * 7) % 10 - 4.5) / 100));
  const older = results({ 's/faster': { ns: jitter(100), bytes: Array(5).fill(64), allocs: Array(5).fill(2) }, 's/same': { ns: jitter(50), bytes: Array(5).fill(32), allocs: Array(5).fill(1) } });
  const newer = results({ 's/faster': { ns: jitter(80), bytes: Array(5).fill(32), allocs: Array(5).fill(1) }, 's/same': { ns: jitter(50).reverse(), bytes: Array(5).fill(32), allocs: Array(5).fill(1) } });
  fs.writeFileSync(path.join(tmp, 'old.json'), JSON.stringify(older));
  fs.writeFileSync(path.join(tmp, 'new.json'), JSON.stringify(newer));
  const r = runCli(['bench', '--compare', path.join(tmp, 'old.json'), path.join(tmp, 'new.json')]);
  assert.equal(r.status, 0, r.stderr);
  const row = (section, id) => r.stdout.split(/\n\n/).find((s) => s.startsWith(section)).split('\n').find((l) => l.startsWith(id));
  assert.match(row('ns/op', 's/faster'), /-20\.0% \(p=0\.000 n=10\+10\)$/);
  assert.match(row('ns/op', 's/same'), /~ \(p=1\.000 n=10\+10\)$/);
  assert.match(row('B/op', 's/faster'), /-50\.0% \(p=0\.004 n=5\+5\)$/);
  assert.match(row('allocs/op', 's/same'), /~ /);
  assert.ok(!/ext-B\/op/.test(r.stdout), 'a metric that is zero everywhere is left out');
  assert.ok(!/noisy/.test(r.stdout + r.stderr), 'tight rounds: nothing is marked noisy');
});

test('--compare on a noisy machine: a difference within the rounds\' spread is "noisy", a real 2x change is not', () => {
  // Ten rounds each. "loaded": the same code, the new run made on a loaded machine: its
  // rounds spread from 0.9x to 3.3x (median 2.05x); the Mann–Whitney test alone calls that
  // a significant +105%, but the new side's ± (125) is larger than the difference (105).
  // "wide": identical wide distributions. "twice": a real 2x change with rounds within ±4.5%.
  const jitter = (base) => Array.from({ length: 10 }, (_, i) => base * (1 + ((i * 7) % 10 - 4.5) / 100));
  const wide = [60, 75, 90, 100, 110, 120, 140, 160, 180, 200];
  const loaded = [90, 120, 150, 180, 200, 210, 230, 260, 300, 330];
  const counts = { bytes: Array(5).fill(64), allocs: Array(5).fill(2) };
  const older = results({ 's/loaded': { ns: jitter(100).map((x, i) => x * (0.8 + i * 0.04)), ...counts }, 's/wide': { ns: wide, ...counts }, 's/twice': { ns: jitter(100), ...counts } });
  const newer = results({ 's/loaded': { ns: loaded, ...counts }, 's/wide': { ns: [...wide].reverse(), ...counts }, 's/twice': { ns: jitter(200), ...counts } });
  fs.writeFileSync(path.join(tmp, 'quiet.json'), JSON.stringify(older));
  fs.writeFileSync(path.join(tmp, 'loaded.json'), JSON.stringify(newer));
  const args = ['bench', '--compare', path.join(tmp, 'quiet.json'), path.join(tmp, 'loaded.json')];
  const r = runCli(args);
  assert.equal(r.status, 0, r.stderr);
  const row = (id) => r.stdout.split(/\n\n/).find((s) => s.startsWith('ns/op')).split('\n').find((l) => l.startsWith(id));
  assert.match(row('s/loaded'), /noisy: \+\d+\.\d% \(p=0\.0\d\d n=10\+10\)$/);
  assert.match(row('s/wide'), /~ \(p=1\.000 n=10\+10\)$/);
  assert.match(row('s/twice'), /\s\+100\.0% \(p=0\.000 n=10\+10\)$/);
  assert.match(row('geomean'), /\(1 noisy row in it\)$/);
  const warning = r.stderr.trim().split('\n');
  assert.equal(warning.length, 1, r.stderr);
  assert.match(warning[0], /^allocscope: bench: 1 of 9 rows marked "noisy": significant, but no larger than the spread/);

  const j = runCli([...args, '--json']);
  assert.equal(j.status, 0, j.stderr);
  const json = JSON.parse(j.stdout);
  assert.equal(json.format, 'allocscope-bench-compare');
  assert.equal(json.noisy, true);
  const ns = json.tables.find((t) => t.metric === 'ns/op');
  assert.equal(ns.noisyRows, 1);
  const byId = Object.fromEntries(ns.rows.map((x) => [x.id, x]));
  assert.deepEqual([byId['s/loaded'].significant, byId['s/loaded'].noisy], [true, true]);
  assert.ok(byId['s/loaded'].deltaPct > 90);
  assert.deepEqual([byId['s/wide'].significant, byId['s/wide'].noisy], [false, false]);
  assert.deepEqual([byId['s/twice'].significant, byId['s/twice'].noisy], [true, false]);
});

test('bad input: one line, exit 2, a code', () => {
  fs.writeFileSync(path.join(tmp, 'empty.bench.js'), 'module.exports = 1;\n');
  fs.writeFileSync(path.join(tmp, 'syntax.bench.js'), 'this is not javascript (\n');
  fs.writeFileSync(path.join(tmp, 'v2.json'), JSON.stringify({ format: 'allocscope-bench', version: 2, benchmarks: [] }));
  const cases = [
    [['bench'], /no bench file given/],
    [['bench', path.join(tmp, 'missing.bench.js')], /no such file/],
    [['bench', path.join(tmp, 'empty.bench.js')], /declares no benchmarks/],
    [['bench', path.join(tmp, 'syntax.bench.js')], /SyntaxError/],
    [['bench', '--roundz', '3', 'x.js'], /unknown option "--roundz" \(did you mean "--rounds"\?\)/],
    [['bench', '--rounds', '-1', 'x.js'], /rounds/],
    [['bench', '--filter', '(', path.join(FIX, 'alloc.bench.js')], /not a valid regular expression/],
    [['bench', '--filter', 'nomatch', path.join(FIX, 'alloc.bench.js')], /no benchmark matches/],
    [['bench', '--out', '/nonexistent/dir/x.json', path.join(FIX, 'alloc.bench.js')], /does not exist/],
    [['bench', '--compare', path.join(tmp, 'old.json')], /two results files/],
    [['bench', '--compare', '/etc/hostname', path.join(tmp, 'old.json')], /not an allocscope bench results file/],
    [['bench', '--compare', path.join(tmp, 'v2.json'), path.join(tmp, 'old.json')], /version 2/],
  ];
  for (const [args, pattern] of cases) {
    const r = runCli(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${args.join(' ')}: one line, got\n${r.stderr}`);
    assert.match(lines[0], pattern);
  }
});
