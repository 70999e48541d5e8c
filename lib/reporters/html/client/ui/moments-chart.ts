// The chart of live bytes by site over the run (uPlot), under the heap/RSS
// timeline and on its time axis: the cursor, a drag's zoom and a double-click's
// reset act on both. A stacked area per site at the live heap's moments, a
// marker at the peak and one at the moment shown; a click picks the nearest
// moment for the flame graph and the top table.
import { OTHER_SITES_COLOR, PEAK_COLOR, SITE_COLORS } from '../colors';
import { momentLabel, nearestMoment } from '../moments';
import { stackedSites } from '../moments-series';
import { bytes, bytesOrDash } from '../numbers';
import { byId, onResize } from './dom';
import { momentBar } from './moment-bar';
import type { MomentChoice } from './moment-choice';
import { BYTES_AXIS_PX, TIME_SYNC_KEY, zoomToSelection } from './timeline';
import { chartLibrary, type UPlot } from './uplot';

const HEIGHT_PX = 240;
/** A press that moves farther than this is a drag (a zoom), not a click. */
const CLICK_SLOP_PX = 4;
const SHOWN_COLOR = '#24292f';

export function momentsChart(choice: MomentChoice, timelineChart: UPlot | null): void {
  const section = byId('moments'), box = byId('moments-chart'), M = choice.moments;
  const Chart = chartLibrary();
  if (!Chart) return;
  section.hidden = false;
  momentBar(byId('moments-bar'), choice);
  const x = timelineChart?.data[0];
  const stack = stackedSites(M, x && x.length > 0 ? { min: x[0]!, max: x[x.length - 1]! } : null);
  const colour = (k: number) => (k === stack.labels.length - 1 ? OTHER_SITES_COLOR : SITE_COLORS[k % SITE_COLORS.length]!);
  const layers: UPlot.Series[] = stack.labels.map((label, k) => ({
    label, stroke: colour(k), fill: `${colour(k)}99`, width: 1, points: { show: M.seconds.length < 40 },
    value: (_u: UPlot, _v: number | null, _s: number, i: number | null) => (i === null ? '–' : bytesOrDash(stack.own[k]![i])),
  }));
  const opts: UPlot.Options = {
    width: Math.max(300, box.clientWidth), height: HEIGHT_PX,
    scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] } },
    series: [{ label: 'time', value: (_u, v) => (v === null || v === undefined ? '–' : `${v.toFixed(3)} s`) }, ...layers],
    bands: stack.bands.map((series) => ({ series })),
    axes: [
      { values: (_u, vals) => vals.map((v) => `${v} s`) },
      { size: BYTES_AXIS_PX, values: (_u, vals) => vals.map((v) => bytes(v)) },
    ],
    cursor: { drag: { x: true, y: false, setScale: false }, sync: { key: TIME_SYNC_KEY, setSeries: false } },
    hooks: { draw: [(u) => drawMarkers(u, choice)], setSelect: [zoomToSelection] },
  };
  const chart = new Chart(opts, stack.columns as UPlot.AlignedData, box);
  if (timelineChart) {
    shareTimeAxis(chart, timelineChart);
    (timelineChart.hooks.draw ??= []).push((u) => drawMarkers(u, choice));
  }
  // A press and release in (nearly) one place is a click on the moment nearest to it.
  let downX = 0;
  chart.over.addEventListener('mousedown', (e) => { downX = e.clientX; });
  chart.over.addEventListener('click', (e) => {
    const left = chart.cursor.left;
    if (Math.abs(e.clientX - downX) > CLICK_SLOP_PX || left === undefined || left < 0) return;
    choice.set(nearestMoment(M, chart.posToVal(left, 'x')));
  });
  chart.over.title = 'Click: the flame graph and the top table at the nearest moment';
  choice.onChange(() => { chart.redraw(false, false); timelineChart?.redraw(false, false); });
  onResize(() => chart.setSize({ width: Math.max(300, box.clientWidth), height: HEIGHT_PX }));
}

/** Each chart's time window follows the other's. */
function shareTimeAxis(a: UPlot, b: UPlot): void {
  const follow = (from: UPlot, to: UPlot) => (_u: UPlot, key: string) => {
    if (key !== 'x') return;
    const { min, max } = from.scales.x!;
    const shown = to.scales.x!;
    if (min === undefined || max === undefined || (shown.min === min && shown.max === max)) return;
    to.setScale('x', { min, max });
  };
  (a.hooks.setScale ??= []).push(follow(a, b));
  (b.hooks.setScale ??= []).push(follow(b, a));
}

/** A dashed line at the peak, a solid one at the moment shown (if any), each named at the top. */
function drawMarkers(u: UPlot, choice: MomentChoice): void {
  const M = choice.moments, at = choice.get();
  const ctx = u.ctx, b = u.bbox, dpr = window.devicePixelRatio || 1;
  const line = (i: number, colour: string, dash: number[], text: string) => {
    const px = u.valToPos(M.seconds[i]!, 'x', true);
    if (px < b.left || px > b.left + b.width) return;
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.lineWidth = 1.5 * dpr;
    ctx.setLineDash(dash.map((d) => d * dpr));
    ctx.beginPath();
    ctx.moveTo(px, b.top);
    ctx.lineTo(px, b.top + b.height);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.font = `${11 * dpr}px system-ui, sans-serif`;
    const w = ctx.measureText(text).width;
    ctx.fillText(text, px + 4 * dpr + w > b.left + b.width ? px - 4 * dpr - w : px + 4 * dpr, b.top + 12 * dpr);
  };
  ctx.save();
  if (M.peakIndex >= 0 && M.peakIndex !== at) line(M.peakIndex, PEAK_COLOR, [5, 4], 'peak');
  if (at !== null) line(at, at === M.peakIndex ? PEAK_COLOR : SHOWN_COLOR, [], `shown: ${momentLabel(M, at).replace(/^live heap at /, '')}`);
  ctx.restore();
}
