// The tracemalloc-style top table of a profile, as text.
import { bytes, percent, table } from '../core/format';
import type { GroupBy, Profile, TopRow } from './profile';

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * The top table's columns, shared by `allocscope top` and the text/markdown
 * reports: with live figures (allocated mode, Node ≥ 26), live and temporary
 * bytes and objects follow the allocated ones.
 */
export function topTableColumns(rows: TopRow[], by: GroupBy, live: boolean): { header: string[]; rows: string[][]; align: ('left' | 'right')[] } {
  const header = live
    ? ['#', 'allocated', 'share', 'cumul.', 'objects', 'live', 'live obj.', 'temporary', 'temp. obj.', 'avg size', by]
    : ['#', 'bytes', 'share', 'cumul.', 'objects', 'avg size', by];
  return {
    header,
    rows: rows.map((r, i) => [String(i + 1), bytes(r.bytes), percent(r.share), percent(r.cumulativeShare), count(r.objects),
      ...(live ? [bytes(r.liveBytes ?? 0), count(r.liveObjects ?? 0), bytes(r.temporaryBytes ?? 0), count(r.temporaryObjects ?? 0)] : []),
      bytes(r.averageSize), r.label]),
    align: header.map((_, i) => (i === header.length - 1 ? 'left' : 'right')),
  };
}

/** One line on what the live and temporary columns mean, for profiles that have them. */
export function liveFiguresNote(profile: Profile): string | undefined {
  const t = profile.totals();
  if (t.liveBytes === undefined) return undefined;
  return `of which live ${bytes(t.liveBytes)} (${count(t.liveObjects ?? 0)} objects), temporary ${bytes(t.temporaryBytes ?? 0)} (${count(t.temporaryObjects ?? 0)} objects): temporary = collected before the end of the fold window it was allocated in (at most the fold interval, 10 s by default; the last window ends at the collection)`;
}

export function renderTopText(profile: Profile, rows: TopRow[], by: GroupBy): string {
  const d = profile.data;
  const totals = profile.totals();
  const what = d.mode === 'live' ? 'live (in use)' : 'allocated since start';
  const samples = totals.bytes / d.intervalBytes;
  const head = `Top ${rows.length} ${by === 'site' ? 'allocation sites' : `by ${by}`} · ${what} · ${bytes(totals.bytes)} in ${Math.round(totals.objects).toLocaleString('en-US')} objects (estimated from ~${Math.round(samples).toLocaleString('en-US')} samples, interval ${bytes(d.intervalBytes)})`;
  if (rows.length === 0) {
    return `No allocation was sampled (${what}). The program allocated less than about one interval (${bytes(d.intervalBytes)}) per site: try a smaller interval, e.g. --interval 16k.`;
  }
  const columns = topTableColumns(rows, by, profile.hasLiveFigures);
  const note = liveFiguresNote(profile);
  return `${head}${note ? `\n${note}` : ''}\n${table(columns.header, columns.rows, columns.align)}`;
}
