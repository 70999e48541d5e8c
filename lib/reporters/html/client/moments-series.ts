// The stacked-area chart's data: the largest sites' live bytes over the moments,
// the largest at the bottom and every other site on top, each series the running
// sum of those below it (uPlot fills between consecutive series: bands). The x
// axis is the timeline's: its first and last times are added as empty points,
// so that both charts span the same seconds.
import type { PageMoments } from './page-data';

export const OTHER_SITES = 'other sites';

export interface StackedSites {
  /** Seconds, then one column per layer, bottom first: running sums (null at the added points). */
  columns: [number[], ...(number | null)[][]];
  /** Each layer's own bytes at each x, for the legend (null at the added points). */
  own: (number | null)[][];
  /** The layers' labels, bottom first: the sites, then OTHER_SITES. */
  labels: string[];
  /** uPlot bands: series k + 1 is filled down to series k (series 1 down to zero). */
  bands: [number, number][];
}

/** `span`: the timeline's first and last seconds, or null when it has none. */
export function stackedSites(M: PageMoments, span: { min: number; max: number } | null): StackedSites {
  const layers = [...M.sites.bytes, M.sites.otherBytes];
  const before = span && span.min < M.seconds[0]! ? [span.min] : [];
  const after = span && span.max > M.seconds[M.seconds.length - 1]! ? [span.max] : [];
  const pad = (values: number[]): (number | null)[] => [...before.map(() => null), ...values, ...after.map(() => null)];
  const sum = new Array<number>(M.seconds.length).fill(0);
  const stacked = layers.map((layer) => pad(layer.map((b, i) => (sum[i] = sum[i]! + b))));
  return {
    columns: [[...before, ...M.seconds, ...after], ...stacked],
    own: layers.map(pad),
    labels: [...M.sites.labels, OTHER_SITES],
    bands: layers.slice(1).map((_, k): [number, number] => [k + 2, k + 1]),
  };
}
