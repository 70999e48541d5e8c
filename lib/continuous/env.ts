// Zero-code configuration: continuous.start() options from ALLOCSCOPE_*
// environment variables (used by `node --require allocscope/continuous` and
// `allocscope run --continuous`). A bad value is a coded error naming the variable.
import { typeError } from '../core/errors';
import { closest } from '../core/options';
import { checkFileOptions } from './file-exporter';
import { checkHttpOptions } from './http-exporter';
import type { ContinuousOptions, ExporterSpec } from './options';
import { PERIOD_LIMITS, resolveContinuousOptions } from './options';

/** Every variable read here, with what it sets (docs/production.md lists the same). */
export const ENV_VARIABLES = {
  ALLOCSCOPE_CONTINUOUS: 'set to 0/false/off to disable without removing --require',
  ALLOCSCOPE_SERVICE: 'service name (Pyroscope application name)',
  ALLOCSCOPE_VERSION: 'version label',
  ALLOCSCOPE_LABELS: 'extra labels: k=v,k2=v2',
  ALLOCSCOPE_PERIOD_MS: 'collection period, ms (default 60000)',
  ALLOCSCOPE_MODE: 'live (default) or allocated',
  ALLOCSCOPE_INTERVAL_BYTES: 'mean bytes between samples (default 524288)',
  ALLOCSCOPE_STACK_DEPTH: 'frames per sample (default 64)',
  ALLOCSCOPE_WORKERS: 'profile worker threads too: 1 (default) or 0',
  ALLOCSCOPE_PUSH_URL: 'Pyroscope base URL: enables the http exporter',
  ALLOCSCOPE_PUSH_TIMEOUT_MS: 'deadline of one push (default 10000)',
  ALLOCSCOPE_PUSH_RETRIES: 'retries after a failed push (default 2)',
  ALLOCSCOPE_PUSH_BACKOFF_MS: 'delay before the first retry, doubling (default 1000)',
  ALLOCSCOPE_PUSH_QUEUE_SIZE: 'profiles waiting to be pushed before the oldest is dropped (default 8)',
  ALLOCSCOPE_PUSH_AUTH_TOKEN: 'Authorization: Bearer token',
  ALLOCSCOPE_PUSH_TENANT_ID: 'X-Scope-OrgID (multi-tenant Pyroscope)',
  ALLOCSCOPE_OUT_DIR: 'directory for pprof files: enables the file exporter',
  ALLOCSCOPE_OUT_MAX_FILES: 'files kept in the directory (default 100)',
  ALLOCSCOPE_OUT_MAX_BYTES: 'bytes kept in the directory (default 268435456)',
  ALLOCSCOPE_OUT_CAPTURE: '1 to also write .allocscope captures (default 0)',
} as const;
/** ALLOCSCOPE_* variables other parts of allocscope read: not typos. */
const OTHER_VARIABLES = ['ALLOCSCOPE_ADDON', 'ALLOCSCOPE_NODE_CACHE', 'ALLOCSCOPE_PRELOAD', 'ALLOCSCOPE_DIST', 'ALLOCSCOPE_SANITIZER'];

type Env = Record<string, string | undefined>;

function invalid(name: string, expected: string, value: string): TypeError {
  return typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `${name} must be ${expected}, got ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`);
}

function integer(env: Env, name: string, min: number, max: number): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) throw invalid(name, `an integer from ${min} to ${max}`, text);
  return value;
}

function flag(env: Env, name: string): boolean | undefined {
  const text = env[name]?.trim().toLowerCase();
  if (text === undefined || text === '') return undefined;
  if (['1', 'true', 'on', 'yes'].includes(text)) return true;
  if (['0', 'false', 'off', 'no'].includes(text)) return false;
  throw invalid(name, '1/true/on or 0/false/off', env[name]!);
}

function labels(env: Env): Record<string, string> | undefined {
  const text = env.ALLOCSCOPE_LABELS;
  if (text === undefined || text.trim() === '') return undefined;
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0 || at === pair.length - 1) throw invalid('ALLOCSCOPE_LABELS', 'comma-separated name=value pairs (e.g. env=prod,region=eu)', text);
    out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return out;
}

