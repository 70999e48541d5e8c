'use strict';
// What every benchmark runner needs: order statistics, running a child and
// reading its JSON line, the machine's description, and number formatting.
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');

const finite = (values) => values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);

function median(values) {
  const v = finite(values);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** Linear-interpolated quantile p (0..1), or null for no finite values. */
function quantile(values, p) {
  const v = finite(values);
  if (v.length === 0) return null;
  const at = (v.length - 1) * p;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return v[lo] + (v[hi] - v[lo]) * (at - lo);
}

/** Median, quartiles and range of paired ratios, rounded to 4 digits. */
function ratioSpread(ratios) {
  return {
    median: round(median(ratios), 4),
    quartiles: [round(quantile(ratios, 0.25), 4), round(quantile(ratios, 0.75), 4)],
    range: [round(Math.min(...ratios), 4), round(Math.max(...ratios), 4)],
  };
}

const round = (x, digits) => (x === null || x === undefined || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));

/** Runs a command to completion; throws with its stderr on failure. */
function run(command, args, options = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, cwd: ROOT, ...options });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${r.status}${r.signal ? ` (${r.signal})` : ''}:\n${r.stderr}`);
  }
  return { stdout: r.stdout, stderr: r.stderr, wallMs };
}

/** run() without blocking: resolves { stdout, stderr, wallMs }; rejects with the end of its stderr on failure. */
function runAsync(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (status, signal) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      if (status !== 0) reject(new Error(`${command} ${args.join(' ')} exited with ${status}${signal ? ` (${signal})` : ''}:\n${stderr.slice(-3000)}`));
      else resolve({ stdout, stderr, wallMs });
    });
  });
}

/** Runs the async `tasks` (functions), at most `jobs` at a time; their results in order. */
async function pool(tasks, jobs) {
  const results = new Array(tasks.length);
  let next = 0;
  async function worker() {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  }
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
  return results;
}

/** `list` rotated left by `r`: round r of a round-robin starts at its r-th entry. */
const rotate = (list, r) => list.map((_, i) => list[(i + r) % list.length]);

/**
 * The schedule of interleaved fresh-process runs: each of `rounds` rounds runs every item
 * (`itemsOf(target, round)`, e.g. the variants rotated with rotate()) of every target (Node
 * majors), the targets' order rotated each round too, so that no run always follows another.
 * Yields { round, target, item, done, total } (done counts from 1).
 */
function* interleaved(rounds, targets, itemsOf) {
  const total = Array.from({ length: rounds }, (_, r) => targets.reduce((n, t) => n + itemsOf(t, r).length, 0)).reduce((a, b) => a + b, 0);
  let done = 0;
  for (let r = 0; r < rounds; r++) {
    for (const target of rotate(targets, r)) {
      for (const item of itemsOf(target, r)) yield { round: r, target, item, done: ++done, total };
    }
  }
}

/** "[bench:name +1m05s] message" lines on stderr, timed from this call. */
function progressLog(name) {
  const startedAt = Date.now();
  return (message) => {
    const s = Math.round((Date.now() - startedAt) / 1000);
    process.stderr.write(`[${name} +${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s] ${message}\n`);
  };
}

/** mulberry32: a small seeded PRNG, so that every run of a workload draws the same numbers. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Resolves with the URL of a server `child` (spawned with its stdout piped) once it prints
 * {"port":N}; rejects, with `stderrTail()` when given, if it exits first.
 */
function listeningUrl(child, label, stderrTail = () => '') {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) resolve(`http://127.0.0.1:${m[1]}`);
    });
    child.on('exit', (code, signal) => reject(new Error(`${label} exited with ${code ?? signal} before listening${stderrTail() ? `:\n${stderrTail()}` : ''}`)));
  });
}

/** Median and quartiles of `values`, rounded to `digits`. */
const spreadOf = (values, digits) => ({ median: round(median(values), digits), quartiles: [round(quantile(values, 0.25), digits), round(quantile(values, 0.75), digits)] });

/** A process's live callgrind counters (callgrind_control -e Ir): instructions of all its threads, and of its main thread. */
function callgrindCounters(pid) {
  const text = execFileSync('callgrind_control', ['-e', 'Ir', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const threads = [...text.matchAll(/^\s*Th\s+(\d+)\s+([\d,]+)/gm)].map((m) => ({ thread: Number(m[1]), ir: Number(m[2].replaceAll(',', '')) }));
  if (threads.length === 0) throw new Error(`no counters in callgrind_control's output:\n${text}`);
  return { all: threads.reduce((s, t) => s + t.ir, 0), main: threads.find((t) => t.thread === 1)?.ir ?? NaN };
}

function lastJsonLine(stdout) {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

/** The machine and software a result was measured on; `packages` adds dependency versions. */
function environment(packages = []) {
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const version = (name) => {
    try { return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version; } catch { return null; }
  };
  return {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cpuCount: os.cpus().length,
    totalMemoryGiB: round(os.totalmem() / 2 ** 30, 1),
    loadAverageAtStart: os.loadavg().map((x) => round(x, 2)),
    allocscope: pkg.version,
    ...Object.fromEntries(packages.map(([key, name]) => [key, version(name)])),
    commit: git.status === 0 ? git.stdout.trim() : null,
  };
}

/** 12345.6 → "12,346" ("—" for missing values). */
function fmt(x, digits = 0) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * The runner's command line: `flag('--x')`, and `option('--n', fallback)` for a
 * positive number (an integer unless `{ integer: false }`); a bad value exits 2
 * with one line naming the benchmark.
 */
function commandLine(benchmark, argv = process.argv.slice(2)) {
  const flag = (name) => argv.includes(name);
  function option(name, fallback, { integer = true } = {}) {
    const i = argv.indexOf(name);
    if (i === -1) return fallback;
    const value = Number(argv[i + 1]);
    if (!(integer ? Number.isInteger(value) : Number.isFinite(value)) || value <= 0) {
      console.error(`${benchmark}: ${name} expects a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(argv[i + 1])}`);
      process.exit(2);
    }
    return value;
  }
  /** A string option's value, or undefined when it is not given. */
  function stringOption(name) {
    const i = argv.indexOf(name);
    if (i === -1) return undefined;
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) {
      console.error(`${benchmark}: ${name} expects a value`);
      process.exit(2);
    }
    return value;
  }
  return { argv, flag, option, stringOption };
}

module.exports = {
  commandLine, ROOT, median, quantile, ratioSpread, round, run, runAsync, pool, rotate, interleaved, progressLog, spreadOf, rng, listeningUrl, callgrindCounters, lastJsonLine, environment, fmt };
