// What a bench file declares: suites of named operations. Kept on globalThis so
// that the bench file's `require('allocscope/bench')` and the runner share it even
// when they resolve to different copies of the package.
import * as path from 'node:path';
import { typeError } from '../core/errors';
import { resolveOptions } from '../core/options';
import { MEASURE_DEFAULTS, MEASURE_SCHEMA, type MeasureOptions } from './measure';
import type { Operation } from './operation';

export interface BenchDeclaration {
  name: string;
  fn: Operation;
  options: MeasureOptions;
}

export interface SuiteDeclaration {
  name: string;
  options: MeasureOptions;
  benches: BenchDeclaration[];
}

export interface Registry {
  suites: SuiteDeclaration[];
  /** The suite whose body is running (suite() calls nest into it). */
  current: SuiteDeclaration | null;
  /** Name of the suite for bench() calls outside any suite(). */
  defaultSuiteName: string;
  /** Set by the runner: the file's benchmarks are run by `allocscope bench`, not by the file. */
  managed: boolean;
  /** Set when a file run directly with node has scheduled its own run. */
  selfRunScheduled: boolean;
}

const KEY = Symbol.for('allocscope.bench.registry');

/** "json.bench.js" → "json": the suite of bench() calls outside suite(). */
export function defaultSuiteName(file: string | undefined): string {
  return (file ? path.basename(file) : '').replace(/\.[cm]?[jt]s$/, '').replace(/[.-]bench$/, '') || 'main';
}

export function registry(): Registry {
  const g = globalThis as { [KEY]?: Registry };
  g[KEY] ??= { suites: [], current: null, defaultSuiteName: defaultSuiteName(process.argv[1]), managed: false, selfRunScheduled: false };
  return g[KEY]!;
}

function checkName(where: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.trim() === '') throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `${where} takes a non-empty name first, got ${JSON.stringify(name)}`);
}

function checkOptions(where: string, options: MeasureOptions | undefined): MeasureOptions {
  resolveOptions(where, options, MEASURE_DEFAULTS, MEASURE_SCHEMA); // validates; defaults apply later
  return { ...options };
}

export function declareSuite(name: string, body: () => void, options?: MeasureOptions): void {
  checkName('suite()', name);
  if (typeof body !== 'function') throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `suite("${name}") takes a function that declares its benchmarks`);
  const r = registry();
  if (r.current) throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `suite("${name}") inside suite("${r.current.name}"): suites do not nest`);
  if (r.suites.some((s) => s.name === name)) throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `suite("${name}") is declared twice`);
  const suite: SuiteDeclaration = { name, options: checkOptions(`suite("${name}")`, options), benches: [] };
  r.suites.push(suite);
  r.current = suite;
  try {
    const out = body() as unknown;
    if (out && typeof (out as Promise<unknown>).then === 'function') throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `suite("${name}") body must declare its benchmarks synchronously (it returned a promise)`);
  } finally {
    r.current = null;
  }
}

export function declareBench(name: string, fn: Operation, options?: MeasureOptions): void {
  checkName('bench()', name);
  if (typeof fn !== 'function') throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `bench("${name}") takes the operation to measure as a function, got ${fn === null ? 'null' : typeof fn}`);
  const r = registry();
  let suite = r.current;
  if (!suite) {
    suite = r.suites.find((s) => s.name === r.defaultSuiteName) ?? null;
    if (!suite) {
      suite = { name: r.defaultSuiteName, options: {}, benches: [] };
      r.suites.push(suite);
    }
  }
  if (suite.benches.some((b) => b.name === name)) throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `bench("${name}") is declared twice in suite "${suite.name}"`);
  suite.benches.push({ name, fn, options: checkOptions(`bench("${name}")`, options) });
}
