// The CaptureDiff document: per-group growth between two captures
// (tracemalloc's compare_to). Its reporters are in diff/.
import type { Capture } from '../capture/capture';
import { Profile, type DiffRow, type GroupBy } from '../profile/profile';

export interface DiffOptions {
  top: number;
  by: GroupBy;
}

export interface CaptureDiff {
  older: { argv: string[]; startTimeMs: number; totalBytes: number };
  newer: { argv: string[]; startTimeMs: number; totalBytes: number };
  mode: Profile['mode'];
  by: GroupBy;
  rows: DiffRow[];
}

export function diffCaptures(older: Capture, newer: Capture, o: DiffOptions): CaptureDiff {
  if (!older.profile || !newer.profile) throw new Error('both captures need an allocation profile');
  const a = new Profile(older.profile);
  const b = new Profile(newer.profile);
  const rows = b.diff(a, { by: o.by }).filter((r) => r.deltaBytes !== 0 || r.deltaObjects !== 0);
  // Largest changes first, growth before shrinkage of the same size.
  rows.sort((x, y) => Math.abs(y.deltaBytes) - Math.abs(x.deltaBytes) || y.deltaBytes - x.deltaBytes);
  return {
    older: { argv: older.meta.argv, startTimeMs: older.meta.startTimeMs, totalBytes: a.totals().bytes },
    newer: { argv: newer.meta.argv, startTimeMs: newer.meta.startTimeMs, totalBytes: b.totals().bytes },
    mode: b.mode, by: o.by, rows: rows.slice(0, o.top),
  };
}
