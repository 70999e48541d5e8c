// Human-readable numbers and plain-text tables for terminal reports.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB"; negative values keep their sign. */
export function bytes(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const sign = value < 0 ? '-' : '';
  let v = Math.abs(value);
  let unit = 0;
  while (v >= 1024 && unit < UNITS.length - 1) { v /= 1024; unit++; }
  return `${sign}${unit === 0 ? v.toFixed(0) : v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${UNITS[unit]}`;
}

/** 0.1234 → "12.3 %". */
export function percent(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  const p = ratio * 100;
  return `${p.toFixed(p !== 0 && Math.abs(p) < 1 ? 2 : 1)} %`;
}

/** Milliseconds with a precision that suits the magnitude. */
export function ms(value: number): string {
  if (value === 0) return '0 ms';
  if (value < 1) return `${(value * 1000).toFixed(0)} µs`;
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}

export type Align = 'left' | 'right';

/** Renders rows as an aligned text table with a header rule. */
export function table(header: string[], rows: string[][], align?: Align[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (text: string, i: number) => ((align?.[i] ?? (i === 0 ? 'left' : 'right')) === 'left' ? text.padEnd(widths[i]!) : text.padStart(widths[i]!));
  const line = (r: string[]) => r.map((c, i) => cell(c ?? '', i)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
