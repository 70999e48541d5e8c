// A sortable table: click a header to sort by it, again to flip the direction.
import { sortAfterClick, sortBy, type CellValue, type SortState } from '../sort';
import { el } from './dom';

export interface Column<R> {
  label: string;
  /** Right-aligned, and sorted largest first on the first click. */
  num: boolean;
  /** The raw value, for sorting (and data-v on the cell when it is a number). */
  get(row: R): CellValue;
  /** What the cell shows (default: the raw value). */
  show?(row: R): string | Node;
  cls?: string;
}

/** A right-aligned column of numbers, shown through `fmt` ("–" for a missing one). */
export function numberColumn<R>(label: string, get: (row: R) => number | null | undefined, fmt?: (value: number, row: R) => string | Node): Column<R> {
  const show = fmt && ((row: R) => {
    const value = get(row);
    return value === null || value === undefined ? '–' : fmt(value, row);
  });
  return { label, num: true, get, ...(show ? { show } : {}) };
}

/** A column of text, sorted alphabetically. */
export function textColumn<R>(label: string, cls: string, get: (row: R) => string | undefined, fmt?: (value: string, row: R) => string | Node): Column<R> {
  return { label, num: false, cls, get, ...(fmt ? { show: (row: R) => fmt(get(row) ?? '', row) } : {}) };
}

export function table<R>(columns: Column<R>[], rows: R[], initial?: SortState): HTMLDivElement {
  const t = el('table', 'data'), thead = el('thead'), tbody = el('tbody'), hr = el('tr');
  let state: SortState = { column: -1, descending: true };
  const headers = columns.map((c, ci) => {
    const th = el('th', `${c.num ? 'num ' : ''}sortable`);
    th.appendChild(document.createTextNode(c.label));
    const arrow = el('span', 'arrow');
    th.appendChild(arrow);
    th.setAttribute('aria-sort', 'none');
    th.title = `sort by ${c.label}`;
    th.addEventListener('click', () => sort(sortAfterClick(state, ci, c.num)));
    hr.appendChild(th);
    return { th, arrow };
  });
  thead.appendChild(hr);
  t.appendChild(thead);
  t.appendChild(tbody);
  let lines = rows.map((row) => {
    const tr = el('tr');
    for (const c of columns) {
      const v = c.get(row), td = el('td', (c.num ? 'num ' : '') + (c.cls ?? ''));
      const shown = c.show ? c.show(row) : v;
      if (shown instanceof Node) td.appendChild(shown);
      else td.textContent = shown === null || shown === undefined ? '' : String(shown);
      td.dataset.v = typeof v === 'number' ? String(v) : '';
      tr.appendChild(td);
    }
    return { tr, row };
  });
  function sort(next: SortState): void {
    state = next;
    const c = columns[next.column]!;
    lines = sortBy(lines, (line) => c.get(line.row), next.descending);
    headers.forEach((h, i) => {
      const sorted = i === next.column;
      h.arrow.textContent = sorted ? (next.descending ? '▾' : '▴') : '';
      h.th.setAttribute('aria-sort', sorted ? (next.descending ? 'descending' : 'ascending') : 'none');
    });
    const frag = document.createDocumentFragment();
    for (const line of lines) frag.appendChild(line.tr);
    tbody.appendChild(frag);
  }
  if (initial) sort(initial);
  else for (const line of lines) tbody.appendChild(line.tr);
  const wrap = el('div', 'table-wrap');
  wrap.appendChild(t);
  return wrap;
}
