import { renderText, type Block } from '../document';
import type { Reporter } from '../reporter';
import { allocatorBlocks, gcBlocks, heapBlocks, poolBlocks, spaceBlocks } from '../sections';

export const statsTextReporter: Reporter<'StatsReport'> = {
  document: 'StatsReport',
  format: 'text',
  description: 'tables: heap, heap spaces, GC pauses per type, C allocator, pools',
  extension: '.txt',
  render(report, options) {
    const { meta, snapshot: s, fragmentation: f } = report;
    const blocks: Block[] = [{ kind: 'heading', text: `allocscope stats · node ${meta.node} (V8 ${meta.v8}) · pid ${meta.pid} · ${meta.time}` }];
    if (meta.exitCode !== undefined) {
      blocks.push({ kind: 'line', text: `program: ${meta.argv.join(' ')} · ${meta.signal ? `killed by ${meta.signal}` : `exit code ${meta.exitCode}`}` });
    }
    blocks.push(...heapBlocks(s.heap), ...spaceBlocks(f), ...gcBlocks(report.gc), ...allocatorBlocks(f, s.malloc), ...poolBlocks(report.pools ?? []));
    return `${renderText(blocks, options.color)}\n`;
  },
};
