// The header: the command line, where and when it ran, and the summary cards.
import { bytes, bytesOrDash, count, ms, percent } from '../numbers';
import type { PageData } from '../page-data';
import { byId, el } from './dom';

export function header(data: PageData): void {
  const m = data.meta, P = data.profile, g = data.gc;
  const seconds = (m.endTimeMs - m.startTimeMs) / 1000;
  const script = (m.argv[0] ?? '').split(/[\\/]/).pop();
  document.title = `allocscope · ${script || 'report'}`;
  byId('cmd').textContent = m.argv.join(' ');
  byId('meta').textContent = `node ${m.node} (V8 ${m.v8}) · ${m.platform}/${m.arch} · pid ${m.pid} · ${new Date(m.startTimeMs).toISOString()} · ` +
    `${seconds.toFixed(2)} s · captured at ${m.reason}${m.exitCode !== undefined && m.exitCode !== null ? ` (exit code ${m.exitCode})` : ''}`;
  const cards = byId('cards');
  const card = (key: string, value: string, detail?: string) => {
    const c = el('div', 'card');
    c.appendChild(el('div', 'k', key));
    c.appendChild(el('div', 'v', value));
    if (detail) c.appendChild(el('div', 'd', detail));
    cards.appendChild(c);
  };
  if (P) card(P.mode === 'live' ? 'Live (in use)' : 'Allocated', bytes(P.totalBytes), `~${count(P.totalObjects)} objects · sampled every ${bytes(P.intervalBytes)}`);
  if (P && P.totalLiveBytes !== undefined) {
    card('Temporary', bytesOrDash(P.totalTemporaryBytes), `allocated and collected within its fold window · live ${bytes(P.totalLiveBytes)}`);
  }
  const peak = peaks(data);
  card('Peak heap used', bytes(peak.usedBytes), `committed up to ${bytes(peak.committedBytes)}`);
  const endRss = data.fragmentation ? data.fragmentation.process.rssBytes : 0;
  card('Peak RSS', bytes(Math.max(peak.rssBytes, endRss)), endRss ? `at the end ${bytes(endRss)}` : '');
  if (g && g.count > 0) {
    let longest = 0;
    for (const summary of Object.values(g.byType)) longest = Math.max(longest, summary?.maxMs ?? 0);
    card('GC pauses', percent(g.gcTimeShare), `${count(g.count)} GCs · longest ${ms(longest)}`);
  }
  card('Duration', `${seconds.toFixed(2)} s`, `external at the end ${bytes(data.heap.externalMemoryBytes)}`);
}

/** The largest heap and RSS figures seen in the timeline, the GC events and at the end. */
function peaks(data: PageData): { usedBytes: number; committedBytes: number; rssBytes: number } {
  const tl = data.timeline;
  let usedBytes = 0, committedBytes = 0, rssBytes = 0;
  for (let i = 0; i < tl.timeMs.length; i++) {
    usedBytes = Math.max(usedBytes, tl.heapUsedBytes[i]!);
    committedBytes = Math.max(committedBytes, tl.heapCommittedBytes[i]!);
    rssBytes = Math.max(rssBytes, tl.rssBytes[i]!);
  }
  if (tl.rss) for (const b of tl.rss.bytes) rssBytes = Math.max(rssBytes, b);
  for (const e of data.gcEvents) {
    usedBytes = Math.max(usedBytes, e[4]);
    committedBytes = Math.max(committedBytes, e[6], e[7]);
  }
  return {
    usedBytes: Math.max(usedBytes, data.heap.usedHeapSizeBytes),
    committedBytes: Math.max(committedBytes, data.heap.totalHeapSizeBytes),
    rssBytes,
  };
}
