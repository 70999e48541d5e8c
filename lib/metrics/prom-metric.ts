// A metric family as prom-client's Registry sees one: `name`, `help`, `type`,
// `aggregator`, an async `get()` returning { name, help, type, values,
// aggregator } and `reset()`. This is the contract prom-client's own Counter,
// Gauge and Histogram implement (Registry.registerMetric() stores the object,
// Registry.metrics() awaits get()). Implementing it directly, rather than using
// prom-client's classes, lets a histogram be filled from the native per-bucket
// counts (prom-client's Histogram can only observe() values one by one) and
// keeps prom-client out of our imports: allocscope works with the user's copy.
import type { Aggregator, FamilyPoints, FamilyType, HistogramPoint, Labels, MetricFamily, ValuePoint } from './family';

/** A sample in prom-client's value format. */
export interface Sample { value: number; labels: Labels; metricName?: string }

/** A histogram's series as prom-client samples: `_bucket` per bound and +Inf, `_sum`, `_count`. */
function histogramSamples(name: string, le: readonly number[], points: readonly HistogramPoint[]): Sample[] {
  const out: Sample[] = [];
  for (const p of points) {
    for (let i = 0; i < le.length; i++) out.push({ metricName: `${name}_bucket`, labels: { ...p.labels, le: le[i]! }, value: p.cumulative[i]! });
    out.push({ metricName: `${name}_bucket`, labels: { ...p.labels, le: '+Inf' }, value: p.count });
    out.push({ metricName: `${name}_sum`, labels: p.labels, value: p.sum });
    out.push({ metricName: `${name}_count`, labels: p.labels, value: p.count });
  }
  return out;
}

export function promSamples(family: MetricFamily, points: FamilyPoints): Sample[] {
  if (family.type === 'histogram') return histogramSamples(family.name, family.le, points as HistogramPoint[]);
  return (points as ValuePoint[]).map((p) => ({ value: p.value, labels: p.labels }));
}

export class FamilyMetric {
  /** prom-client rewrites this for counters in OpenMetrics mode; the family keeps the real name. */
  name: string;
  readonly help: string;
  readonly type: FamilyType;
  readonly aggregator: Aggregator;
  readonly labelNames: readonly string[];
  readonly family: MetricFamily;
  readonly #points: (family: MetricFamily) => FamilyPoints;

  constructor(family: MetricFamily, points: (family: MetricFamily) => FamilyPoints) {
    this.family = family;
    this.name = family.name;
    this.help = family.help;
    this.type = family.type;
    this.labelNames = family.labels;
    this.aggregator = family.aggregator;
    this.#points = points;
  }

  async get(): Promise<{ name: string; help: string; type: string; values: Sample[]; aggregator: Aggregator }> {
    return { name: this.name, help: this.help, type: this.type, values: promSamples(this.family, this.#points(this.family)), aggregator: this.aggregator };
  }

  /** Registry.resetMetrics() calls this. The figures are the runtime's own cumulative counters: nothing of ours to reset. */
  reset(): void {}
}
