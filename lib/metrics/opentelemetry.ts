// metrics.registerOpenTelemetry(meter): the same families as metrics.register(),
// as OpenTelemetry asynchronous instruments on a Meter (from @opentelemetry/api;
// nothing here imports it). One batch callback reads the figures once per
// collection of the MeterProvider's readers. Thin on purpose: names, labels
// (as attributes) and values are those of the Prometheus families; a counter's
// name drops `_total` (OpenTelemetry's Prometheus exporter adds it back), and a
// histogram becomes its `_count` and `_sum` counters, because an asynchronous
// instrument cannot carry pre-aggregated buckets.
import { AllocscopeError, typeError } from '../core/errors';
import { resolveOptions } from '../core/options';
import { openCollector } from './collector';
import { FAMILIES } from './families';
import type { FamilyUnit, HistogramPoint, Labels, MetricFamily, ValuePoint } from './family';
import { REGISTER_DEFAULTS, REGISTER_SCHEMA, type MetricsRegisterOptions } from './options';

type Attributes = Record<string, string | number>;
/** What allocscope needs of an OpenTelemetry `Observable` instrument (opaque). */
type ObservableLike = object;
/** What allocscope needs of an OpenTelemetry `BatchObservableResult`. */
interface BatchObserverLike { observe(instrument: ObservableLike, value: number, attributes?: Attributes): void }
type BatchCallback = (observer: BatchObserverLike) => void;

/** What allocscope needs of an OpenTelemetry `Meter` (@opentelemetry/api ≥ 1.3). */
export interface MeterLike {
  createObservableGauge(name: string, options?: { description?: string; unit?: string }): ObservableLike;
  createObservableCounter(name: string, options?: { description?: string; unit?: string }): ObservableLike;
  addBatchObservableCallback(callback: BatchCallback, observables: ObservableLike[]): void;
  removeBatchObservableCallback(callback: BatchCallback, observables: ObservableLike[]): void;
}

/** A bridge registration; `unregister()` (or `using`) stops observing and releases what it started. */
export interface OpenTelemetryRegistration {
  /** Names of the instruments created. */
  readonly names: readonly string[];
  unregister(): boolean;
  [Symbol.dispose](): void;
}

/** UCUM units, as OpenTelemetry's semantic conventions spell them. */
const UNITS: Record<FamilyUnit, string> = { bytes: 'By', seconds: 's', ratio: '1', objects: '{object}', blocks: '{block}', count: '1' };

/** An instrument and the number it observes from each of its family's samples. */
interface Instrument { instrument: ObservableLike; family: MetricFamily; name: string; value: (point: ValuePoint | HistogramPoint) => number }

function isMeter(value: unknown): value is MeterLike {
  const m = value as Partial<Record<keyof MeterLike, unknown>> | null;
  return typeof m === 'object' && m !== null && typeof m.createObservableGauge === 'function' && typeof m.createObservableCounter === 'function' &&
    typeof m.addBatchObservableCallback === 'function' && typeof m.removeBatchObservableCallback === 'function';
}

const meters = new WeakSet<object>();
const attributes = (labels: Labels): Attributes => ({ ...labels });

export function registerOpenTelemetry(meter: MeterLike, options?: MetricsRegisterOptions): OpenTelemetryRegistration {
  if (!isMeter(meter)) {
    throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', "metrics.registerOpenTelemetry() takes an OpenTelemetry Meter (e.g. `metrics.getMeter('allocscope')` from @opentelemetry/api)");
  }
  const o = resolveOptions('metrics.registerOpenTelemetry()', options, REGISTER_DEFAULTS, REGISTER_SCHEMA);
  if (meters.has(meter)) {
    throw new AllocscopeError('ERR_ALLOCSCOPE_ALREADY_REGISTERED', 'metrics.registerOpenTelemetry() was already called with this meter; call unregister() on the first registration first');
  }

  const instruments: Instrument[] = [];
  for (const family of FAMILIES) {
    const description = family.help;
    const unit = UNITS[family.unit];
    if (family.type === 'histogram') {
      for (const part of ['count', 'sum'] as const) {
        const name = `${family.name}_${part}`;
        const instrument = meter.createObservableCounter(name, { description: `${description} (${part})`, unit: part === 'count' ? '1' : unit });
        instruments.push({ instrument, family, name, value: (p) => (p as HistogramPoint)[part] });
      }
    } else {
      const name = family.type === 'counter' ? family.name.replace(/_total$/, '') : family.name;
      const create = family.type === 'counter' ? meter.createObservableCounter.bind(meter) : meter.createObservableGauge.bind(meter);
      instruments.push({ instrument: create(name, { description, unit }), family, name, value: (p) => (p as ValuePoint).value });
    }
  }

  const { collector, close } = openCollector(o);
  const callback: BatchCallback = (observer) => {
    const scrape = collector.scrape();
    for (const i of instruments) {
      for (const p of scrape.get(i.family) ?? []) observer.observe(i.instrument, i.value(p), attributes(p.labels));
    }
  };
  const observables = instruments.map((i) => i.instrument);
  meter.addBatchObservableCallback(callback, observables);
  meters.add(meter);

  let active = true;
  return {
    names: instruments.map((i) => i.name),
    unregister(): boolean {
      if (!active) return false;
      active = false;
      meter.removeBatchObservableCallback(callback, observables);
      meters.delete(meter);
      close();
      return true;
    },
    [Symbol.dispose]() {
      this.unregister();
    },
  };
}
