// Is a series of live-byte figures (one per iteration) growing steadily? A
// least-squares line through it, how well the line explains it (R²), whether
// its slope is above zero beyond chance (one-sided t-test), and whether the
// growth is spread over the run rather than one jump or an early climb that
// levels off (steadiness, largest step).
import { jStat } from 'jstat';

export interface GrowthFit {
  /** Least-squares slope: bytes added per iteration. */
  slopeBytesPerIteration: number;
  /** Fitted value at the first point. */
  interceptBytes: number;
  /** Share of the variance the line explains, 0–1 (1 for a flat series with no variance: nothing to explain). */
  rSquared: number;
  /** One-sided p-value of "slope ≤ 0" (Student's t, n − 2 degrees of freedom); null with fewer than 3 points. */
  pValue: number | null;
  /** 1 − pValue: how sure the fit is that the series grows; null with fewer than 3 points. */
  confidence: number | null;
  /** slope × (n − 1): growth over the run according to the line. */
  growthBytes: number;
  /**
   * min(slope of the first half, slope of the second half) / overall slope, clipped to 0–1:
   * near 1 for a straight climb; near 0 for one jump, or a climb that levels off (a cache
   * filling up). 0 when the overall slope is not positive.
   */
  steadiness: number;
  /** Largest rise between two consecutive points / total rise over the run (0–1). */
  largestStepShare: number;
}

interface Line { slope: number; intercept: number; ssResidual: number; ssTotal: number; sxx: number }

function leastSquares(y: readonly number[], from: number, to: number): Line {
  const n = to - from;
  let meanX = 0, meanY = 0;
  for (let i = from; i < to; i++) { meanX += i; meanY += y[i]!; }
  meanX /= n; meanY /= n;
  let sxx = 0, sxy = 0, ssTotal = 0;
  for (let i = from; i < to; i++) {
    const dx = i - meanX, dy = y[i]! - meanY;
    sxx += dx * dx; sxy += dx * dy; ssTotal += dy * dy;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const intercept = meanY - slope * meanX;
  let ssResidual = 0;
  for (let i = from; i < to; i++) { const r = y[i]! - (intercept + slope * i); ssResidual += r * r; }
  return { slope, intercept, ssResidual, ssTotal, sxx };
}

/** Fits `values` (value i measured after iteration i of the measured run). Needs 2 points or more. */
export function fitGrowth(values: readonly number[]): GrowthFit {
  const n = values.length;
  if (n < 2) throw new RangeError('fitGrowth needs at least 2 points');
  const line = leastSquares(values, 0, n);
  const rSquared = line.ssTotal > 0 ? Math.max(0, 1 - line.ssResidual / line.ssTotal) : 1;
  let pValue: number | null = null;
  if (n >= 3) {
    const df = n - 2;
    const standardError = Math.sqrt(line.ssResidual / df / line.sxx);
    if (standardError > 0) pValue = 1 - jStat.studentt.cdf(line.slope / standardError, df);
    else pValue = line.slope > 0 ? 0 : 1; // a perfect line: certain when rising, never when flat
  }
  const middle = Math.floor((n - 1) / 2);
  let steadiness = 0;
  if (line.slope > 0) {
    // The halves share the middle point, so each has at least 2 points.
    const first = leastSquares(values, 0, middle + 1).slope;
    const second = leastSquares(values, middle, n).slope;
    steadiness = Math.min(1, Math.max(0, Math.min(first, second) / line.slope));
  }
  let rise = 0, largest = 0;
  for (let i = 1; i < n; i++) {
    const step = values[i]! - values[i - 1]!;
    if (step > 0) { rise += step; largest = Math.max(largest, step); }
  }
  return {
    slopeBytesPerIteration: line.slope,
    interceptBytes: line.intercept,
    rSquared,
    pValue,
    confidence: pValue === null ? null : 1 - pValue,
    growthBytes: line.slope * (n - 1),
    steadiness,
    largestStepShare: rise > 0 ? largest / rise : 0,
  };
}

/**
 * How far a series' net rise stands above what sampling alone moves it by. Live
 * profiles are sampled: a sampled object stays in every point while it lives, so a
 * site whose objects are replaced (a bounded cache) goes up and down by whole samples
 * with no growth at all, and neighbouring points share most of their samples, which
 * a t-test on the line takes for a trend. Under "no growth", what comes (R bytes) and
 * goes (F) are replaced objects caught or missed by the sampler alike: R − F has a
 * variance of about varianceBytes × (R + F) (see samplingVarianceBytes). Returns
 * (R − F) / √(varianceBytes × (R + F)), 0 for a flat series.
 */
export function turnoverZ(values: readonly number[], varianceBytes: number): number {
  let rise = 0, fall = 0;
  for (let i = 1; i < values.length; i++) {
    const step = values[i]! - values[i - 1]!;
    if (step > 0) rise += step;
    else fall -= step;
  }
  const moved = rise + fall;
  // At least a byte per byte moved: finite for objects no sampler misses.
  return moved > 0 ? (rise - fall) / Math.sqrt(Math.max(1, varianceBytes) * moved) : 0;
}

/**
 * Variance per byte moved that sampling adds, for objects of `objectBytes` at a mean
 * interval of `intervalBytes`: an object is caught with p = 1 − e^(−size/interval) and
 * then counts size / p, so it adds size²(1 − p)/p, i.e. size / (e^(size/interval) − 1)
 * per byte: about the interval for small objects, near 0 for objects much larger than
 * it (each is caught: no sampling noise).
 */
export function samplingVarianceBytes(objectBytes: number, intervalBytes: number): number {
  if (!(objectBytes > 0)) return intervalBytes;
  return objectBytes / Math.expm1(objectBytes / intervalBytes);
}
