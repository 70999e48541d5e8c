// Preloaded (`node --require`) into a program run by `allocscope stats <script>`:
// tracks GC from the start and writes the stats report when the program ends.
import * as fs from 'node:fs';
import { gc } from '../gc';
import { collectStatsReport } from '../stats-report';

const outPath = process.env.ALLOCSCOPE_STATS_OUT;
if (outPath) {
  delete process.env.ALLOCSCOPE_STATS_OUT; // not inherited by the program's own children
  gc.start();
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    const report = collectStatsReport();
    report.meta.argv = process.argv.slice(1);
    const tmp = `${outPath}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(report));
    fs.renameSync(tmp, outPath); // the CLI never reads a half-written file
  };
  process.on('exit', write);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      write();
      // If the program handles the signal itself, leave the decision to it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}
