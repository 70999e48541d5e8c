'use strict';
// Given to the profiled child after the agent (`allocscope run -- node --require
// this tsc …`): its exit handler runs after the agent has written the capture, and
// lists the modules loaded in the child.
if (process.env.AGENT_BENCH_REPORT) {
  require('./exit-figures').onExit(`${process.env.AGENT_BENCH_REPORT}.after-agent-exit.json`, { modules: true });
}
