// Statistics over benchmark rounds: medians, spread, and the Mann–Whitney U test
// that benchstat uses to tell a real difference from noise.

/** The figures of one metric over repeated rounds. */
export interface Spread {
  median: number;
  mean: number;
  min: number;
  max: number;
  /**
   * Largest distance of a round from the median, in % of the median, after dropping
   * outliers (outside 1.5 interquartile ranges): benchstat's "± x%".
   */
  spreadPct: number;
  /** The per-round values, in the order they were measured. */
  rounds: number[];
}

const ascending = (a: number, b: number) => a - b;

/** Linear-interpolated quantile of sorted values. */
function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

export function median(values: readonly number[]): number {
  return quantileSorted([...values].sort(ascending), 0.5);
}

export function spreadOf(rounds: readonly number[]): Spread {
  const sorted = [...rounds].sort(ascending);
  const med = quantileSorted(sorted, 0.5);
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  const fence = 1.5 * (q3 - q1);
  const kept = sorted.filter((x) => x >= q1 - fence && x <= q3 + fence);
  const deviation = kept.reduce((m, x) => Math.max(m, Math.abs(x - med)), 0);
  return {
    median: med,
    mean: sorted.reduce((a, x) => a + x, 0) / Math.max(1, sorted.length),
    min: sorted[0] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
    spreadPct: med !== 0 ? (deviation / Math.abs(med)) * 100 : 0,
    rounds: [...rounds],
  };
}

/** Ranks (1-based, ties get their average rank) of the pooled values. */
function ranks(values: readonly number[]): { ranks: number[]; tieTerm: number } {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  let tieTerm = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]![1]] = rank;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  return { ranks: out, tieTerm };
}

/** Exact two-sided p of U (no ties): counts the arrangements by dynamic programming. */
function exactP(u: number, n1: number, n2: number): number {
  // ways[i][j][u]: arrangements of i values from sample 1 and j from sample 2 with statistic u,
  // built one dimension at a time (f(i, j) = f(i − 1, j) shifted by j + f(i, j − 1)).
  const maxU = n1 * n2;
  let prev: Float64Array[] = [];
  for (let j = 0; j <= n2; j++) { const row = new Float64Array(maxU + 1); row[0] = 1; prev.push(row); }
  for (let i = 1; i <= n1; i++) {
    const cur: Float64Array[] = [];
    for (let j = 0; j <= n2; j++) {
      const row = new Float64Array(maxU + 1);
      for (let v = 0; v <= maxU; v++) {
        row[v] = (v - j >= 0 ? prev[j]![v - j]! : 0) + (j > 0 ? cur[j - 1]![v]! : 0);
      }
      cur.push(row);
    }
    prev = cur;
  }
  const dist = prev[n2]!;
  const total = dist.reduce((a, x) => a + x, 0);
  const low = Math.min(u, maxU - u);
  let tail = 0;
  for (let v = 0; v <= low; v++) tail += dist[v]!;
  return Math.min(1, (2 * tail) / total);
}

/** Standard normal upper tail (Abramowitz–Stegun 7.1.26 on erfc; error < 1.5e-7). */
function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/**
 * Two-sided Mann–Whitney U test: the probability of a difference at least this
 * large between the two samples if both came from the same distribution. Exact
 * for small samples without ties, normal approximation with tie correction
 * otherwise. Identical samples give 1.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): number {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return 1;
  const { ranks: r, tieTerm } = ranks([...a, ...b]);
  const r1 = r.slice(0, n1).reduce((s, x) => s + x, 0);
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  if (tieTerm === 0 && n1 * n2 <= 2500) return exactP(u1, n1, n2);
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return 1; // every value equal
  const mean = (n1 * n2) / 2;
  const z = (Math.abs(u1 - mean) - 0.5) / Math.sqrt(variance); // continuity correction
  return Math.min(1, 2 * normalUpperTail(Math.max(0, z)));
}
