// The top-sites table: sortable, each function with a button that finds it in the
// flame graph. "Node internals" (shared with the flame graph) picks the table whose
// sites are the innermost frames, Node's included, instead of the program's own.
// At a moment of the live heap, the table is that moment's.
import { momentLabel } from '../moments';
import { bytes, count, percent } from '../numbers';
import type { PageData, PageTop, PageTopRow } from '../page-data';
import { byId, el, note } from './dom';
import type { FlameApi } from './flame';
import { bindCheckbox, type FrameOptions } from './frame-options';
import type { MomentChoice } from './moment-choice';
import { numberColumn, table, textColumn, type Column } from './table';

type RankedRow = PageTopRow & { rank: number };

export function sites(data: PageData, flameApi: FlameApi | null, options: FrameOptions, moment: MomentChoice | null): void {
  const box = byId('sites'), toggle = byId<HTMLInputElement>('sites-internals');
  if (!data.top || !data.profile) { toggle.closest('label')!.hidden = true; note(box, 'No allocation profile in this capture.'); return; }
  bindCheckbox(toggle, options, 'internals');
  const draw = () => {
    box.replaceChildren();
    const internals = options.get().internals;
    const at = moment?.get() ?? null;
    siteTable(data, (internals ? data.topWithInternals : null) ?? data.top!, internals, flameApi, at === null ? null : momentLabel(moment!.moments, at));
  };
  options.onChange(draw);
  moment?.onChange(draw);
  draw();
}

/** `at`: the moment shown, in words; null for the end of the run. */
function siteTable(data: PageData, T: PageTop, internals: boolean, flameApi: FlameApi | null, at: string | null): void {
  const P = data.profile!, box = byId('sites');
  const what = at ?? (P.mode === 'live' ? 'live (in use)' : 'allocated');
  const title = P.source === 'native' ? `Native memory by ${T.by}` : P.source === 'both' ? `Top ${T.by === 'site' ? 'sites' : T.by}, JS heap and native memory`
    : T.by === 'site' ? 'Top allocation sites' : `Top allocations by ${T.by}`;
  byId('sites-title').textContent = `${title} (${what})`;
  byId('sites-sub').textContent = `${bytes(P.totalBytes)} in ~${count(P.totalObjects)} objects, estimated from ~${count(P.totalBytes / P.intervalBytes)} samples at a ` +
    `${bytes(P.intervalBytes)} interval · allocations in V8 builtins are counted at their JS caller · click a header to sort` +
    (internals ? ' · sites are the innermost JavaScript frames, Node\'s internals included'
      : ' · what Node\'s own JavaScript allocated is counted at the program\'s function that called it') +
    (P.totalLiveBytes !== undefined ? ' · live: still alive at the end of its fold window; temporary: collected before it' : '');
  if (T.rows.length === 0) {
    note(box, P.mode === 'live' ? 'Nothing sampled was alive at this moment: what the program allocated had been freed by then.' : 'No allocation was sampled: record with a smaller --interval.');
    return;
  }
  const rows: RankedRow[] = T.rows.map((r, k) => ({ ...r, rank: k + 1 }));
  const maxShare = rows.reduce((m, r) => Math.max(m, r.share), 0) || 1;
  const cols: Column<RankedRow>[] = [numberColumn('#', (r) => r.rank)];
  if (rows[0]!.function !== undefined) {
    cols.push(textColumn('function', 'fn', (r) => r.function, (name) => {
      const span = el('span');
      span.appendChild(document.createTextNode(name));
      if (flameApi) {
        const b = el('button', 'find', '⌕');
        b.type = 'button';
        b.title = 'find in the flame graph';
        b.addEventListener('click', () => flameApi.find(name));
        span.appendChild(b);
      }
      return span;
    }));
    cols.push(textColumn(T.by === 'site' ? 'location' : 'file', 'loc', (r) => r.location));
  } else {
    cols.push(textColumn(T.by, T.by === 'package' ? 'fn' : 'loc', (r) => r.label));
  }
  cols.push(
    numberColumn('bytes', (r) => r.bytes, bytes),
    numberColumn('share', (r) => r.share, (v) => {
      const s = el('span'), bar = el('span', 'sharebar');
      bar.style.width = `${Math.max(1, Math.round(60 * v / maxShare))}px`;
      s.appendChild(bar);
      s.appendChild(document.createTextNode(percent(v)));
      return s;
    }),
    numberColumn('cumul.', (r) => r.cumulativeShare, percent),
    numberColumn('objects', (r) => r.objects, count));
  if (rows[0]!.liveBytes !== undefined) {
    cols.push(
      numberColumn('live', (r) => r.liveBytes, bytes),
      numberColumn('live obj.', (r) => r.liveObjects, count),
      numberColumn('temporary', (r) => r.temporaryBytes, bytes),
      numberColumn('temp. obj.', (r) => r.temporaryObjects, count));
  }
  cols.push(numberColumn('avg size', (r) => r.averageSize, bytes));
  box.appendChild(table(cols, rows));
}
