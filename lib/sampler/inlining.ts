// Inlining and allocation sites. V8's sampling heap profiler records physical
// frames: an allocation made in a function that an optimizing compiler inlined
// into its caller is charged to the caller. On every supported V8 (11 to 14) this
// moves the top sites of ordinary programs (Turbofan, optimizing a hot loop
// on-stack, charges a helper's allocations to its caller or the module wrapper;
// Maglev charges small constructors to their callers), so the development-time
// commands (`allocscope run`, `top`, `leaks`, and leaks.find()) turn inlining off
// in both compilers by default. The library API (heap.start) and continuous mode never change V8's
// flags. See docs/reports.md ("Node 24 and later: inlined functions").
import * as v8 from 'node:v8';
import type { InliningState } from './inlining-state';

/** The V8 flags that turn inlining off in Turbofan and Maglev (for functions optimized afterwards). */
const NO_INLINING_FLAGS: readonly string[] = ['--no-turbo-inlining', '--no-maglev-inlining'];

export type { InliningState } from './inlining-state';

/** The major version of a V8 version string ("13.6.233.17-node.63" → 13). */
function v8Major(version: string = process.versions.v8): number {
  return Number.parseInt(version, 10);
}

/**
 * The last `--[no-]<compiler>-inlining` flag among node options, as V8 reads them
 * (the last one wins; `-`/`_` and `--no-`/`--no` spellings): true, false, or
 * undefined when none is given.
 */
export function inliningFlag(compiler: 'turbo' | 'maglev', nodeOptions: readonly string[]): boolean | undefined {
  const pattern = new RegExp(`^--(no-?)?${compiler}[-_]inlining(?:=(true|false))?$`);
  let value: boolean | undefined;
  for (const arg of nodeOptions) {
    const m = pattern.exec(arg);
    if (m) value = m[1] ? false : m[2] !== 'false';
  }
  return value;
}

type Compiler = 'turbo' | 'maglev';
const COMPILERS: readonly Compiler[] = ['turbo', 'maglev'];

/** Set by turnInliningOff() in this thread (V8's flags cannot be read back). */
const runtimeSetting: Partial<Record<Compiler, boolean>> = {};

/** Whether a compiler inlines: the runtime setting, else node's command line, else V8's default (Turbofan: on; Maglev: on from V8 12). */
function inlines(compiler: Compiler): boolean {
  return runtimeSetting[compiler] ?? inliningFlag(compiler, process.execArgv) ?? (compiler === 'turbo' || v8Major() >= 12);
}

/** Inlining as this process runs it: `off` only when neither Turbofan nor Maglev inlines. */
export function currentInlining(): InliningState {
  return COMPILERS.some(inlines) ? 'on' : 'off';
}

/**
 * Turns inlining off in Turbofan and Maglev for functions optimized from now on
 * (process-wide: V8's flags are shared by all threads; code already optimized
 * keeps its inlining until V8 deoptimizes it). Returns the function that puts
 * each compiler's setting back as it was.
 */
export function turnInliningOff(): () => void {
  const before = COMPILERS.map((c) => [c, inlines(c), runtimeSetting[c]] as const);
  for (const c of COMPILERS) {
    v8.setFlagsFromString(`--no-${c}-inlining`);
    runtimeSetting[c] = false;
  }
  return () => {
    for (const [c, on, setting] of before) {
      v8.setFlagsFromString(on ? `--${c}-inlining` : `--no-${c}-inlining`);
      if (setting === undefined) delete runtimeSetting[c];
      else runtimeSetting[c] = setting;
    }
  };
}

/**
 * The node options a development-time run adds to the program's command line:
 * NO_INLINING_FLAGS unless inlining is kept. They go before the program's own
 * node options, so that an explicit `--turbo-inlining` of its own wins.
 */
export function profilingNodeOptions(keepInlining: boolean): string[] {
  return keepInlining ? [] : [...NO_INLINING_FLAGS];
}
