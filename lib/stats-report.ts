// The figures behind `allocscope stats`: collected in the measured process,
// plain data (JSON-safe), rendered as a text table anywhere.
import { fragmentation, type FragmentationReport } from './fragmentation';
import { gc, type GcSummary } from './gc';
import { bytes, ms, percent, table } from './format';
import { memory, type MemorySnapshot } from './memory';
import { native } from './native';

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
  };
}

export function renderStatsText(report: StatsReport): string {
  const out: string[] = [];
  const { meta, snapshot: s, fragmentation: f } = report;
  out.push(`allocscope stats · node ${meta.node} (V8 ${meta.v8}) · pid ${meta.pid} · ${meta.time}`);
  if (meta.exitCode !== undefined) {
    out.push(`program: ${meta.argv.join(' ')} · ${meta.signal ? `killed by ${meta.signal}` : `exit code ${meta.exitCode}`}`);
  }

  const h = s.heap;
  out.push('', 'V8 heap');
  out.push(`  used ${bytes(h.usedHeapSizeBytes)} of ${bytes(h.totalHeapSizeBytes)} committed (${bytes(h.totalPhysicalSizeBytes)} physical), limit ${bytes(h.heapSizeLimitBytes)}`);
  out.push(`  external ${bytes(h.externalMemoryBytes)} · V8 malloc ${bytes(h.mallocedMemoryBytes)} (peak ${bytes(h.peakMallocedMemoryBytes)}) · contexts ${h.numberOfNativeContexts} (${h.numberOfDetachedContexts} detached)`);

  out.push('', 'Heap spaces');
  const spaceRows = f.v8.spaces.filter((x) => x.committedBytes > 0 || x.usedBytes > 0).map((x) => [
    x.name, bytes(x.usedBytes), bytes(x.committedBytes), bytes(x.availableBytes), bytes(x.physicalBytes), percent(x.fragmentation),
  ]);
  const t = f.v8.total;
  spaceRows.push(['total', bytes(t.usedBytes), bytes(t.committedBytes), bytes(t.availableBytes), bytes(t.physicalBytes), percent(t.fragmentation)]);
  out.push(indent(table(['space', 'used', 'committed', 'available', 'physical', 'unused'], spaceRows)));

  if (report.gc && report.gc.count > 0) {
    const g = report.gc;
    out.push('', `Garbage collection · ${g.count} GCs in ${ms(g.elapsedMs)} · ${percent(g.gcTimeShare)} of wall time paused`);
    const rows = Object.entries(g.byType).map(([type, x]) => [
      type, String(x!.count), ms(x!.totalMs), ms(x!.meanMs), ms(x!.p50Ms), ms(x!.p90Ms), ms(x!.p99Ms), ms(x!.maxMs), bytes(x!.freedBytes),
    ]);
    out.push(indent(table(['type', 'count', 'total', 'mean', 'p50', 'p90', 'p99', 'max', 'freed'], rows)));
    out.push(`  promoted ${bytes(g.promotedBytes)} (${percent(g.promotionRatio)} of young-generation bytes, ${bytes(g.promotedBytesPerSecond)}/s)` +
      (g.droppedEvents > 0 ? ` · ${g.droppedEvents} events dropped from the buffer` : ''));
  }

  out.push('', `C allocator (${s.malloc.allocator})`);
  if (f.jemalloc) {
    const j = f.jemalloc;
    out.push(`  allocated ${bytes(j.allocatedBytes)} · active ${bytes(j.activeBytes)} · resident ${bytes(j.residentBytes)} · fragmentation ${percent(j.fragmentation)} · resident/active ${j.residentToActive.toFixed(2)}`);
  } else if (f.glibc) {
    const c = f.glibc;
    out.push(`  arena ${bytes(c.arenaBytes)} · in use ${bytes(c.inUseBytes)} · free ${bytes(c.freeBytes)} (fragmentation ${percent(c.fragmentation)}) · mmapped ${bytes(c.mmappedBytes)} · top pad ${bytes(c.topPadBytes)}`);
  } else {
    out.push('  no statistics for this allocator');
  }

  const p = f.process;
  out.push('', 'Process');
  out.push(`  RSS ${bytes(p.rssBytes)} = V8 heap ${bytes(p.v8PhysicalBytes)} + C allocator ${bytes(p.mallocFootprintBytes)} + unattributed ${bytes(p.unattributedBytes)} (${percent(p.unattributedShare)})`);
  return out.join('\n');
}

function indent(text: string): string {
  return text.split('\n').map((l) => `  ${l}`).join('\n');
}
