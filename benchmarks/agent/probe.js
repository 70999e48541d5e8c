'use strict';
// Run by the agent benchmark as `allocscope run -o <file> -- node probe.js <out>`:
// writes the node options and the agent's configuration that `run` gave this
// process, so the benchmark can start the same child under /usr/bin/time.
// The agent deletes ALLOCSCOPE_PRELOAD from process.env when it starts; the
// process's initial environment still holds it.
const fs = require('node:fs');

const initial = fs.readFileSync('/proc/self/environ', 'utf8').split('\0');
const entry = initial.find((e) => e.startsWith('ALLOCSCOPE_PRELOAD='));
fs.writeFileSync(process.argv[2], JSON.stringify({
  execArgv: process.execArgv,
  preload: entry === undefined ? null : entry.slice('ALLOCSCOPE_PRELOAD='.length),
}));
