// Leak suspects (allocscope leaks): each with its growth chart and stack, then
// retainer chains, instances per constructor (show_growth) and other growing sites.
import { bytes, bytesOrDash, count, ms, percent } from '../numbers';
import type { PageData, PageLeakFrame, PageLeakSite, PageLeaks } from '../page-data';
import { noLeakVerdict } from '../../../../leaks/verdict';
import { byId, el, note } from './dom';
import { numberColumn, table, textColumn } from './table';
import { chartLibrary } from './uplot';

const CHART_HEIGHT_PX = 180;

type ConstructorRow = NonNullable<PageLeaks['constructors']>[number];

function confidence(v: number | null): string {
  return v === null ? '–' : v > 0.9999 ? '> 99.99 %' : `${(v * 100).toFixed(v > 0.99 ? 2 : 1)} %`;
}

export function leaks(data: PageData): void {
  const L = data.leaks, box = byId('leaks');
  if (!L) { byId('leaks-section').style.display = 'none'; return; }
  if (!data.profile) { byId('flame-section').style.display = 'none'; byId('sites-section').style.display = 'none'; }
  const measured = L.iterations - L.warmup;
  byId('leaks-sub').textContent = `${L.iterations} iterations (${L.warmup} warm-up, ${measured} measured) · live bytes per site after a full GC at each point · ` +
    `${bytes(L.intervalBytes)} sampling interval · ${ms(L.durationMs)}`;
  const c = L.criteria;
  note(box, `A suspect grows by ≥ ${bytes(c.minGrowthBytes)} over the measured run with p < ${c.maxPValue}, R² ≥ ${c.minRSquared}, ` +
    `steadiness ≥ ${c.minSteadiness} and no single step above ${percent(c.maxLargestStepShare)} of the rise.`);
  if (L.suspects.length === 0) {
    const verdict = noLeakVerdict(L.others, L.criteria.minNoiseZ);
    box.appendChild(el('p', verdict.undecided ? 'verdict' : 'verdict ok', verdict.text));
  } else box.appendChild(el('p', 'verdict bad', `${L.suspects.length} allocation site${L.suspects.length > 1 ? 's grow' : ' grows'} steadily.`));
  const frameText = (f: PageLeakFrame) => `${f.function} (${f.file === '' ? 'native' : `${f.file.replace(`${data.meta.cwd}/`, '')}:${f.line}:${f.column}`})`;
  const charts: [HTMLElement, PageLeakSite][] = [];
  L.suspects.slice(0, 10).forEach((s, k) => {
    const card = el('div', 'suspect');
    card.appendChild(el('h3', '', `#${k + 1} ${s.site}`));
    card.appendChild(el('div', 'meta', `+${bytes(s.slopeBytesPerIteration)} per iteration · R² ${s.rSquared.toFixed(3)} · confidence ${confidence(s.confidence)} · ` +
      `steadiness ${s.steadiness.toFixed(2)} · ${bytesOrDash(s.liveBytes[s.liveBytes.length - 1])} live in ~${count(s.liveObjects)} objects now`));
    if (s.stack.length > 1) {
      const st = el('div', 'stacktrace');
      s.stack.slice(0, 12).forEach((f, i) => st.appendChild(el('div', i === 0 ? 'top' : '', (i === 0 ? '' : '← ') + frameText(f))));
      card.appendChild(st);
    }
    const chartBox = el('div', 'chart leak-chart');
    card.appendChild(chartBox);
    box.appendChild(card);
    charts.push([chartBox, s]);
  });
  for (const [chartBox, s] of charts) growthChart(chartBox, s, L);
  if (L.suspects.length > 0) note(box, 'Charts: live bytes of the site after each iteration (the shaded part is the warm-up) and the least-squares line over the measured iterations.');
  if (L.retainers && L.retainers.length > 0) {
    box.appendChild(el('h3', '', 'Retainer chains (shortest path from a GC root to one instance)'));
    for (const r of L.retainers) {
      const row = el('div', 'chain');
      row.appendChild(el('span', 'ctor', r.constructor));
      if (!r.steps.length) row.appendChild(el('span', 'note', r.text || 'no path from a GC root (only weak references hold it)'));
      else r.steps.forEach((step, i) => {
        if (i > 0) row.appendChild(el('span', 'arrow', '→'));
        const span = el('span', 'step');
        if (step.edge) span.appendChild(el('span', 'edge', `${step.edge} `));
        span.appendChild(document.createTextNode(step.node));
        if (step.nodeType) span.title = step.nodeType + (step.edgeType ? ` via ${step.edgeType} edge` : '');
        row.appendChild(span);
      });
      box.appendChild(row);
    }
  }
  if (L.constructors) {
    box.appendChild(el('h3', '', 'Instances per constructor, first → last measured point'));
    if (L.constructors.length === 0) note(box, 'No constructor gained instances.');
    else box.appendChild(table<ConstructorRow>([
      textColumn('constructor', 'fn', (r) => r.name),
      numberColumn('before', (r) => r.countBefore, count),
      numberColumn('after', (r) => r.countAfter, count),
      numberColumn('new', (r) => r.countDelta, (v) => `+${count(v)}`),
      numberColumn('self bytes', (r) => r.selfBytesDelta, bytes),
    ], L.constructors.slice(0, 30)));
  }
  if (L.others.length > 0) {
    box.appendChild(el('h3', '', 'Other growing sites (not steady or not significant enough)'));
    box.appendChild(table<PageLeakSite>([
      textColumn('site', 'loc', (r) => r.site),
      numberColumn('growth/iter', (r) => r.slopeBytesPerIteration, bytes),
      numberColumn('R²', (r) => r.rSquared, (v) => v.toFixed(3)),
      { label: 'confidence', num: true, get: (r) => r.confidence, show: (r) => confidence(r.confidence) },
      numberColumn('steadiness', (r) => r.steadiness, (v) => v.toFixed(2)),
    ], L.others));
  }
}

