// uPlot, the chart library: a separate script inlined before the page's own
// (the page loads nothing), which defines the global `uPlot`.
import type UPlot from 'uplot';

export type { UPlot };

declare const uPlot: typeof UPlot | undefined;

/** The uPlot constructor, or undefined if its script did not run. */
export function chartLibrary(): typeof UPlot | undefined {
  return typeof uPlot === 'function' ? uPlot : undefined;
}
