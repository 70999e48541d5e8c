// A CaptureDiff as blocks, shared by its text, markdown and HTML reporters.
import { bytes, percent } from '../../core/format';
import type { DiffRow } from '../../profile/profile';
import type { CaptureDiff } from '../capture-diff';
import type { Block } from '../document';

const signed = (n: number) => `${n > 0 ? '+' : n < 0 ? '−' : '±'}${bytes(Math.abs(n))}`;
const ratio = (r: DiffRow) => (r.olderBytes > 0 ? `${r.deltaBytes >= 0 ? '+' : '−'}${percent(Math.abs(r.deltaBytes) / r.olderBytes)}` : 'new');

export function diffBlocks(d: CaptureDiff): Block[] {
  const delta = d.newer.totalBytes - d.older.totalBytes;
  return [
    { kind: 'heading', text: `allocscope diff · ${d.mode === 'live' ? 'live' : 'allocated'} bytes by ${d.by}` },
    { kind: 'line', text: `older: ${d.older.argv.join(' ')} (${new Date(d.older.startTimeMs).toISOString()}) · ${bytes(d.older.totalBytes)}` },
    { kind: 'line', text: `newer: ${d.newer.argv.join(' ')} (${new Date(d.newer.startTimeMs).toISOString()}) · ${bytes(d.newer.totalBytes)} (${signed(delta)})` },
    d.rows.length === 0
      ? { kind: 'line', text: 'No difference.' }
      : {
        kind: 'table',
        header: ['#', 'delta', 'change', 'newer', 'older', 'Δ objects', d.by],
        rows: d.rows.map((r, i) => [String(i + 1), signed(r.deltaBytes), ratio(r), bytes(r.bytes), bytes(r.olderBytes), `${r.deltaObjects >= 0 ? '+' : '−'}${Math.round(Math.abs(r.deltaObjects)).toLocaleString('en-US')}`, r.label]),
        align: ['right', 'right', 'right', 'right', 'right', 'right', 'left'],
      },
  ];
}
