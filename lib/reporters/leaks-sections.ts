// The leaks section of the text and markdown reports, as blocks.
import { bytes, ms, percent } from '../core/format';
import type { LeakReport, LeakSite } from '../leaks/report';
import { noLeakVerdict } from '../leaks/verdict';
import { shortPath } from '../profile/frames';
import type { Block } from './document';

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** 1 − p as a percentage; "> 99.99 %" when p rounds to 0. */
function confidenceText(confidence: number | null): string {
  if (confidence === null) return '–';
  if (confidence > 0.9999) return '> 99.99 %';
  return `${(confidence * 100).toFixed(confidence > 0.99 ? 2 : 1)} %`;
}

function frameText(f: LeakSite['stack'][number]): string {
  return f.file === '' ? `${f.function} (native)` : `${f.function} (${shortPath(f.file)}:${f.line}:${f.column})`;
}

function siteRows(sites: LeakSite[]): string[][] {
  return sites.map((s, i) => [
    String(i + 1), `${bytes(s.slopeBytesPerIteration)}/iter`, s.rSquared.toFixed(3), confidenceText(s.confidence), s.steadiness.toFixed(2),
    bytes(s.liveBytes.at(-1) ?? 0), s.site,
  ]);
}

export function leakBlocks(r: LeakReport): Block[] {
  const measured = r.iterations - r.warmup;
  const blocks: Block[] = [
    { kind: 'heading', text: `Leak suspects · ${r.iterations} iterations (${r.warmup} warm-up, ${measured} measured) in ${ms(r.durationMs)}` },
    { kind: 'line', text: `live bytes per allocation site after a full GC at each point (${bytes(r.intervalBytes)} sampling interval), least-squares growth over the measured iterations` },
    { kind: 'line', text: `a suspect grows by ≥ ${bytes(r.criteria.minGrowthBytes)} with p < ${r.criteria.maxPValue}, R² ≥ ${r.criteria.minRSquared}, steadiness ≥ ${r.criteria.minSteadiness}, no step > ${percent(r.criteria.maxLargestStepShare)} of the rise${r.criteria.minNoiseZ !== undefined ? `, a net rise ≥ ${r.criteria.minNoiseZ}σ of sampling turnover` : ''}` },
  ];
  const header = ['#', 'growth', 'R²', 'confidence', 'steadiness', 'live now', 'site'];
  const align = ['right', 'right', 'right', 'right', 'right', 'right', 'left'] as const;
  if (r.suspects.length === 0) {
    blocks.push({ kind: 'line', text: noLeakVerdict(r.others, r.criteria.minNoiseZ).text });
  } else {
    blocks.push({ kind: 'table', header, rows: siteRows(r.suspects), align: [...align] });
    r.suspects.forEach((s, i) => {
      blocks.push({ kind: 'line', text: `#${i + 1} ${s.site}: +${bytes(s.slopeBytesPerIteration)} per iteration (R² ${s.rSquared.toFixed(3)}, confidence ${confidenceText(s.confidence)}), ${count(s.liveObjects)} live objects now` });
      if (s.stack.length > 1) blocks.push({ kind: 'line', text: `   stack: ${s.stack.slice(0, 6).map(frameText).join(' ← ')}${s.stack.length > 6 ? ` ← … (${s.stack.length - 6} more)` : ''}` });
    });
  }
  if (r.others.length > 0) {
    blocks.push({ kind: 'heading', text: 'Other growing sites (not steady or not significant enough)' },
      { kind: 'table', header, rows: siteRows(r.others), align: [...align] });
  }
  if (r.constructors) {
    const rows = r.constructors.slice(0, 15).map((c) => [c.name, count(c.countBefore), count(c.countAfter), `+${count(c.countDelta)}`, bytes(c.selfBytesDelta)]);
    blocks.push({ kind: 'heading', text: 'Instances per constructor, first → last measured point (heap snapshots)' });
    if (rows.length === 0) blocks.push({ kind: 'line', text: 'No constructor gained instances.' });
    else blocks.push({ kind: 'table', header: ['constructor', 'before', 'after', 'new', 'self bytes'], rows });
  }
  if (r.retainers && r.retainers.length > 0) {
    blocks.push({ kind: 'heading', text: 'Retainer chains (shortest path from a GC root to one instance)' });
    for (const x of r.retainers) blocks.push({ kind: 'line', text: `${x.constructor}: ${x.text ?? 'no path from a GC root (only weak references hold it)'}` });
  }
  if (r.snapshots) {
    blocks.push({ kind: 'line', text: `${r.snapshots.taken} heap snapshots (${count(r.snapshots.nodeCount)} nodes): taking ${ms(r.snapshots.takeMs)}, analysis ${ms(r.snapshots.analyzeMs)}` });
  }
  return blocks;
}
