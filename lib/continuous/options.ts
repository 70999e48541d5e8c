// continuous.start() options: validated and defaulted in one place.
import { isMainThread } from 'node:worker_threads';
import { typeError } from '../core/errors';
import type { ProfileMode } from '../profile/data';
import { resolveOptions } from '../core/options';
import { SAMPLER_DEFAULTS, SAMPLER_SCHEMA } from '../sampler/options';
import type { Exporter } from './collection';
import { checkFileOptions, type FileExporterOptions } from './file-exporter';
import { checkHttpOptions, type HttpExporterOptions } from './http-exporter';
import { checkUserLabels, defaultIdentity } from './labels';

/** A built-in exporter by its options, or any object implementing Exporter. */
export type ExporterSpec = ({ type: 'file' } & FileExporterOptions) | ({ type: 'http' } & HttpExporterOptions) | Exporter;

export interface ContinuousOptions {
  /** Time between collections, ms. Default 60000 (the profile period Pyroscope and Datadog use). */
  periodMs?: number;
  /**
   * 'live': the sampled objects still alive (pprof inuse_objects/inuse_space, averaged by Pyroscope).
   * 'allocated': everything sampled during each period, freed or not (alloc_objects/alloc_space, per-period deltas).
   * One sampler per thread, so one mode at a time. Default 'live'.
   */
  mode?: ProfileMode;
  /** Mean bytes between samples. Default: the sampler's, 524288 (512 KiB). */
  intervalBytes?: number;
  /** Frames kept per sample. Default: the sampler's, 64. */
  stackDepth?: number;
  /** Service name: the Pyroscope application name and the `service` label. Default: npm's package name, else package.json's, else the script's name. */
  service?: string;
  /** `version` label. Default: the package.json version, if any. */
  version?: string;
  /** Extra labels on every profile (names like `[A-Za-z_][A-Za-z0-9_]*`; not service/version/host/thread_id). */
  labels?: Record<string, string>;
  /** Where profiles go. Required on the main thread; in a worker the default forwards them to the main thread's exporters. */
  exporters?: ExporterSpec[];
  /** Report sites at their source-mapped location. Default true. */
  sourceMaps?: boolean;
  /** stop(): how long to wait for exporters to deliver the last profiles, ms. Default 5000. */
  flushTimeoutMs?: number;
  /** Main thread: export the profiles workers forward. Default true. */
  workers?: boolean;
  /**
   * Live mode: also export each period's high-water mark, the live heap when the used
   * heap was highest in the period, as a profile of its own labelled `moment=peak`
   * (heap.start({ peak }) underneath). Default true.
   */
  peak?: boolean;
}

export interface ResolvedContinuousOptions {
  periodMs: number;
  mode: ProfileMode;
  intervalBytes: number;
  stackDepth: number;
  service: string;
  version: string | undefined;
  labels: Record<string, string>;
  exporters: ExporterSpec[];
  sourceMaps: boolean;
  flushTimeoutMs: number;
  workers: boolean;
  peak: boolean;
}

const WHERE = 'continuous.start()';
const DEFAULTS = {
  periodMs: 60_000, mode: SAMPLER_DEFAULTS.mode, intervalBytes: SAMPLER_DEFAULTS.intervalBytes, stackDepth: SAMPLER_DEFAULTS.stackDepth, service: undefined as string | undefined,
  version: undefined as string | undefined, labels: undefined as Record<string, string> | undefined, exporters: undefined as ExporterSpec[] | undefined,
  sourceMaps: true, flushTimeoutMs: 5000, workers: true, peak: true,
};
export const PERIOD_LIMITS = { min: 10, max: 86_400_000 };
const SCHEMA = {
  periodMs: { kind: 'integer', ...PERIOD_LIMITS },
  mode: SAMPLER_SCHEMA.mode,
  intervalBytes: SAMPLER_SCHEMA.intervalBytes,
  stackDepth: SAMPLER_SCHEMA.stackDepth,
  service: { kind: 'any' }, version: { kind: 'any' }, labels: { kind: 'any' }, exporters: { kind: 'any' },
  sourceMaps: { kind: 'boolean' },
  flushTimeoutMs: { kind: 'integer', min: 0, max: 600_000 },
  workers: { kind: 'boolean' },
  peak: { kind: 'boolean' },
} as const;

export function isExporter(value: unknown): value is Exporter {
  const e = value as Partial<Exporter> | null;
  return !!e && typeof e === 'object' && typeof e.export === 'function' && typeof e.stats === 'function' && typeof e.close === 'function' && typeof e.name === 'string';
}

export function resolveContinuousOptions(options: unknown): ResolvedContinuousOptions {
  const o = resolveOptions(WHERE, options, DEFAULTS, SCHEMA);
  for (const key of ['service', 'version'] as const) {
    const v = o[key];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0)) throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `${WHERE} option "${key}" must be a non-empty string, got ${JSON.stringify(v)}`);
  }
  const exporters = o.exporters ?? [];
  if (!Array.isArray(exporters)) throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `${WHERE} option "exporters" must be an array`);
  for (const [i, e] of exporters.entries()) {
    const type = (e as { type?: unknown } | null)?.type;
    if (!isExporter(e) && type !== 'file' && type !== 'http') {
      throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `${WHERE} exporters[${i}] must be { type: 'file', dir, … }, { type: 'http', url, … } or an Exporter object (name, export, stats, close)`);
    }
  }
  if (exporters.length === 0 && isMainThread) {
    throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `${WHERE} needs at least one exporter on the main thread: exporters: [{ type: 'http', url }] (Pyroscope) or [{ type: 'file', dir }]`);
  }
  const identity = defaultIdentity();
  return {
    ...o,
    service: o.service ?? identity.service,
    version: o.service !== undefined ? o.version : o.version ?? identity.version,
    labels: checkUserLabels(WHERE, o.labels),
    exporters,
  };
}

/**
 * Every check continuous.start() makes short of touching the disk or the network:
 * for a caller that starts it elsewhere (the CLI, for `run --continuous`'s program).
 */
export function checkContinuousOptions(options: ContinuousOptions): void {
  const resolved = resolveContinuousOptions(options);
  for (const spec of resolved.exporters) {
    if (isExporter(spec)) continue;
    const { type, ...rest } = spec;
    if (type === 'http') checkHttpOptions('continuous http exporter', rest);
    else checkFileOptions('continuous file exporter', rest, resolved.service);
  }
}
