'use strict';
// What a process reads about itself at exit: peak RSS, CPU time, time since it
// started, the V8 heap, and (when asked) the files in require.cache. Used by the two
// `--require` hooks of the agent benchmark; writes one JSON file.
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');

function onExit(file, { modules }) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    const memory = process.memoryUsage();
    fs.writeFileSync(file, JSON.stringify({
      maxRssKiB: usage.maxRSS,
      cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
      uptimeMs: performance.now(),
      heapTotalBytes: memory.heapTotal,
      heapUsedBytes: memory.heapUsed,
      externalBytes: memory.external,
      ...(modules ? { modules: Object.keys(require.cache) } : {}),
    }));
  });
}

module.exports = { onExit };
