'use strict';
// Given to the profiled child through NODE_OPTIONS, so node loads it before the
// agent's --require: its exit handler runs before the agent writes the capture,
// and reads the peak RSS of the run itself. The CLI process (which also sees
// NODE_OPTIONS) is told apart by ALLOCSCOPE_PRELOAD, which only the child has.
if (process.env.ALLOCSCOPE_PRELOAD !== undefined && process.env.AGENT_BENCH_REPORT) {
  require('./exit-figures').onExit(`${process.env.AGENT_BENCH_REPORT}.before-agent-exit.json`, { modules: false });
}
