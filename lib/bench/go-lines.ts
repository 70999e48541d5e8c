// Go-style result lines: `name  N  123.4 ns/op  64 B/op  2 allocs/op`, then
// allocscope's extra figures in the same "value unit" form (benchstat-compatible).
// Columns have fixed widths so lines printed one by one still line up.
import { nsPerOp, perOp, plusMinus } from './numbers';
import type { BenchRecord } from './results-file';

const pad = (text: string, width: number) => text.padStart(width);

/** One line for a benchmark; `nameWidth` pads the name so that a suite's lines align. */
export function goLine(record: BenchRecord, nameWidth: number): string {
  const name = record.id.padEnd(nameWidth);
  if (!record.result) return `${name}  FAIL: ${record.error ?? 'failed'}`;
  const { timing: t, counting: k } = record.result;
  const cells = [name];
  const ops = t ? t.opsPerRound * t.nsPerOp.rounds.length : k ? k.opsPerRound * k.allocsPerOp.rounds.length : 0;
  cells.push(pad(String(ops), 10));
  if (t) cells.push(pad(`${nsPerOp(t.nsPerOp.median, false)} ns/op`, 16), pad(plusMinus(t.nsPerOp.spreadPct), 7));
  if (k) cells.push(pad(`${perOp(k.bytesPerOp.median, false)} B/op`, 14), pad(`${perOp(k.allocsPerOp.median, false)} allocs/op`, 16));
  if (k && k.externalBytesPerOp.median > 0) cells.push(pad(`${perOp(k.externalBytesPerOp.median, false)} ext-B/op`, 16));
  if (t) cells.push(pad(`${t.gcsPer1000Ops.toFixed(2)} GCs/kop`, 14));
  return cells.join('  ').trimEnd();
}

/** An error's message on one line. */
export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  return text.split('\n')[0]!;
}
