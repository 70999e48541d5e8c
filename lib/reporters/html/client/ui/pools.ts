// Pools: a table of whatever keys the pools' statistics have, then the Buffer pools' size classes as bars.
import { bytes, count, percent } from '../numbers';
import type { PageData } from '../page-data';
import type { CellValue } from '../sort';
import { byId, el, note } from './dom';
import { barRow, legend } from './memory';
import { table, type Column } from './table';

type PoolRow = Record<string, unknown>;

/** A pool's figure as text: bytes and ratios by the key's name, objects as JSON. */
function show(key: string, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return /bytes$/i.test(key) ? bytes(v) : /ratio$|share$|fragmentation$/i.test(key) && v <= 1 ? percent(v) : v.toLocaleString('en-US');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function pools(data: PageData): void {
  const box = byId('pools'), list = data.pools;
  if (!list || list.length === 0) { note(box, 'No pools recorded in this capture.'); return; }
  const entries: PoolRow[] = list.map((x) => (x !== null && typeof x === 'object' && !Array.isArray(x) ? x as PoolRow : { value: x }));
  const keys: string[] = [];
  for (const x of entries) for (const k of Object.keys(x)) if (!keys.includes(k)) keys.push(k);
  byId('pools-sub').textContent = count(list.length) + (list.length === 1 ? ' pool' : ' pools');
  box.appendChild(table(keys.map((k): Column<PoolRow> => {
    const numeric = entries.every((x) => x[k] === undefined || x[k] === null || typeof x[k] === 'number');
    return {
      label: k,
      num: numeric,
      get: (r): CellValue => {
        const v = r[k];
        if (v === undefined || v === null) return numeric ? -Infinity : '';
        return typeof v === 'object' ? JSON.stringify(v) : typeof v === 'number' ? v : String(v);
      },
      show: (r) => show(k, r[k]),
    };
  }), entries));
  for (const p of data.poolClasses) {
    box.appendChild(el('h3', '', `${p.name}: size classes`));
    const max = p.classes.reduce((m, c) => Math.max(m, c.totalBytes), 0) || 1;
    const grid = el('div', 'bars');
    for (const c of p.classes) {
      const internal = c.inUseBytes > 0 ? 1 - c.requestedBytes / c.inUseBytes : 0;
      barRow(grid, bytes(c.blockBytes), c.totalBytes / max, c.inUseBytes / max,
        `${bytes(c.blockBytes)} blocks: ${bytes(c.inUseBytes)} handed out of ${bytes(c.totalBytes)} in slabs`,
        `${bytes(c.inUseBytes)} / ${bytes(c.totalBytes)} · internal ${percent(internal)} · ${bytes(c.freeInPartialBytes)} free in partly used slabs`);
    }
    box.appendChild(grid);
  }
  if (data.poolClasses.length) box.appendChild(legend([['var(--used)', 'handed out'], ['var(--committed)', 'free in slabs']]));
}
