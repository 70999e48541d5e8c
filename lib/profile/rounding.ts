// Integer outputs (pprof, DevTools, speedscope) from fractional estimates:
// round the running sum, so every value is within 1 of its estimate and the
// values still add up exactly to the rounded total.
export function roundedRunning(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  let sum = 0, previous = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    const rounded = Math.round(sum);
    out[i] = rounded - previous;
    previous = rounded;
  }
  return out;
}
