// Percentiles from the addon's log-linear pause histogram (8 buckets per power of
// two: a bucket spans at most 12.5 % of its value, so a percentile read from it
// is within ~6 % of the exact one).

/** Lower bound and width (ns) of bucket `index`, mirroring native/pause_histogram.h. */
function bucketBounds(index: number, subBits: number): { low: number; width: number } {
  const sub = 1 << subBits;
  if (index < sub) return { low: index, width: 1 };
  const exponent = Math.floor(index / sub) - 1 + subBits;
  const width = 2 ** (exponent - subBits);
  return { low: (sub + (index % sub)) * width, width };
}

/**
 * The q-quantile (0..1) of the values counted in `counts[offset .. offset+length)`,
 * interpolated linearly inside its bucket and clamped to `max`. 0 when empty.
 */
export function quantile(counts: ArrayLike<number>, offset: number, length: number, subBits: number, q: number, max: number): number {
  let total = 0;
  for (let i = 0; i < length; i++) total += counts[offset + i]!;
  if (total === 0) return 0;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < length; i++) {
    const n = counts[offset + i]!;
    if (n === 0) continue;
    if (seen + n >= rank) {
      const { low, width } = bucketBounds(i, subBits);
      return Math.min(max, low + width * ((rank - seen) / n));
    }
    seen += n;
  }
  return max;
}
