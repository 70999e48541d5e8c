// Heap spaces (used and committed bars) and fragmentation (the C allocator and the process RSS).
import { bytes, percent } from '../numbers';
import type { PageData, PageSpaceFragmentation } from '../page-data';
import { byId, el, note, swatch } from './dom';

/** Bars of used within committed, per row: a name, the track, the figures. */
export function barRow(grid: HTMLElement, name: string, committedShare: number, usedShare: number, title: string, figures: string): void {
  grid.appendChild(el('div', 'name', name));
  const track = el('div', 'track'), outer = el('div', 'outer'), inner = el('div', 'inner');
  outer.style.width = `${(100 * committedShare).toFixed(2)}%`;
  inner.style.width = `${(100 * usedShare).toFixed(2)}%`;
  track.title = title;
  track.appendChild(outer);
  track.appendChild(inner);
  grid.appendChild(track);
  grid.appendChild(el('div', 'fig', figures));
}

export function legend(entries: readonly (readonly [string, string])[]): HTMLDivElement {
  const key = el('div', 'legend');
  for (const [colour, label] of entries) key.appendChild(swatch(colour, label));
  return key;
}

export function spaces(data: PageData): void {
  const box = byId('spaces'), F = data.fragmentation;
  const all: PageSpaceFragmentation[] = F ? F.v8.spaces : data.spaces.map((s) => ({
    name: s.name, usedBytes: s.usedBytes, committedBytes: s.committedBytes, availableBytes: s.availableBytes,
    fragmentation: s.committedBytes > 0 ? Math.max(0, 1 - s.usedBytes / s.committedBytes) : 0,
  }));
  const list = all.filter((s) => s.committedBytes > 0 || s.usedBytes > 0);
  if (list.length === 0) { note(box, 'No heap space figures in this capture.'); return; }
  const max = list.reduce((m, s) => Math.max(m, s.committedBytes, s.usedBytes), 0) || 1;
  const grid = el('div', 'bars');
  for (const s of list) {
    barRow(grid, s.name, s.committedBytes / max, Math.min(s.usedBytes, Math.max(s.committedBytes, s.usedBytes)) / max,
      `${s.name}: used ${bytes(s.usedBytes)} of ${bytes(s.committedBytes)} committed`,
      `${bytes(s.usedBytes)} / ${bytes(s.committedBytes)} · ${percent(s.fragmentation)} unused`);
  }
  box.appendChild(grid);
  box.appendChild(legend([['var(--used)', 'used'], ['var(--committed)', 'committed, unused']]));
  if (F) {
    const t = F.v8.total;
    note(box, `total: ${bytes(t.usedBytes)} used of ${bytes(t.committedBytes)} committed (${percent(t.fragmentation)} unused), ${bytes(t.physicalBytes)} physical`);
  }
}

/** One horizontal bar of parts of `whole`, with a legend: [label, bytes, colour]. */
function stackBar(box: HTMLElement, parts: readonly [string, number, string][], whole: number): void {
  const bar = el('div', 'stack'), key = el('div', 'legend');
  for (const [label, value, colour] of parts) {
    const seg = el('div');
    seg.style.width = `${(whole > 0 ? 100 * Math.max(0, value) / whole : 0).toFixed(2)}%`;
    seg.style.background = colour;
    seg.title = `${label}: ${bytes(value)}`;
    bar.appendChild(seg);
    key.appendChild(swatch(colour, `${label} ${bytes(value)}`));
  }
  box.appendChild(bar);
  box.appendChild(key);
}

export function allocator(data: PageData): void {
  const box = byId('alloc'), F = data.fragmentation, M = data.malloc;
  if (!F) { note(box, 'No fragmentation figures in this capture.'); return; }
  box.appendChild(el('h3', '', `C allocator (${M ? M.allocator : 'unknown'})`));
  if (F.jemalloc) {
    const j = F.jemalloc;
    stackBar(box, [['allocated', j.allocatedBytes, '#2f81f7'], ['active, not allocated', j.activeBytes - j.allocatedBytes, '#f0a8a8'],
      ['resident, not active', j.residentBytes - j.activeBytes, '#d0d7de']], Math.max(j.residentBytes, j.activeBytes));
    note(box, `fragmentation ${percent(j.fragmentation)} · resident/active ${j.residentToActive.toFixed(2)}`);
  } else if (F.glibc) {
    const c = F.glibc;
    stackBar(box, [['in use', c.inUseBytes, '#2f81f7'], ['free in arenas', c.freeBytes, '#f0a8a8'], ['mmapped', c.mmappedBytes, '#8250df']],
      c.inUseBytes + c.freeBytes + c.mmappedBytes);
    note(box, `arena ${bytes(c.arenaBytes)} · fragmentation ${percent(c.fragmentation)} (free / arena) · top pad ${bytes(c.topPadBytes)} (malloc_trim could release it)`);
  } else {
    note(box, 'No statistics for this allocator.');
  }
  const p = F.process;
  box.appendChild(el('h3', '', `Process RSS ${bytes(p.rssBytes)}`));
  stackBar(box, [['V8 heap', p.v8PhysicalBytes, '#2f81f7'], ['C allocator', p.mallocFootprintBytes, '#8250df'],
    ['unattributed', p.unattributedBytes, '#afb8c1']], Math.max(p.rssBytes, p.accountedBytes));
  note(box, `unattributed (${percent(p.unattributedShare)}): code, stacks, shared libraries, thread arenas and pages not counted above` +
    (p.unattributedBytes < 0 ? '; negative: glibc counts arena pages never touched' : ''));
}
