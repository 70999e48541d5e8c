// Options objects: `{...DEFAULTS, ...options}` after checking every key and value,
// so that a misspelled option is an error instead of being silently ignored.
import { typeError } from './errors';

export interface IntegerRule {
  kind: 'integer';
  min: number;
  max: number;
}
export interface NumberRule {
  kind: 'number';
  min: number;
  max: number;
}
export interface BooleanRule {
  kind: 'boolean';
}
/** Any value: the caller checks it with a message of its own. */
export interface AnyRule {
  kind: 'any';
}
export interface EnumRule {
  kind: 'enum';
  values: readonly string[];
}
export type Rule = IntegerRule | NumberRule | BooleanRule | AnyRule | EnumRule;
export type Schema<T> = { [K in keyof T]-?: Rule };

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

function expected(rule: Rule): string {
  switch (rule.kind) {
    case 'integer': return `an integer from ${rule.min} to ${rule.max}`;
    case 'number': return `a number from ${rule.min} to ${rule.max}`;
    case 'boolean': return 'a boolean';
    case 'any': return 'a value';
    case 'enum': return `one of ${rule.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
}

function accepts(rule: Rule, value: unknown): boolean {
  switch (rule.kind) {
    case 'integer': return Number.isInteger(value) && (value as number) >= rule.min && (value as number) <= rule.max;
    case 'number': return typeof value === 'number' && Number.isFinite(value) && value >= rule.min && value <= rule.max;
    case 'boolean': return typeof value === 'boolean';
    case 'any': return true;
    case 'enum': return typeof value === 'string' && rule.values.includes(value);
  }
}

/** Levenshtein distance, to suggest the option a user probably meant. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(name, candidate);
    if (d < bestDistance) { best = candidate; bestDistance = d; }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/**
 * Validates `options` against `schema` and merges it over `defaults`.
 * @param where the call, for messages: e.g. `gc.start()`.
 */
export function resolveOptions<T extends object>(where: string, options: unknown, defaults: T, schema: Schema<T>): T {
  if (options === undefined) return { ...defaults };
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `${where} takes an options object, got ${describe(options)}`);
  }
  const known = Object.keys(schema);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      const guess = closest(key, known);
      throw typeError('ERR_ALLOCSCOPE_UNKNOWN_OPTION',
        `${where} has no option "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}; options are ${known.map((k) => `"${k}"`).join(', ')}`);
    }
  }
  const merged = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const rule = (schema as Record<string, Rule>)[key]!;
    if (!accepts(rule, value)) {
      throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `${where} option "${key}" must be ${expected(rule)}, got ${describe(value)}`);
    }
    merged[key] = value;
  }
  return merged as T;
}
