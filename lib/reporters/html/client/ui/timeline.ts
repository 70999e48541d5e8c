// The heap/RSS timeline (uPlot) with GC pauses shaded; drag across it to zoom
// the time axis, double-click to reset. The chart of live bytes by site below
// it (moments-chart.ts) shares its time axis: cursor, zoom and span.
import { bytes, bytesOrDash, count } from '../numbers';
import type { PageData } from '../page-data';
import { selectionToWindow } from '../timeline-range';
import { isMajorGc, timelineSeries, type GcPause } from '../timeline-series';
import { byId, el, note, onResize } from './dom';
import { chartLibrary, type UPlot } from './uplot';

const HEIGHT_PX = 320;
/** uPlot's cursor sync group of the charts over the run's time. */
export const TIME_SYNC_KEY = 'allocscope-time';
/** The y axis's width, the same on every chart of the time axis, so that their plots line up. */
export const BYTES_AXIS_PX = 76;
const MINOR_FILL = 'rgba(191,135,0,0.13)', MINOR_MARK = 'rgba(191,135,0,0.85)';
const MAJOR_FILL = 'rgba(207,34,46,0.16)', MAJOR_MARK = 'rgba(207,34,46,0.9)';

/** The chart, for the charts that share its time axis; null when there is none. */
export function timeline(data: PageData): UPlot | null {
  const box = byId('timeline'), tl = data.timeline;
  const series = timelineSeries(tl, data.gcEvents, data.meta.startTimeMs);
  if (!series) { note(box, 'No heap samples or GC events in this capture.'); return null; }
  const Chart = chartLibrary();
  if (!Chart) { note(box, 'The chart library did not load.'); return null; }
  const { columns, pauses, hasRss } = series;
  const value = (_u: UPlot, v: number | null) => bytesOrDash(v);
  const opts: UPlot.Options = {
    width: Math.max(300, box.clientWidth), height: HEIGHT_PX,
    scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] } },
    series: [
      { label: 'time', value: (_u, v) => (v === null || v === undefined ? '–' : `${v.toFixed(3)} s`) },
      { label: 'heap used', stroke: '#2f81f7', fill: 'rgba(47,129,247,0.10)', width: 1.5, spanGaps: true, value, points: { show: false } },
      { label: 'heap committed', stroke: '#8250df', width: 1.5, spanGaps: true, value, points: { show: false } },
      { label: 'external', stroke: '#1a7f37', width: 1.5, spanGaps: true, value, points: { show: false } },
      { label: 'RSS', stroke: '#cf222e', width: 1.5, dash: [6, 4], spanGaps: true, value, show: hasRss, points: { show: columns[0].length < 40 } },
    ],
    axes: [
      { values: (_u, vals) => vals.map((v) => `${v} s`) },
      { size: BYTES_AXIS_PX, values: (_u, vals) => vals.map((v) => bytes(v)) },
    ],
    // The drag selects pixels; zoomToSelection turns them into the time window.
    cursor: { drag: { x: true, y: false, setScale: false }, sync: { key: TIME_SYNC_KEY, setSeries: false } },
    hooks: { drawClear: [(u) => drawPauses(u, pauses)], setSelect: [zoomToSelection] },
  };
  const chart = new Chart(opts, columns as UPlot.AlignedData, box);
  const key = byId('gc-key');
  const minor = pauses.filter((p) => !isMajorGc(p.type)).length;
  for (const [colour, label] of [[MINOR_MARK, `young-generation GC pause (${count(minor)})`], [MAJOR_MARK, `full / incremental GC pause (${count(pauses.length - minor)})`]] as const) {
    const sw = el('span', 'sw');
    sw.style.background = colour;
    key.appendChild(sw);
    key.appendChild(document.createTextNode(label));
  }
  key.appendChild(document.createTextNode(' · drag to zoom the time axis, double-click to reset' + (tl.timeMs.length < 3
    ? ` · heap points come from GC events (few timeline samples: the program kept the event loop busy)${tl.rss ? '; RSS is sampled by a background thread' : ''}`
    : '')));
  onResize(() => chart.setSize({ width: Math.max(300, box.clientWidth), height: HEIGHT_PX }));
  return chart;
}

/** Shows the time window under the dragged selection, then clears the selection. */
export function zoomToSelection(u: UPlot): void {
  const { min, max } = u.scales.x!;
  if (min === undefined || max === undefined) return;
  const range = selectionToWindow(u.select, { min, max }, u.over.clientWidth);
  if (!range) return;
  u.setScale('x', range);
  u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
}

function drawPauses(u: UPlot, pauses: readonly GcPause[]): void {
  const ctx = u.ctx, b = u.bbox, dpr = window.devicePixelRatio || 1;
  ctx.save();
  for (const p of pauses) {
    const x0 = u.valToPos(p.start, 'x', true), x1 = u.valToPos(p.end, 'x', true), w = Math.max(x1 - x0, dpr);
    if (x1 < b.left || x0 > b.left + b.width) continue;
    const major = isMajorGc(p.type);
    ctx.fillStyle = major ? MAJOR_FILL : MINOR_FILL;
    ctx.fillRect(x0, b.top, w, b.height);
    ctx.fillStyle = major ? MAJOR_MARK : MINOR_MARK;
    ctx.fillRect(x0, b.top, Math.max(w, 2 * dpr), 6 * dpr);
  }
  ctx.restore();
}
