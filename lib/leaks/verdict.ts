// The one-line verdict when leaks.find reported no suspect, for the text, markdown
// and HTML reports alike (no Node APIs: the HTML page's script bundles it).

interface VerdictSite { site: string; noiseZ?: number; withinTurnover?: boolean }

/**
 * "No leak" only when no site grew steadily. A site that grew steadily by fewer
 * sampled objects than sampling turnover can move (too few iterations, or too
 * coarse an interval, for its size) is no proof of a leak, nor of none: say so.
 */
export function noLeakVerdict(others: VerdictSite[], minNoiseZ = 3): { undecided: boolean; text: string } {
  const close = others.filter((s) => s.withinTurnover);
  if (close.length === 0) return { undecided: false, text: 'No leak: no site grew steadily.' };
  const top = close[0]!;
  const z = top.noiseZ === undefined ? '' : ` (net rise ${top.noiseZ.toFixed(1)}σ of sampling turnover, ${minNoiseZ}σ needed)`;
  const more = close.length > 1 ? ` and ${close.length - 1} more` : '';
  const text = `Undecided: ${top.site}${more} grew steadily, but by too few samples to tell from sampling noise${z}; ` +
    'rerun with more iterations (-n) or a smaller --interval.';
  return { undecided: true, text };
}
