'use strict';
// `allocscope top`: the top allocation sites of a real program, as text and JSON.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { runCli, ROOT } = require('./helpers');

const CHURN = path.join(ROOT, 'examples', 'churn.js');

test('allocscope top examples/churn.js names handleRequest as the top site', () => {
  const r = runCli(['top', '--interval', '64k', CHURN, '100000']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /handled 100000 requests/);
  assert.match(r.stdout, /^Top \d+ allocation sites · allocated since start · [\d.]+ MiB/m);
  const firstRow = r.stdout.split('\n').find((l) => /^\s*1 /.test(l));
  assert.match(firstRow, /handleRequest \(examples\/churn\.js:8:\d+\)$/);
});

test('allocscope top --json --by package gives rows a machine can read', () => {
  const r = runCli(['top', '--json', '--by', 'package', '-n', '3', CHURN, '50000']);
  assert.equal(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
  assert.equal(rows[0].key, '(app)');
  assert.ok(rows.length <= 3);
  assert.ok(rows[0].share > 0.5 && rows[0].bytes > 0);
});

test('allocscope top with a tiny program explains an empty profile', () => {
  // The sampler (allocscope's preload, Node, the program) allocates ~270 KiB in this run; V8 takes
  // the first sample after an exponentially distributed number of bytes with the interval as mean.
  // At 1 GiB that is a sample in ~1 run of 4,000 (2.6e-4), and then the profile is not empty;
  // at 1 TiB (the most --interval takes), ~1 in 4 million.
  const r = runCli(['top', '--mode', 'live', '--interval', '1024g', CHURN, '10']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /No allocation was sampled .* try a smaller interval/);
});

test('a costly --interval is announced before the program runs (issue: --interval 1 ran 100× slower without a word); the default is quiet', () => {
  const costly = runCli(['top', '--interval', '1', CHURN, '10']);
  assert.equal(costly.status, 0, costly.stderr);
  assert.match(costly.stderr, /^allocscope: top: --interval 1 samples about every allocation: expect the program to run 10–100× slower/m);
  const quiet = runCli(['top', CHURN, '10']);
  assert.doesNotMatch(quiet.stderr, /slower/);
});

for (const [args, pattern] of [
  [['top', '--intervl', '5', CHURN], /^allocscope: top: unknown option "--intervl" \(did you mean "--interval"\?\)/],
  [['top', '--interval', '0', CHURN], /^allocscope: top: option "--interval" must be a whole number of bytes ≥ 1/],
  [['top', '--by', 'line', CHURN], /^allocscope: top: option "--by" must be one of site, function, file, package, stack, got "line"$/],
  [['top', '--mode', 'both', CHURN], /^allocscope: top: option "--mode" must be one of allocated, live/],
  [['top', '-n', '-3', CHURN], /^allocscope: top: option "--top" needs a value$/],
  [['top'], /^allocscope: top: no script given/],
  [['top', 'missing.js'], /^allocscope: top: no such script "missing\.js"$/],
]) {
  test(`allocscope ${args.map((a) => path.basename(a)).join(' ')} → exit 2, one line`, () => {
    const r = runCli(args);
    assert.equal(r.status, 2);
    assert.match(r.stderr.trim(), pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });
}
