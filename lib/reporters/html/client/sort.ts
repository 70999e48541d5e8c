// Table sorting: numbers by value, anything else as text (localeCompare); a
// stable sort, so rows that tie keep the order of the previous sort.

export type CellValue = number | string | null | undefined;

export interface SortState {
  /** The sorted column, −1 before any sort. */
  column: number;
  descending: boolean;
}

export function compareCells(x: CellValue, y: CellValue): number {
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return String(x).localeCompare(String(y));
}

/** `items` ordered by `key` (a new array; ties keep their order in `items`). */
export function sortBy<T>(items: readonly T[], key: (item: T) => CellValue, descending: boolean): T[] {
  return [...items].sort((a, b) => {
    const r = compareCells(key(a), key(b));
    return descending ? -r : r;
  });
}

/**
 * The sort after a click on column `clicked`: the same column flips direction;
 * another column starts descending if it is numeric (largest first), else ascending.
 */
export function sortAfterClick(state: SortState, clicked: number, numeric: boolean): SortState {
  return { column: clicked, descending: state.column === clicked ? !state.descending : numeric };
}
