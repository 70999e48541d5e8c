// The garbage-collection table: one row per GC type.
import { bytes, count, ms, percent } from '../numbers';
import type { PageData, PageGcTypeSummary } from '../page-data';
import { byId, note } from './dom';
import { numberColumn, table, textColumn } from './table';

type GcRow = PageGcTypeSummary & { type: string };

export function gc(data: PageData): void {
  const g = data.gc, box = byId('gc');
  if (!g || g.count === 0) { note(box, 'No garbage collection was recorded.'); return; }
  byId('gc-sub').textContent = `${count(g.count)} GCs in ${ms(g.elapsedMs)} · ${percent(g.gcTimeShare)} of wall time paused`;
  const rows: GcRow[] = [];
  for (const [type, summary] of Object.entries(g.byType)) if (summary) rows.push({ ...summary, type });
  box.appendChild(table<GcRow>([
    textColumn('type', 'mono', (r) => r.type),
    numberColumn('count', (r) => r.count, count),
    numberColumn('total', (r) => r.totalMs, ms),
    numberColumn('mean', (r) => r.meanMs, ms),
    numberColumn('p50', (r) => r.p50Ms, ms),
    numberColumn('p90', (r) => r.p90Ms, ms),
    numberColumn('p99', (r) => r.p99Ms, ms),
    numberColumn('max', (r) => r.maxMs, ms),
    numberColumn('freed', (r) => r.freedBytes, bytes),
  ], rows, { column: 2, descending: true }));
  note(box, `promoted ${bytes(g.promotedBytes)} (${percent(g.promotionRatio)} of young-generation bytes, ${bytes(g.promotedBytesPerSecond)}/s)` +
    (g.droppedEvents > 0 ? ` · ${count(g.droppedEvents)} events dropped from the buffer` : ''));
}
