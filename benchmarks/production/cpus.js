'use strict';
// Where the production benchmark's processes run: the runner (load generator,
// profile sink, scraper) on CPU 0, the measured server on CPU 1, when taskset
// exists; otherwise wherever the OS puts them.
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');
const { listeningUrl } = require('../lib/common');

const SERVER = path.join(__dirname, 'server.js');
const taskset = spawnSync('taskset', ['--version']).status === 0;

/** Re-runs the calling script on CPU 0 (once: BENCH_PINNED marks the pinned run) and exits with its status. */
function pinRunner(script) {
  if (!taskset || process.env.BENCH_PINNED) return;
  const r = spawnSync('taskset', ['-c', '0', process.execPath, script, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, BENCH_PINNED: '1' } });
  process.exit(r.status ?? 1);
}

/** [command, args] that run node with `argv` on the server's CPU. */
const onServerCpu = (argv) => (taskset ? ['taskset', ['-c', '1', process.execPath, ...argv]] : [process.execPath, argv]);

/** Starts server.js as `variant`, pushing to `sinkUrl` every `periodMs`; resolves once it listens. */
function startServer(variant, sinkUrl, periodMs) {
  const [cmd, args] = onServerCpu([SERVER, variant, sinkUrl, String(periodMs)]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return listeningUrl(child, `server ${variant}`).then((url) => ({ child, url }));
}

module.exports = { taskset, pinRunner, onServerCpu, startServer };
