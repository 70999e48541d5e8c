// Zero-code configuration: continuous.start() options from ALLOCSCOPE_*
// environment variables (`node --require allocscope/continuous`). The same
// parsers read `allocscope run --continuous`'s flags, so a bad value is a coded
// error naming what the user typed: the variable, or the flag.
import { typeError } from '../core/errors';
import { closest } from '../core/options';
import { SAMPLER_DEFAULTS, SAMPLER_SCHEMA } from '../sampler/options';
import type { ContinuousOptions, ExporterSpec } from './options';
import { PERIOD_LIMITS } from './options';

/** Every variable read here, with what it sets (docs/production.md lists the same). */
export const ENV_VARIABLES = {
  ALLOCSCOPE_CONTINUOUS: 'set to 0/false/off to disable without removing --require',
  ALLOCSCOPE_SERVICE: 'service name (Pyroscope application name)',
  ALLOCSCOPE_VERSION: 'version label',
  ALLOCSCOPE_LABELS: 'extra labels: k=v,k2=v2',
  ALLOCSCOPE_PERIOD_MS: 'collection period, ms (default 60000)',
  ALLOCSCOPE_MODE: `${SAMPLER_DEFAULTS.mode} (default) or ${SAMPLER_SCHEMA.mode.values.find((m) => m !== SAMPLER_DEFAULTS.mode)}`,
  ALLOCSCOPE_INTERVAL_BYTES: `mean bytes between samples (default ${SAMPLER_DEFAULTS.intervalBytes})`,
  ALLOCSCOPE_STACK_DEPTH: `frames per sample (default ${SAMPLER_DEFAULTS.stackDepth})`,
  ALLOCSCOPE_WORKERS: 'profile worker threads too: 1 (default) or 0',
  ALLOCSCOPE_PEAK: 'live mode: also export each period\'s high-water mark (moment=peak): 1 or 0 (default)',
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
  ALLOCSCOPE_EXPORT_ARGV: '1 to put the program\'s arguments in exported profiles (default 0: the script\'s path only)',
} as const;
/** ALLOCSCOPE_* variables other parts of allocscope read: not typos. */
const OTHER_VARIABLES = ['ALLOCSCOPE_ADDON', 'ALLOCSCOPE_NODE_CACHE', 'ALLOCSCOPE_PRELOAD', 'ALLOCSCOPE_DIST', 'ALLOCSCOPE_SANITIZER'];

export type EnvVariable = keyof typeof ENV_VARIABLES;
type Env = Record<string, string | undefined>;

/**
 * Where a setting's text comes from, and the name a message gives it:
 * `{ name: 'ALLOCSCOPE_PERIOD_MS', text }` from the environment, or
 * `{ name: '--period', text }` from a flag. Undefined when it is not set.
 */
export type SettingSource = (variable: EnvVariable) => { name: string; text: string } | undefined;

/** Settings from environment variables: an empty variable counts as unset. */
export function envSource(env: Env): SettingSource {
  return (variable) => {
    const text = env[variable];
    return text === undefined || text === '' ? undefined : { name: variable, text };
  };
}

function invalid(name: string, expected: string, value: string): TypeError {
  return typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `${name} must be ${expected}, got ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`);
}

function integer(read: SettingSource, variable: EnvVariable, limits: { min: number; max: number }): number | undefined {
  const setting = read(variable);
  if (!setting) return undefined;
  const value = Number(setting.text);
  if (!/^\d+$/.test(setting.text.trim()) || value < limits.min || value > limits.max) throw invalid(setting.name, `an integer from ${limits.min} to ${limits.max}`, setting.text);
  return value;
}

function flag(read: SettingSource, variable: EnvVariable): boolean | undefined {
  const setting = read(variable);
  const text = setting?.text.trim().toLowerCase();
  if (!setting || !text) return undefined;
  if (['1', 'true', 'on', 'yes'].includes(text)) return true;
  if (['0', 'false', 'off', 'no'].includes(text)) return false;
  throw invalid(setting.name, '1/true/on or 0/false/off', setting.text);
}

function text(read: SettingSource, variable: EnvVariable): string | undefined {
  return read(variable)?.text.trim() || undefined;
}

function mode(read: SettingSource): ContinuousOptions['mode'] {
  const setting = read('ALLOCSCOPE_MODE');
  const value = setting?.text.trim();
  if (!setting || !value) return undefined;
  const modes = SAMPLER_SCHEMA.mode.values;
  if (!modes.includes(value as never)) throw invalid(setting.name, modes.map((m) => JSON.stringify(m)).join(' or '), value);
  return value as ContinuousOptions['mode'];
}

