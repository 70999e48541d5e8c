'use strict';
// allocscope run → capture → report / diff, end to end, including bad input.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { spawn } = require('node:child_process');
const { runCli, ROOT, CLI } = require('./helpers');

const CHURN = path.join(ROOT, 'examples', 'churn.js');
let dir;
let capture;

test.before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-run-'));
  capture = path.join(dir, 'churn.allocscope');
  const r = runCli(['run', '--mode', 'allocated', '--interval', '64k', '-o', capture, CHURN, '100000']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /handled 100000 requests/, "the program's output is untouched");
  assert.match(r.stderr, /^allocscope: wrote .*churn\.allocscope \([\d.]+ KiB\)$/m);
  assert.match(r.stderr, /peak heap [\d.]+ MiB · RSS [\d.]+ MiB max · GC [\d.]+ % of wall time \(\d+ GCs/);
  assert.match(r.stderr, /top sites:\n\s+[\d.]+ %\s+[\d.]+ MiB\s+handleRequest \(.*examples\/churn\.js:8:\d+\)/);
});
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

const read = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const jsonReport = (file) => JSON.parse(runCli(['report', file, '--format', 'json']).stdout);

test('the capture holds the profile, GC log, timeline, heap figures and metadata', () => {
  const c = read(capture);
  assert.equal(c.format, 'allocscope-capture');
  assert.equal(c.version, 1);
  assert.equal(c.meta.reason, 'exit');
  assert.equal(c.meta.exitCode, 0);
  assert.equal(c.meta.node, process.version);
  assert.match(c.meta.argv.join(' '), /churn\.js 100000$/);
  assert.equal(c.meta.options.intervalBytes, 65536);
  assert.ok(c.meta.endTimeMs > c.meta.startTimeMs);
  assert.equal(c.profile.mode, 'allocated');
  assert.ok(c.gc.events.length > 0 && c.gc.summary.count >= c.gc.events.length);
  assert.ok(c.timeline.timeMs.length >= 2, 'timeline sampled at least at start and end');
  assert.equal(c.timeline.rssBytes.length, c.timeline.timeMs.length);
  // churn.js keeps the event loop busy: the background thread still samples RSS every 100 ms.
  const rss = c.timeline.rss;
  assert.ok(rss.timeMs.length >= 3, `RSS sampled while the program was busy (${rss.timeMs.length} samples)`);
  assert.ok(rss.timeMs.every((t, i) => i === 0 || t > rss.timeMs[i - 1]), 'in time order');
  assert.ok(rss.timeMs[0] >= c.meta.startTimeMs - 50 && rss.timeMs[rss.timeMs.length - 1] <= c.meta.endTimeMs + 50);
  assert.ok(rss.bytes.every((b) => b > 10 * 2 ** 20 && b < 4 * 2 ** 30), 'plausible RSS values');
  assert.ok(c.spaces.length >= 8 && c.heap.usedHeapSizeBytes > 0 && c.fragmentation.process.rssBytes > 0);
  assert.deepEqual(c.pools.map((p) => p.kind), ['engine'], "no pool of the program's, Node's Buffer pool described");
});

test("allocscope's own allocations are not in the program's profile", () => {
  const report = jsonReport(capture);
  const own = report.profile.top.filter((r) => r.frame && (r.frame.file.startsWith(path.join(ROOT, 'dist')) || r.frame.file.startsWith(path.join(ROOT, 'lib'))));
  assert.deepEqual(own, []);
});