/** A suspect's live bytes after each iteration, the fitted line, and the warm-up shaded. */
function growthChart(chartBox: HTMLElement, s: PageLeakSite, L: PageLeaks): void {
  const Chart = chartLibrary();
  if (!Chart) return;
  const xs: number[] = [], line: (number | null)[] = [];
  for (let i = 0; i < s.liveBytes.length; i++) {
    xs.push(i);
    line.push(i >= L.warmup ? s.interceptBytes + s.slopeBytesPerIteration * (i - L.warmup) : null);
  }
  const chart = new Chart({
    width: Math.max(300, chartBox.clientWidth), height: CHART_HEIGHT_PX,
    scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    series: [
      { label: 'after iteration', value: (_u, v) => (v === null || v === undefined ? '–' : String(v)) },
      { label: 'live bytes', stroke: '#cf222e', width: 1.5, value: (_u, v) => bytesOrDash(v), points: { show: true, size: 5 } },
      { label: 'fit', stroke: '#656d76', dash: [5, 4], width: 1, value: (_u, v) => bytesOrDash(v), points: { show: false } },
    ],
    axes: [{}, { size: 76, values: (_u, vals) => vals.map((v) => bytes(v)) }],
    hooks: {
      drawClear: [(u) => {
        if (L.warmup === 0) return;
        const b = u.bbox, x1 = u.valToPos(L.warmup, 'x', true);
        u.ctx.save();
        u.ctx.fillStyle = 'rgba(101,109,118,0.10)';
        u.ctx.fillRect(b.left, b.top, x1 - b.left, b.height);
        u.ctx.restore();
      }],
    },
  }, [xs, s.liveBytes, line], chartBox);
  window.addEventListener('resize', () => chart.setSize({ width: Math.max(300, chartBox.clientWidth), height: CHART_HEIGHT_PX }));
}
