// allocscope/testing: memory assertions for node:test (or any runner), in the spirit
// of pytest-memray's limit_memory / limit_leaks.
//
//   const { limitAllocations, limitMemory, setDefaults } = require('allocscope/testing');
//   test('parse stays lean', () => limitAllocations(() => parse(input), { bytes: 4096, allocs: 40 }));
//
// A failure is one line: the figure, the limit and the top three allocating sites.
import { AllocscopeError, typeError, type CodedError } from '../core/errors';
import { bytes as formatBytes } from '../core/format';
import { resolveOptions } from '../core/options';
import { perOp } from '../bench/numbers';
import { checkOperation } from '../bench/measure';
import { prepareOperation, type Operation } from '../bench/operation';
import { measureAllocations, type AllocationFigures } from './allocations';
import { measureMemory, type MemoryFigures } from './memory';

export type { AllocationFigures, MemoryFigures };

export interface AllocationLimits {
  /** Most JS heap bytes one call may allocate (average over `ops` calls). */
  bytes?: number;
  /** Most JS heap objects one call may allocate. */
  allocs?: number;
  /** Most ArrayBuffer/external bytes one call may create. */
  externalBytes?: number;
  /** Calls counted (the limits are per call, averaged). Default 1. */
  ops?: number;
  /** Calls before counting, so that one-time work (compilation, caches) is not counted. Default 2. */
  warmup?: number;
}

export interface MemoryLimits {
  /** Most memory the call may hold at once above the start: JS heap in use (garbage not yet collected included) + external, at every GC and at the end. */
  peakBytes?: number;
  /** Most memory still held after the call and a full GC (a leak limit). */
  retainedBytes?: number;
  /** Calls before the measured one, so that compiling the code is not counted. Default 1. */
  warmup?: number;
}

export type TestingDefaults = AllocationLimits & MemoryLimits;

const LIMIT = { kind: 'number', min: 0, max: Number.MAX_SAFE_INTEGER } as const;
const DEFAULT_SCHEMA = {
  bytes: LIMIT, allocs: LIMIT, externalBytes: LIMIT, peakBytes: LIMIT, retainedBytes: LIMIT,
  ops: { kind: 'integer', min: 1, max: 1e9 }, warmup: { kind: 'integer', min: 0, max: 1e9 },
} as const;
const BUILT_IN: TestingDefaults = { ops: 1 };
let fileDefaults: TestingDefaults = { ...BUILT_IN };

/**
 * Sets defaults for every later call in this process (node:test runs each test file
 * in its own process, so this is per file): limits, ops, warmup. Returns the previous.
 */
export function setDefaults(defaults: TestingDefaults): TestingDefaults {
  const checked = resolveOptions('setDefaults()', defaults, {} as Required<TestingDefaults>, DEFAULT_SCHEMA);
  const previous = fileDefaults;
  fileDefaults = { ...BUILT_IN, ...checked };
  return previous;
}

/** Back to the built-in defaults (no limits, ops 1). */
export function resetDefaults(): void {
  fileDefaults = { ...BUILT_IN };
}

function pick<T extends object>(from: TestingDefaults, keys: readonly (keyof T)[]): Partial<T> {
  const out: Partial<T> = {};
  for (const k of keys) if ((from as Record<string, unknown>)[k as string] !== undefined) (out as Record<string, unknown>)[k as string] = (from as Record<string, unknown>)[k as string];
  return out;
}

interface LimitError extends CodedError { actual: number; limit: number; figures: AllocationFigures | MemoryFigures }

/** The caller's frame, captured before any await (async stacks lose it). */
function callerFrame(caller: Function): string { // eslint-disable-line @typescript-eslint/ban-types
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, caller);
  return (holder.stack ?? '').split('\n').find((l) => /^\s+at /.test(l)) ?? '';
}

function limitExceeded(where: string, message: string, extra: Omit<LimitError, keyof CodedError>): LimitError {
  const error = new AllocscopeError('ERR_ALLOCSCOPE_LIMIT_EXCEEDED', message) as unknown as LimitError;
  Object.assign(error, extra);
  // One line plus where the assertion is: test reporters print the stack.
  error.stack = `${error.name} [${error.code}]: ${error.message}${where ? `\n${where}` : ''}`;
  return error;
}

const sitesText = (sites: { label: string; bytes: number }[], unit: string) =>
  sites.length === 0 ? 'no JS allocation sites' : `top sites: ${sites.map((s) => `${s.label} ${formatBytes(s.bytes)}${unit}`).join(', ')}`;