function labels(read: SettingSource): Record<string, string> | undefined {
  const setting = read('ALLOCSCOPE_LABELS');
  if (!setting || setting.text.trim() === '') return undefined;
  const out: Record<string, string> = {};
  for (const pair of setting.text.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0 || at === pair.length - 1) throw invalid(setting.name, 'comma-separated name=value pairs (e.g. env=prod,region=eu)', setting.text);
    out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return out;
}

/**
 * continuous.start() options from settings, each checked and converted; an
 * exporter for each of ALLOCSCOPE_PUSH_URL and ALLOCSCOPE_OUT_DIR that is set.
 */
export function continuousOptionsFrom(read: SettingSource): ContinuousOptions {
  const exporters: ExporterSpec[] = [];
  const url = text(read, 'ALLOCSCOPE_PUSH_URL');
  if (url) {
    exporters.push({
      type: 'http', url,
      timeoutMs: integer(read, 'ALLOCSCOPE_PUSH_TIMEOUT_MS', { min: 1, max: 600_000 }),
      retries: integer(read, 'ALLOCSCOPE_PUSH_RETRIES', { min: 0, max: 100 }),
      backoffMs: integer(read, 'ALLOCSCOPE_PUSH_BACKOFF_MS', { min: 0, max: 600_000 }),
      queueSize: integer(read, 'ALLOCSCOPE_PUSH_QUEUE_SIZE', { min: 1, max: 10_000 }),
      authToken: read('ALLOCSCOPE_PUSH_AUTH_TOKEN')?.text,
      tenantId: read('ALLOCSCOPE_PUSH_TENANT_ID')?.text,
    });
  }
  const dir = text(read, 'ALLOCSCOPE_OUT_DIR');
  if (dir) {
    exporters.push({
      type: 'file', dir,
      maxFiles: integer(read, 'ALLOCSCOPE_OUT_MAX_FILES', { min: 1, max: 1_000_000 }),
      maxBytes: integer(read, 'ALLOCSCOPE_OUT_MAX_BYTES', { min: 1, max: 2 ** 50 }),
      capture: flag(read, 'ALLOCSCOPE_OUT_CAPTURE'),
    });
  }
  return {
    periodMs: integer(read, 'ALLOCSCOPE_PERIOD_MS', PERIOD_LIMITS),
    mode: mode(read),
    intervalBytes: integer(read, 'ALLOCSCOPE_INTERVAL_BYTES', SAMPLER_SCHEMA.intervalBytes),
    stackDepth: integer(read, 'ALLOCSCOPE_STACK_DEPTH', SAMPLER_SCHEMA.stackDepth),
    service: read('ALLOCSCOPE_SERVICE')?.text,
    version: read('ALLOCSCOPE_VERSION')?.text,
    labels: labels(read),
    workers: flag(read, 'ALLOCSCOPE_WORKERS'),
    exportArgv: flag(read, 'ALLOCSCOPE_EXPORT_ARGV'),
    peak: flag(read, 'ALLOCSCOPE_PEAK'),
    exporters,
  };
}

/** Throws ERR_ALLOCSCOPE_UNKNOWN_OPTION for an ALLOCSCOPE_* variable allocscope does not read (a typo). */
export function checkVariableNames(env: Env): void {
  const known = [...Object.keys(ENV_VARIABLES), ...OTHER_VARIABLES];
  for (const name of Object.keys(env)) {
    if (!name.startsWith('ALLOCSCOPE_') || known.includes(name)) continue;
    // A missing suffix (ALLOCSCOPE_PERIOD for ALLOCSCOPE_PERIOD_MS) is the likeliest slip.
    const guess = Object.keys(ENV_VARIABLES).find((k) => k.startsWith(`${name}_`)) ?? closest(name, Object.keys(ENV_VARIABLES));
    throw typeError('ERR_ALLOCSCOPE_UNKNOWN_OPTION', `unknown environment variable ${name}${guess ? ` (did you mean ${guess}?)` : ''}`);
  }
}

/** Options from the environment, or null when continuous profiling is disabled there. */
export function optionsFromEnv(env: Env = process.env): ContinuousOptions | null {
  checkVariableNames(env);
  const read = envSource(env);
  if (flag(read, 'ALLOCSCOPE_CONTINUOUS') === false) return null;
  const options = continuousOptionsFrom(read);
  if (options.exporters!.length === 0) {
    throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', 'continuous profiling needs ALLOCSCOPE_PUSH_URL (Pyroscope) or ALLOCSCOPE_OUT_DIR (pprof files), or ALLOCSCOPE_CONTINUOUS=0 to turn it off');
  }
  return options;
}
