// The tracemalloc-style top table of a profile, as text.
import { bytes, percent, table } from '../format';
import type { GroupBy, Profile, TopRow } from './profile';

export function renderTopText(profile: Profile, rows: TopRow[], by: GroupBy): string {
  const d = profile.data;
  const totals = profile.totals();
  const what = d.mode === 'live' ? 'live (in use)' : 'allocated since start';
  const samples = totals.bytes / d.intervalBytes;
  const head = `Top ${rows.length} ${by === 'site' ? 'allocation sites' : `by ${by}`} · ${what} · ${bytes(totals.bytes)} in ${Math.round(totals.objects).toLocaleString('en-US')} objects (estimated from ~${Math.round(samples).toLocaleString('en-US')} samples, interval ${bytes(d.intervalBytes)})`;
  if (rows.length === 0) {
    return `No allocation was sampled (${what}). The program allocated less than about one interval (${bytes(d.intervalBytes)}) per site: try a smaller interval, e.g. --interval 16k.`;
  }
  const body = table(
    ['#', 'bytes', 'share', 'cumul.', 'objects', 'avg size', by],
    rows.map((r, i) => [String(i + 1), bytes(r.bytes), percent(r.share), percent(r.cumulativeShare), Math.round(r.objects).toLocaleString('en-US'), bytes(r.averageSize), r.label]),
    ['right', 'right', 'right', 'right', 'right', 'right', 'left'],
  );
  return `${head}\n${body}`;
}
