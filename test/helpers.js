'use strict';
// Shared by the tests: run a node child with a script, collect its output.
const { spawnSync, spawn } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const CLI = path.join(DIST, 'cli', 'main.js');

/**
 * Runs `node [nodeArgs] -e code` (or a file) synchronously; returns status/stdout/stderr.
 * The timeout only catches a hang: on a loaded shared machine a child that needs
 * 5 s of CPU can take minutes, and that is not a failure.
 */
function runNode({ code, file, args = [], nodeArgs = [], env = {}, timeoutMs = 300_000, cwd = ROOT }) {
  const argv = [...nodeArgs, ...(code !== undefined ? ['-e', code] : [file]), ...args];
  const r = spawnSync(process.execPath, argv, {
    cwd, encoding: 'utf8', timeout: timeoutMs,
    env: { ...process.env, ...env, ALLOCSCOPE_DIST: DIST },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Like runNode, but parses the last stdout line as JSON and fails loudly otherwise. */
function runNodeJson(options) {
  const r = runNode(options);
  const lines = r.stdout.trim().split('\n');
  try {
    return { ...r, json: JSON.parse(lines[lines.length - 1]) };
  } catch {
    throw new Error(`child did not print JSON (status ${r.status}, signal ${r.signal})\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-4000)}`);
  }
}

/** Runs the CLI with arguments. */
function runCli(args, options = {}) {
  return runNode({ file: CLI, args, ...options });
}

/**
 * CPU time of run(input) on this thread's clock (CLOCK_THREAD_CPUTIME_ID through
 * the addon), in ms, the least of `tries`. Other processes and V8's GC helper
 * threads do not count, and a try that was preempted or disturbed only ever reads
 * more, so the least is the work itself: for how work grows with input size, where
 * wall time under load would be noise. Speed targets belong in benchmarks/.
 */
function leastCpuMs(run, input, tries = 3) {
  const { native } = require(path.join(DIST, 'core', 'native'));
  let least = Infinity;
  for (let i = 0; i < tries; i++) {
    const t0 = native.threadClock.cpuNs();
    run(input);
    least = Math.min(least, native.threadClock.cpuNs() - t0);
  }
  return least / 1e6;
}

module.exports = { ROOT, DIST, CLI, runNode, runNodeJson, runCli, spawn, leastCpuMs };
