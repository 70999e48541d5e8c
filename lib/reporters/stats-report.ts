// The StatsReport document behind `allocscope stats`: collected in the measured
// process as plain data (JSON-safe), so the CLI can render it anywhere. Its
// reporters are in stats/.
import { fragmentation, type FragmentationReport } from '../runtime/fragmentation';
import { gc, type GcSummary } from '../runtime/gc';
import { memory, type MemorySnapshot } from '../runtime/memory';
import { v8Version } from '../runtime/isolate';
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
      v8: v8Version,
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
