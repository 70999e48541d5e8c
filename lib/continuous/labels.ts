// Labels on every profile: service, version, host, thread, and the user's own.
// Pyroscope takes them in the application name, `service{k=v,…}`, whose syntax
// forbids `{},=` in values, so values are sanitized and names validated.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { typeError } from '../core/errors';

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Labels allocscope sets itself; users may not override them. */
const RESERVED_LABELS = ['service', 'version', 'host', 'thread_id', 'moment'] as const;

/** Replaces characters the Pyroscope name syntax reserves (and whitespace) by `_`. */
function sanitizeLabelValue(value: string): string {
  return value.replace(/[{},=\s"]/g, '_').slice(0, 200);
}

/** A service name Pyroscope accepts as an application name. */
export function sanitizeServiceName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.\-/]/g, '_').slice(0, 200) || 'node';
}

/** Checks user labels: names like Prometheus's, string values, none of ours. */
export function checkUserLabels(where: string, labels: unknown): Record<string, string> {
  if (labels === undefined) return {};
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) {
    throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `${where} option "labels" must be an object of string values, got ${Array.isArray(labels) ? 'an array' : String(labels)}`);
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(name)) throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `${where} label name "${name}" must match ${LABEL_NAME.source}`);
    if ((RESERVED_LABELS as readonly string[]).includes(name)) {
      throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `${where} label "${name}" is set by allocscope (${RESERVED_LABELS.join(', ')} are; use the "service" and "version" options)`);
    }
    if (typeof value !== 'string' || value.length === 0) throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `${where} label "${name}" must have a non-empty string value, got ${JSON.stringify(value)}`);
    out[name] = sanitizeLabelValue(value);
  }
  return out;
}

/** The nearest package.json from `dir` upwards (the service's own), or null. */
function nearestPackage(dir: string): { name?: string; version?: string } | null {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      return JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8')) as { name?: string; version?: string };
    } catch { /* none here */ }
    if (path.dirname(d) === d) return null;
  }
}

/** Service name and version when the user gives none: npm's, then package.json's, then the script's name. */
export function defaultIdentity(): { service: string; version: string | undefined } {
  const pkg = nearestPackage(process.cwd());
  const script = process.argv[1] ? path.basename(process.argv[1]).replace(/\.[cm]?[jt]s$/, '') : 'node';
  return {
    service: process.env.npm_package_name || pkg?.name || script,
    version: process.env.npm_package_version || pkg?.version || undefined,
  };
}

/** The labels of one thread's profiles. */
export function profileLabels(service: string, version: string | undefined, threadId: number, user: Record<string, string>): Record<string, string> {
  return {
    ...user,
    service: sanitizeServiceName(service),
    ...(version ? { version: sanitizeLabelValue(version) } : {}),
    host: sanitizeLabelValue(os.hostname()),
    thread_id: String(threadId),
  };
}

/** Pyroscope's application name with labels: `service{host=a,thread_id=0,…}` (sorted, service outside the braces). */
export function pyroscopeName(labels: Record<string, string>): string {
  const { service = 'node', ...rest } = labels;
  const pairs = Object.keys(rest).sort().map((k) => `${k}=${rest[k]}`);
  return `${service}{${pairs.join(',')}}`;
}
