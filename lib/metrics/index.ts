// metrics: allocscope's figures as Prometheus metrics on a prom-client Registry
// (prom-client is an optional peer dependency: nothing here imports it).
import { FAMILIES } from './families';
import { definitionOf, LABELS, type FamilyDefinition } from './family';
import { registerOpenTelemetry } from './opentelemetry';
import { register, unregister } from './register';
import { reportToMainThread } from './worker-reporter';

export const metrics = {
  /**
   * Registers allocscope's metric families on a prom-client `Registry`; figures
   * are read when the registry is scraped. Throws ERR_ALLOCSCOPE_ALREADY_REGISTERED
   * when the registry has them already.
   */
  register,
  /** Removes them from `registry` (false when it has none). */
  unregister,
  /**
   * The same families as OpenTelemetry asynchronous instruments on a Meter
   * (@opentelemetry/api): counters without `_total`, histograms as `_count`/`_sum`.
   */
  registerOpenTelemetry,
  /** In a worker thread: posts its figures to the main thread's registrations every `intervalMs`. */
  reportToMainThread,
  /** Every family allocscope can export: name, type, unit, labels, help. */
  families: Object.freeze(FAMILIES.map(definitionOf)) as readonly FamilyDefinition[],
  /** The label names families use, each with what bounds its values. */
  labels: LABELS,
};

export type { FamilyDefinition, FamilyType, FamilyUnit, FamilyGroup, LabelName } from './family';
export type { MetricsRegisterOptions, WorkerReportOptions } from './options';
export type { MetricsRegistration, RegistryLike } from './register';
export type { MeterLike, OpenTelemetryRegistration } from './opentelemetry';
export type { WorkerReporter } from './worker-reporter';
export type { ContinuousFigures, ContinuousExporterFigures, LeakWatchFigures } from './sources';
