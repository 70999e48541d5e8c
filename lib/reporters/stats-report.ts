// The figures behind `allocscope stats`: collected in the measured process,
// plain data (JSON-safe), rendered as a text table anywhere.
import { fragmentation, type FragmentationReport } from '../runtime/fragmentation';
import { gc, type GcSummary } from '../runtime/gc';
import { memory, type MemorySnapshot } from '../runtime/memory';
import { native } from '../core/native';
import { renderText, type Block } from './document';
import { allocatorBlocks, gcBlocks, heapBlocks, poolBlocks, spaceBlocks } from './sections';
import { pools, type NodeBufferPoolInfo, type PoolStats } from '../pools';

export interface StatsReport {
  version: 1;
  meta: {
    node: string;
    v8: string;
    pid: number;
    argv: string[];
    /** ISO time of the reading. */
    time: string;
    /** Set when the figures come from a program run by the CLI. */
    exitCode?: number | null;
    signal?: string | null;
  };
  snapshot: MemorySnapshot;
  fragmentation: FragmentationReport;
  /** GC summary when tracking ran, else null. */
  gc: GcSummary | null;
  /** Registered pools (pools.track, ObjectPool, BufferPool), then Node's own Buffer pool. */
  pools: (PoolStats | NodeBufferPoolInfo)[];
}

export function collectStatsReport(): StatsReport {
  let gcSummary: GcSummary | null = null;
  try { gcSummary = gc.summary(); } catch { gcSummary = null; } // tracking never started
  return {
    version: 1,
    meta: {
      node: process.version,
      v8: native.constants.v8Version,
      pid: process.pid,
      argv: process.argv.slice(1),
      time: new Date().toISOString(),
    },
    snapshot: memory.snapshot(),
    fragmentation: fragmentation(),
    gc: gcSummary,
    pools: [...pools.stats(), pools.nodeBufferPool()],
  };
}

export function renderStatsText(report: StatsReport): string {
  const { meta, snapshot: s, fragmentation: f } = report;
  const blocks: Block[] = [{ kind: 'heading', text: `allocscope stats · node ${meta.node} (V8 ${meta.v8}) · pid ${meta.pid} · ${meta.time}` }];
  if (meta.exitCode !== undefined) {
    blocks.push({ kind: 'line', text: `program: ${meta.argv.join(' ')} · ${meta.signal ? `killed by ${meta.signal}` : `exit code ${meta.exitCode}`}` });
  }
  blocks.push(...heapBlocks(s.heap), ...spaceBlocks(f), ...gcBlocks(report.gc), ...allocatorBlocks(f, s.malloc), ...poolBlocks(report.pools ?? []));
  return renderText(blocks);
}
