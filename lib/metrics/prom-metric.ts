// A metric family as prom-client's Registry sees one: `name`, `help`, `type`,
// `aggregator`, an async `get()` returning { name, help, type, values,
// aggregator } and `reset()`. This is the contract prom-client's own Counter,
// Gauge and Histogram implement (Registry.registerMetric() stores the object,
// Registry.metrics() awaits get()). Implementing it directly, rather than using
// prom-client's classes, lets a histogram be filled from the native per-bucket
// counts (prom-client's Histogram can only observe() values one by one) and
// keeps prom-client out of our imports: allocscope works with the user's copy.
import type { FamilyDefinition } from './definitions';
import type { Sample, Samples } from './render';

export type Aggregator = 'sum' | 'average' | 'max';

export class FamilyMetric {
  /** prom-client rewrites this for counters in OpenMetrics mode; the definition keeps the real name. */
  name: string;
  readonly help: string;
  readonly type: FamilyDefinition['type'];
  readonly aggregator: Aggregator;
  readonly labelNames: readonly string[];
  readonly definition: FamilyDefinition;
  readonly #samples: () => Samples;

  constructor(definition: FamilyDefinition, samples: () => Samples) {
    this.definition = definition;
    this.name = definition.name;
    this.help = definition.help;
    this.type = definition.type;
    this.labelNames = definition.labels;
    // How prom-client's AggregatorRegistry (cluster mode) combines processes.
    this.aggregator = definition.unit === 'ratio' ? 'average' : definition.name.endsWith('_age_seconds') ? 'max' : 'sum';
    this.#samples = samples;
  }

  async get(): Promise<{ name: string; help: string; type: string; values: Sample[]; aggregator: Aggregator }> {
    return { name: this.name, help: this.help, type: this.type, values: this.#samples().get(this.definition.name) ?? [], aggregator: this.aggregator };
  }

  /** Registry.resetMetrics() calls this. The figures are the runtime's own cumulative counters: nothing of ours to reset. */
  reset(): void {}
}
