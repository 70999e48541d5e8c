// Number formatting on the page: the server side's helpers (core/format.ts,
// bundled into the page by esbuild), plus what only the page needs.
import { bytes } from '../../../core/format';

export { bytes, ms, percent } from '../../../core/format';

/** 12345.6 → "12,346". */
export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Bytes, or "–" for a figure the capture does not have. */
export function bytesOrDash(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : bytes(value);
}
