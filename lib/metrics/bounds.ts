// Bucket bounds of allocscope's two histograms. The GC pause bounds are shared
// with thread-figures.ts, which reads the native counts at them (in a worker too).

/** Bucket bounds of the GC pause histogram: powers of two in nanoseconds, 2^14 (16 µs) … 2^30 (1.07 s). */
export const GC_PAUSE_BOUNDS_EXPONENTS: readonly number[] = Array.from({ length: 17 }, (_, i) => 14 + i);
/** `le` values of the GC pause histogram, in seconds (2^e ns). */
export const GC_PAUSE_LE: readonly number[] = GC_PAUSE_BOUNDS_EXPONENTS.map((e) => 2 ** e / 1e9);
/** Bucket bounds (seconds) of the collection-cost histogram. */
export const COLLECT_BOUNDS_SECONDS: readonly number[] = [25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 100e-3];
