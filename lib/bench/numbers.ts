// Number formats of benchmark output: Go's style (plain numbers, units after).

/**
 * ns/op with 4 significant digits below 1,000 and whole numbers above: 12.34, 812.4,
 * 12,345 (`grouping: false` for Go-style lines that benchstat parses: 12345).
 */
export function nsPerOp(value: number, grouping = true): string {
  if (!Number.isFinite(value)) return '–';
  if (value >= 1000) return Math.round(value).toLocaleString('en-US', { useGrouping: grouping });
  return value.toPrecision(4).replace(/\.?0+$/, (m) => (m.startsWith('.') ? '' : m));
}

/** B/op or allocs/op: whole numbers when whole, else up to 2 decimals. */
export function perOp(value: number, grouping = true): string {
  if (!Number.isFinite(value)) return '–';
  const rounded = Math.round(value * 100) / 100;
  return rounded.toLocaleString('en-US', { maximumFractionDigits: 2, useGrouping: grouping });
}

/** "± 3%" from a spread in %. */
export function plusMinus(pct: number): string {
  return `± ${pct < 10 ? pct.toFixed(1) : pct.toFixed(0)}%`;
}

/** A ratio to the baseline: "0.52×"; "–" without a baseline value. */
export function ratio(value: number | null): string {
  return value === null || !Number.isFinite(value) ? '–' : `${value.toFixed(value < 10 ? 2 : 1)}×`;
}

/** A delta in %: "-21.2%", "+3.0%". */
export function deltaPct(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return `${value > 0 ? '+' : ''}${value.toFixed(1)}%`;
}