/** Options from the environment, or null when continuous profiling is disabled there. */
export function optionsFromEnv(env: Env = process.env): ContinuousOptions | null {
  const known = [...Object.keys(ENV_VARIABLES), ...OTHER_VARIABLES];
  for (const name of Object.keys(env)) {
    if (!name.startsWith('ALLOCSCOPE_') || known.includes(name)) continue;
    // A missing suffix (ALLOCSCOPE_PERIOD for ALLOCSCOPE_PERIOD_MS) is the likeliest slip.
    const guess = Object.keys(ENV_VARIABLES).find((k) => k.startsWith(`${name}_`)) ?? closest(name, Object.keys(ENV_VARIABLES));
    throw typeError('ERR_ALLOCSCOPE_UNKNOWN_OPTION', `unknown environment variable ${name}${guess ? ` (did you mean ${guess}?)` : ''}`);
  }
  if (flag(env, 'ALLOCSCOPE_CONTINUOUS') === false) return null;
  const mode = env.ALLOCSCOPE_MODE?.trim();
  if (mode && mode !== 'live' && mode !== 'allocated') throw invalid('ALLOCSCOPE_MODE', '"live" or "allocated"', mode);
  const exporters: ExporterSpec[] = [];
  const url = env.ALLOCSCOPE_PUSH_URL?.trim();
  if (url) {
    exporters.push({
      type: 'http', url,
      timeoutMs: integer(env, 'ALLOCSCOPE_PUSH_TIMEOUT_MS', 1, 600_000),
      retries: integer(env, 'ALLOCSCOPE_PUSH_RETRIES', 0, 100),
      backoffMs: integer(env, 'ALLOCSCOPE_PUSH_BACKOFF_MS', 0, 600_000),
      queueSize: integer(env, 'ALLOCSCOPE_PUSH_QUEUE_SIZE', 1, 10_000),
      authToken: env.ALLOCSCOPE_PUSH_AUTH_TOKEN || undefined,
      tenantId: env.ALLOCSCOPE_PUSH_TENANT_ID || undefined,
    });
  }
  const dir = env.ALLOCSCOPE_OUT_DIR?.trim();
  if (dir) {
    exporters.push({
      type: 'file', dir,
      maxFiles: integer(env, 'ALLOCSCOPE_OUT_MAX_FILES', 1, 1_000_000),
      maxBytes: integer(env, 'ALLOCSCOPE_OUT_MAX_BYTES', 1, 2 ** 50),
      capture: flag(env, 'ALLOCSCOPE_OUT_CAPTURE'),
    });
  }
  if (exporters.length === 0) {
    throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', 'continuous profiling needs ALLOCSCOPE_PUSH_URL (Pyroscope) or ALLOCSCOPE_OUT_DIR (pprof files), or ALLOCSCOPE_CONTINUOUS=0 to turn it off');
  }
  return {
    periodMs: integer(env, 'ALLOCSCOPE_PERIOD_MS', PERIOD_LIMITS.min, PERIOD_LIMITS.max),
    mode: (mode || undefined) as ContinuousOptions['mode'],
    intervalBytes: integer(env, 'ALLOCSCOPE_INTERVAL_BYTES', 1, 2 ** 40),
    stackDepth: integer(env, 'ALLOCSCOPE_STACK_DEPTH', 1, 1024),
    service: env.ALLOCSCOPE_SERVICE || undefined,
    version: env.ALLOCSCOPE_VERSION || undefined,
    labels: labels(env),
    workers: flag(env, 'ALLOCSCOPE_WORKERS'),
    exporters,
  };
}

/** optionsFromEnv() plus every check continuous.start() makes short of touching the disk or network (for the CLI). */
export function checkEnv(env: Env): void {
  const options = optionsFromEnv(env);
  if (!options) return;
  const resolved = resolveContinuousOptions(options);
  for (const spec of resolved.exporters) {
    const { type, ...rest } = spec as { type: string };
    if (type === 'http') checkHttpOptions('continuous http exporter', rest);
    else checkFileOptions('continuous file exporter', rest, resolved.service);
  }
}
