// metrics.register(registry): one FamilyMetric per family on a prom-client
// Registry, sharing one Collector; unregister() removes exactly what it added.
import { AllocscopeError, typeError } from '../core/errors';
import { resolveOptions } from '../core/options';
import { openCollector } from './collector';
import { FAMILIES } from './families';
import { REGISTER_DEFAULTS, REGISTER_SCHEMA, type MetricsRegisterOptions } from './options';
import { FamilyMetric } from './prom-metric';

/** What allocscope needs of a prom-client `Registry` (prom-client ≥ 13). */
export interface RegistryLike {
  registerMetric(metric: never): void;
  getSingleMetric(name: string): unknown;
  removeSingleMetric(name: string): void;
}

/** A registration; `unregister()` (or `using`) removes its metrics and stops what it started. */
export interface MetricsRegistration {
  /** Names of the families registered. */
  readonly names: readonly string[];
  /** Removes the families from the registry. Returns false if already done. */
  unregister(): boolean;
  [Symbol.dispose](): void;
}

const registrations = new WeakMap<object, MetricsRegistration>();

function isRegistry(value: unknown): value is RegistryLike {
  const r = value as Partial<Record<keyof RegistryLike, unknown>> | null;
  return typeof r === 'object' && r !== null && typeof r.registerMetric === 'function' &&
    typeof r.getSingleMetric === 'function' && typeof r.removeSingleMetric === 'function';
}

export function register(registry: RegistryLike, options?: MetricsRegisterOptions): MetricsRegistration {
  if (!isRegistry(registry)) {
    throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', 'metrics.register() takes a prom-client Registry (e.g. `new Registry()` or `register` from prom-client)');
  }
  const o = resolveOptions('metrics.register()', options, REGISTER_DEFAULTS, REGISTER_SCHEMA);
  if (registrations.has(registry)) {
    throw new AllocscopeError('ERR_ALLOCSCOPE_ALREADY_REGISTERED', 'metrics.register() was already called on this registry; call unregister() on the first registration before registering again');
  }
  const taken = FAMILIES.find((d) => registry.getSingleMetric(d.name) !== undefined);
  if (taken) {
    throw new AllocscopeError('ERR_ALLOCSCOPE_ALREADY_REGISTERED', `metrics.register(): the registry already has a metric named "${taken.name}" (another copy of allocscope?)`);
  }

  const { collector, close } = openCollector(o);
  const families = FAMILIES.map((f) => new FamilyMetric(f, (family) => collector.points(family)));
  for (const family of families) registry.registerMetric(family as never);

  let active = true;
  const registration: MetricsRegistration = {
    names: families.map((f) => f.family.name),
    unregister(): boolean {
      if (!active) return false;
      active = false;
      for (const family of families) {
        // Only what is still ours: the user may have replaced a metric since.
        if (registry.getSingleMetric(family.family.name) === family) registry.removeSingleMetric(family.family.name);
      }
      registrations.delete(registry);
      close();
      return true;
    },
    [Symbol.dispose]() {
      this.unregister();
    },
  };
  registrations.set(registry, registration);
  return registration;
}

/** Removes allocscope's metrics from `registry`; false when it has none. */
export function unregister(registry: RegistryLike): boolean {
  if (!isRegistry(registry)) throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', 'metrics.unregister() takes the prom-client Registry passed to metrics.register()');
  return registrations.get(registry)?.unregister() ?? false;
}
