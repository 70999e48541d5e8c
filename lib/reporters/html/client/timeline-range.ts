// Zooming the timeline: a horizontal drag over the plot selects a span of
// pixels, which becomes the time window the x axis then shows.

export interface TimeWindow {
  /** Seconds since the start. */
  min: number;
  max: number;
}

export interface PixelSelection {
  /** Left edge and width of the selection, CSS px from the plot area's left edge. */
  left: number;
  width: number;
}

/**
 * The time window under `selection` on a linear x axis that shows `shown` across
 * `plotWidthPx`; null for an empty selection. The window stays within `shown`.
 */
export function selectionToWindow(selection: PixelSelection, shown: TimeWindow, plotWidthPx: number): TimeWindow | null {
  if (!(selection.width > 0) || !(plotWidthPx > 0) || !(shown.max > shown.min)) return null;
  const perPx = (shown.max - shown.min) / plotWidthPx;
  const clamp = (px: number) => Math.min(plotWidthPx, Math.max(0, px));
  const left = clamp(selection.left), right = clamp(selection.left + selection.width);
  if (!(right > left)) return null;
  return { min: shown.min + left * perPx, max: shown.min + right * perPx };
}