const ALLOC_KEYS = ['bytes', 'allocs', 'externalBytes', 'ops', 'warmup'] as const;
const ALLOC_SCHEMA = { bytes: LIMIT, allocs: LIMIT, externalBytes: LIMIT, ops: DEFAULT_SCHEMA.ops, warmup: DEFAULT_SCHEMA.warmup } as const;

/**
 * Counts what one call of `fn` allocates (exactly: the counting pass of measure())
 * and throws ERR_ALLOCSCOPE_LIMIT_EXCEEDED if a limit is exceeded. Resolves with the
 * figures otherwise. `fn` may be async.
 */
export async function limitAllocations(fn: Operation, limits: AllocationLimits): Promise<AllocationFigures> {
  const where = callerFrame(limitAllocations);
  checkOperation('limitAllocations()', fn);
  const o = resolveOptions('limitAllocations()', { ...pick<AllocationLimits>(fileDefaults, ALLOC_KEYS), ...checkedObject('limitAllocations()', limits) },
    { warmup: 2, ops: 1 } as Required<AllocationLimits>, ALLOC_SCHEMA);
  if (o.bytes === undefined && o.allocs === undefined && o.externalBytes === undefined) {
    throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', 'limitAllocations() needs at least one limit: bytes, allocs or externalBytes');
  }
  const figures = await measureAllocations(await prepareOperation(fn), o.ops, o.warmup);
  const checks: [keyof AllocationFigures & string, number | undefined, string][] = [
    ['bytesPerOp', o.bytes, 'B/op'], ['allocsPerOp', o.allocs, 'allocs/op'], ['externalBytesPerOp', o.externalBytes, 'external B/op'],
  ];
  for (const [key, limit, unit] of checks) {
    const actual = figures[key] as number;
    if (limit === undefined || actual <= limit) continue;
    const context = `${perOp(figures.bytesPerOp)} B/op, ${perOp(figures.allocsPerOp)} allocs/op over ${o.ops} call${o.ops === 1 ? '' : 's'}`;
    throw limitExceeded(where, `${perOp(actual)} ${unit} exceeds the limit of ${perOp(limit)} ${unit} (${context}); ${sitesText(figures.topSites.map((s) => ({ label: s.label, bytes: s.bytesPerOp })), '/op')}`,
      { actual, limit, figures });
  }
  return figures;
}

const MEMORY_KEYS = ['peakBytes', 'retainedBytes', 'warmup'] as const;
const MEMORY_SCHEMA = { peakBytes: LIMIT, retainedBytes: LIMIT, warmup: DEFAULT_SCHEMA.warmup } as const;

/**
 * Runs `fn` once and throws ERR_ALLOCSCOPE_LIMIT_EXCEEDED if the memory it held at its
 * peak, or still holds after a full GC, exceeds the limit. Resolves with the figures.
 */
export async function limitMemory(fn: Operation, limits: MemoryLimits): Promise<MemoryFigures> {
  const where = callerFrame(limitMemory);
  checkOperation('limitMemory()', fn);
  const o = resolveOptions('limitMemory()', { ...pick<MemoryLimits>(fileDefaults, MEMORY_KEYS), ...checkedObject('limitMemory()', limits) },
    { warmup: 1 } as Required<MemoryLimits>, MEMORY_SCHEMA);
  if (o.peakBytes === undefined && o.retainedBytes === undefined) {
    throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', 'limitMemory() needs at least one limit: peakBytes or retainedBytes');
  }
  const figures = await measureMemory(fn, o.warmup);
  const checks: [number, number | undefined, string][] = [[figures.peakBytes, o.peakBytes, 'peak'], [figures.retainedBytes, o.retainedBytes, 'retained']];
  for (const [actual, limit, what] of checks) {
    if (limit === undefined || actual <= limit) continue;
    throw limitExceeded(where, `${what} memory ${formatBytes(actual)} exceeds the limit of ${formatBytes(limit)} (peak ${formatBytes(figures.peakBytes)}, retained ${formatBytes(figures.retainedBytes)}); ${sitesText(figures.topSites, '')}`,
      { actual, limit, figures });
  }
  return figures;
}

function checkedObject<T>(where: string, value: T): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `${where} takes its limits as an object, e.g. { bytes: 4096 }`);
  return value;
}
