// The GC pause histogram for Prometheus: cumulative counts at powers of two
// nanoseconds. The addon's log-linear histogram has a bucket boundary at every
// power of two, so these counts are exact (a pause of exactly 2^e ns falls in
// the next bucket: `le` is off by at most 1 ns), not interpolated.

/** First native bucket index whose values are ≥ 2^exponent ns (mirrors native/pause_histogram.h). */
function bucketIndexOfPowerOfTwo(exponent: number, subBits: number): number {
  return exponent < subBits ? 1 << exponent : (exponent - subBits + 1) << subBits;
}

/**
 * Counts of values below 2^e ns for each `e` of `exponents` (ascending), read from
 * the native histogram at `counts[offset .. offset+length)`.
 */
export function cumulativeAtPowersOfTwo(counts: ArrayLike<number>, offset: number, length: number, subBits: number, exponents: readonly number[]): number[] {
  const out: number[] = new Array(exponents.length);
  let cumulative = 0;
  let index = 0;
  for (let i = 0; i < exponents.length; i++) {
    const end = Math.min(length, bucketIndexOfPowerOfTwo(exponents[i]!, subBits));
    for (; index < end; index++) cumulative += counts[offset + index]!;
    out[i] = cumulative;
  }
  return out;
}
