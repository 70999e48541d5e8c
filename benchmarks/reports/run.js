'use strict';
// Report generation time for a capture with ≥ 50,000 profile nodes, per format,
// and the capture's size on disk. Each measurement runs in a fresh process; the
// formats are interleaved round by round. Targets: text ≤ 200 ms, html ≤ 1 s.
//   node benchmarks/reports/run.js [rounds]
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { updateSection } = require('../lib/results');
const { environment } = require('../lib/common');

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const ROUNDS = Number(process.argv[2] ?? 9);
const REPORT_FORMATS = require('../../dist/reporters').formatsOf('Capture');
const TARGETS_MS = { text: 200, html: 1000 };

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const progress = (msg) => process.stderr.write(`\r\u001b[2K[reports] ${msg}`);

// Before anything runs: the machine's load, commit and versions, as the other benchmarks record them.
const env = environment();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-bench-reports-'));
const capture = path.join(dir, 'big.allocscope');
progress('recording a capture with a large profile…');
execFileSync(process.execPath, [CLI, 'run', '-q', '--interval', '256', '-o', capture, path.join(__dirname, 'big-profile-app.js'), '30000'], { stdio: 'ignore' });
const { readCapture } = require('../../dist/capture/file');
const c = readCapture(capture);
const nodes = c.profile.nodes.parent.length;
if (nodes < 50_000) throw new Error(`the capture has ${nodes} profile nodes; the benchmark needs ≥ 50,000`);
const onDisk = fs.statSync(capture).size;
const json = Buffer.byteLength(JSON.stringify(c));

const samples = Object.fromEntries(REPORT_FORMATS.map((f) => [f, { cliMs: [], readMs: [], renderMs: [], outputBytes: 0 }]));
for (let round = 1; round <= ROUNDS; round++) {
  for (const format of REPORT_FORMATS) {
    progress(`round ${round}/${ROUNDS} · ${format}`);
    const s = samples[format];
    const t0 = process.hrtime.bigint();
    execFileSync(process.execPath, [CLI, 'report', capture, '--format', format, '-o', path.join(dir, `out.${format}`)], { stdio: 'ignore' });
    s.cliMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const m = JSON.parse(execFileSync(process.execPath, [path.join(__dirname, 'child.js'), capture, format], { encoding: 'utf8' }));
    s.readMs.push(m.readMs);
    s.renderMs.push(m.renderMs);
    s.outputBytes = m.outputBytes;
  }
}
progress('done\n');

const results = {
  date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0].model, rounds: ROUNDS, environment: env,
  capture: { profileNodes: nodes, frames: c.profile.frames.name.length, bytesOnDisk: onDisk, jsonBytes: json, gzipped: fs.readFileSync(capture)[0] === 0x1f },
  formats: Object.fromEntries(REPORT_FORMATS.map((f) => {
    const s = samples[f];
    return [f, { ...s, median: { cliMs: median(s.cliMs), readMs: median(s.readMs), renderMs: median(s.renderMs) }, targetMs: TARGETS_MS[f] ?? null }];
  })),
};
fs.writeFileSync(path.join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
const rows = REPORT_FORMATS.map((f) => {
  const m = results.formats[f].median;
  const target = TARGETS_MS[f];
  const verdict = target === undefined ? '' : m.readMs + m.renderMs <= target ? `≤ ${target} ms ✓` : `≤ ${target} ms ✗`;
  return `| ${f} | ${m.readMs.toFixed(0)} | ${m.renderMs.toFixed(0)} | ${(m.readMs + m.renderMs).toFixed(0)} | ${m.cliMs.toFixed(0)} | ${kib(results.formats[f].outputBytes)} | ${verdict} |`;
});
updateSection('reports', `## Report generation

A capture of \`benchmarks/reports/big-profile-app.js\` recorded at a 256-byte
interval: **${nodes.toLocaleString('en-US')} profile nodes**, ${results.capture.frames} frames. Its file is
**${kib(onDisk)} on disk** (${results.capture.gzipped ? 'gzipped' : 'plain'} JSON; ${kib(json)} of JSON).
Medians of ${ROUNDS} fresh processes per format, interleaved; *read* is loading and
decoding the capture, *render* is the reporter, *CLI* is the whole
\`allocscope report … -o file\` command including Node's start-up.

| format | read (ms) | render (ms) | read + render (ms) | CLI wall (ms) | output | target |
|---|--:|--:|--:|--:|--:|---|
${rows.join('\n')}

Node ${results.node}, ${results.cpu} × ${env.cpuCount}, ${results.date.slice(0, 10)}, commit ${env.commit}, load average at start ${env.loadAverageAtStart.join(' / ')}. Reproduce: \`node benchmarks/reports/run.js\`.
Raw numbers: \`benchmarks/reports/results.json\`.`);
fs.rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(Object.fromEntries(REPORT_FORMATS.map((f) => [f, results.formats[f].median])), null, 1));