test('report: text, markdown and json agree on the top site and the total', () => {
  const text = runCli(['report', capture, '--top', '3']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /Top allocation sites \(allocated\)/);
  assert.match(text.stdout, /^\s+1 .*handleRequest \(.*churn\.js:8:\d+\)$/m);
  const md = runCli(['report', '--format', 'markdown', capture]);
  assert.match(md.stdout, /^# allocscope report/m);
  assert.match(md.stdout, /^\| 1 \| .* \| handleRequest \(.*churn\.js:8:\d+\) \|$/m);
  const json = jsonReport(capture);
  assert.equal(json.format, 'allocscope-report');
  assert.equal(json.profile.top[0].frame.function, 'handleRequest');
  const total = read(capture).profile.nodes.selfBytes.reduce((x, y) => x + y, 0);
  assert.equal(json.profile.totals.bytes, total);
  const byFile = JSON.parse(runCli(['report', capture, '--format', 'json', '--by', 'file', '--top', '1']).stdout);
  assert.match(byFile.profile.top[0].key, /churn\.js$/);
});

test('run: a program that throws still writes its capture and its exit code passes through', () => {
  const script = path.join(dir, 'throws.js');
  fs.writeFileSync(script, 'const a = []; for (let i = 0; i < 2e5; i++) a.push({ i }); throw new Error("boom");');
  const out = path.join(dir, 'throws.allocscope');
  const r = runCli(['run', '-q', '-o', out, script]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Error: boom/);
  assert.equal(read(out).meta.exitCode, 1);

  const exits = path.join(dir, 'exits.js');
  fs.writeFileSync(exits, 'process.exit(3);');
  const r2 = runCli(['run', '-q', '-o', path.join(dir, 'exits.allocscope'), exits]);
  assert.equal(r2.status, 3);
  assert.equal(read(path.join(dir, 'exits.allocscope')).meta.exitCode, 3);
});

test('run: ES module entry points and the `-- node [options] script` form', () => {
  const out = path.join(dir, 'esm.allocscope');
  const r = runCli(['run', '-q', '--mode', 'allocated', '--interval', '32k', '-o', out, path.join(__dirname, 'fixtures', 'esm-app.mjs')]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(jsonReport(out).profile.top[0].frame.function, 'esmSite');

  const probe = path.join(dir, 'probe.js');
  fs.writeFileSync(probe, 'console.log(JSON.stringify(process.execArgv));');
  const r2 = runCli(['run', '-q', '-o', path.join(dir, 'probe.allocscope'), '--', 'node', '--max-semi-space-size=2', probe]);
  assert.equal(r2.status, 0, r2.stderr);
  assert.ok(JSON.parse(r2.stdout).includes('--max-semi-space-size=2'), 'node options reach node');
  assert.ok(fs.existsSync(path.join(dir, 'probe.allocscope')));
});

/** Writes <name>.ts from `lines` and its CommonJS build <name>.js with a source map, into `dir`. */
function compileTs(name, lines) {
  const ts = require('typescript');
  const src = path.join(dir, `${name}.ts`);
  fs.writeFileSync(src, lines.join('\n'));
  const result = ts.transpileModule(lines.join('\n'), { fileName: src, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, sourceMap: true } });
  fs.writeFileSync(path.join(dir, `${name}.js`), result.outputText);
  fs.writeFileSync(path.join(dir, `${name}.js.map`), result.sourceMapText);
}

test('run: TypeScript compiled with source maps is reported at the .ts lines', () => {
  compileTs('app', [
    'type Row = { id: number; name: string };',
    'const ring: Row[] = new Array(64);',
    'export function buildRows(n: number): number {',
    '  for (let i = 0; i < n; i++) ring[i & 63] = { id: i, name: `row ${i}` };',
    '  return ring.length;',
    '}',
    'buildRows(400000);',
  ]);
  const out = path.join(dir, 'ts.allocscope');
  const r = runCli(['run', '-q', '--mode', 'allocated', '--interval', '32k', '-o', out, path.join(dir, 'app.js')]);
  assert.equal(r.status, 0, r.stderr);
  const top = jsonReport(out).profile.top[0].frame;
  assert.equal(top.function, 'buildRows');
  assert.equal(path.basename(top.file), 'app.ts');
  assert.equal(top.line, 3);
  assert.equal(path.basename(top.generated.file), 'app.js');
});

test('run --mode live: the peak names source-mapped functions at their .ts lines, as the end does (summary, report --at peak, the series)', () => {
  // The moments share their own frame tree: without source maps applied to it the peak
  // read "buildIndex (app.js:5:…)" beside the end's "keep (app.ts:…)".
  compileTs('peak', [
    'type Row = { id: number; name: string };',
    'const kept: string[] = [];',
    '',
    '',
    'export function buildIndex(n: number): number {',
    '  const rows: Row[] = [];',
    '  for (let i = 0; i < n; i++) rows.push({ id: i, name: `row ${i}` });',
    '  return rows.length;',
    '}',
    'export function keep(n: number): void {',
    '  for (let i = 0; i < n; i++) kept.push(`kept ${i} `.repeat(4));',
    '}',
    'buildIndex(1500000);',
    'keep(20000);',
  ]);
  const out = path.join(dir, 'peak-ts.allocscope');
  const r = runCli(['run', '--mode', 'live', '--interval', '64k', '-o', out, path.join(dir, 'peak.js')]);
  assert.equal(r.status, 0, r.stderr);
  // Which moment is the peak depends on when GCs and the collection budget fall (a
  // loaded machine can miss the build's high); how each moment names frames does not.
  const peakLines = r.stderr.slice(r.stderr.indexOf('at the peak'));
  assert.match(peakLines, /^at the peak, [\d.]+ s in: [\d.]+ MiB heap used; top sites then:\n\s+[\d.]+ %\s+[\d.]+ \S+\s+(buildIndex|keep) \([^)]*peak\.ts:(5|10):/, r.stderr);
  assert.doesNotMatch(peakLines, /peak\.js/, r.stderr);
  const frames = JSON.parse(runCli(['report', out, '--format', 'json', '--at', 'peak']).stdout).profile.top.map((row) => row.frame).filter((f) => /peak\.(ts|js)$/.test(f.file));
  assert.ok(frames.length > 0 && frames.every((f) => path.basename(f.file) === 'peak.ts' && path.basename(f.generated.file) === 'peak.js'), JSON.stringify(frames));
  const build = frames.find((f) => f.function === 'buildIndex');
  if (build) assert.equal(build.line, 5);
  const end = JSON.parse(runCli(['report', out, '--format', 'json']).stdout);
  assert.equal(path.basename(end.profile.top[0].frame.file), 'peak.ts');
  const series = end.memoryOverTime.sites.labels.filter((l) => /peak\.(ts|js):/.test(l));
  assert.ok(series.length > 0 && series.every((l) => /peak\.ts:/.test(l)), JSON.stringify(end.memoryOverTime.sites.labels));
});

function startRun(args) {
  const child = spawn(process.execPath, [CLI, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const ready = new Promise((resolve) => child.stdout.on('data', () => { if (stdout.includes('ready')) resolve(); }));
  const done = new Promise((resolve) => child.on('exit', (status, signal) => resolve({ status, signal, stdout, stderr })));
  return { child, ready, done };
}

test('run: SIGTERM sent to allocscope reaches the program; the capture is written and the status is 128+15', async () => {
  const out = path.join(dir, 'term.allocscope');
  const { child, ready, done } = startRun(['-q', '--mode', 'allocated', '-o', out, path.join(__dirname, 'fixtures', 'signals-app.js')]);
  await ready;
  child.kill('SIGTERM');
  const r = await done;
  assert.equal(r.status, 143, r.stderr);
  const c = read(out);
  assert.equal(c.meta.reason, 'SIGTERM');
  assert.equal(jsonReport(out).profile.top[0].frame.function, 'signalSite');
});

test('run: SIGUSR2 writes a numbered snapshot without stopping the program', async () => {
  const out = path.join(dir, 'usr2.allocscope');
  const { child, ready, done } = startRun(['-q', '--mode', 'allocated', '--interval', '16k', '-o', out, path.join(__dirname, 'fixtures', 'signals-app.js'), 'finite']);
  await ready;
  child.kill('SIGUSR2');
  const snapshot = path.join(dir, 'usr2.usr2-1.allocscope');
  for (let i = 0; i < 100 && !fs.existsSync(snapshot); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(fs.existsSync(snapshot), 'snapshot written');
  assert.equal(read(snapshot).meta.reason, 'SIGUSR2');
  const r = await done;
  assert.equal(r.status, 0, 'the program ran on to its normal end');
  const final = read(out);
  assert.equal(final.meta.reason, 'exit');
  // The final capture covers more allocation than the mid-run snapshot.
  assert.ok(jsonReport(out).profile.totals.bytes > jsonReport(snapshot).profile.totals.bytes);
});

test('diff: the site that grew between two runs tops the list; html escapes names', () => {
  const small = path.join(dir, 'small.allocscope');
  assert.equal(runCli(['run', '-q', '--mode', 'allocated', '--interval', '64k', '-o', small, CHURN, '30000']).status, 0);
  const r = runCli(['diff', small, capture, '--top', '3']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /allocscope diff · allocated bytes by site/);
  assert.match(r.stdout, /^\s+1\s+\+[\d.]+ MiB\s+\+[\d.]+ %.*handleRequest/m);
  const json = JSON.parse(runCli(['diff', small, capture, '--format', 'json']).stdout);
  assert.ok(json.rows[0].deltaBytes > 0 && json.rows[0].label.startsWith('handleRequest'));
  const html = path.join(dir, 'diff.html');
  assert.equal(runCli(['diff', small, capture, '--format', 'html', '-o', html]).status, 0);
  assert.match(fs.readFileSync(html, 'utf8'), /<td class="label">handleRequest \(/);
});

const BAD = () => {
  const plain = fs.readFileSync(capture, 'utf8');
  const write = (name, data) => { const f = path.join(dir, name); fs.writeFileSync(f, data); return f; };
  return [
    ['report on a missing file', ['report', path.join(dir, 'nope.allocscope')], /^allocscope: no such capture file: .*nope\.allocscope$/],
    ['report on a truncated capture', ['report', write('trunc.allocscope', plain.slice(0, plain.length / 2))], /is not a readable capture \(not valid JSON: truncated/],
    ['report on a truncated gzip capture', ['report', write('trunc.gz.allocscope', zlib.gzipSync(plain).subarray(0, 200))], /its compressed data is damaged or truncated/],
    ['report on random bytes', ['report', write('random.allocscope', Buffer.from([0x1f, 0x8b, 1, 2, 3, 4]))], /is not a readable capture/],
    ['report on a JSON file that is not a capture', ['report', write('other.json', '{"hello":1}')], /is not an allocscope capture$/],
    ['report on a capture of another version', ['report', write('v99.allocscope', plain.replace('"version":1', '"version":99'))], /is a version 99 capture; this allocscope reads version 1/],
    ['report with an unknown format', ['report', capture, '--format', 'pdf'], /^allocscope: report: option "--format" must be one of text, markdown, json, html, pprof, heapprofile, speedscope, got "pdf"$/],
    ['report into a missing directory', ['report', capture, '--format', 'json', '-o', path.join(dir, 'missing', 'r.json')], /^allocscope: report: cannot write .*r\.json: directory .*missing does not exist$/],
    ['run into a missing directory', ['run', '-o', path.join(dir, 'missing', 'x.allocscope'), CHURN], /^allocscope: run: cannot write .*x\.allocscope: directory .*missing does not exist$/],
    ['run of a missing script', ['run', path.join(dir, 'missing.js')], /^allocscope: run: no such script/],
    ['diff with one file', ['diff', capture], /^allocscope: diff: needs two capture files \(older, newer\), got 1$/],
  ];
};

test('bad input: one line on stderr, exit 2, and no output file left behind', () => {
  for (const [name, args, pattern] of BAD()) {
    const created = new Set(fs.readdirSync(dir));
    const r = runCli(args);
    assert.equal(r.status, 2, `${name}: status ${r.status}, stderr ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${name}: one line, got:\n${r.stderr}`);
    assert.match(lines[0], pattern, name);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${name}: no stack trace`);
    const after = fs.readdirSync(dir).filter((f) => !created.has(f));
    assert.deepEqual(after, [], `${name}: no file left behind`);
  }
  assert.equal(fs.existsSync(path.join(dir, 'missing')), false);
});
