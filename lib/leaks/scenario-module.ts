// Loads a scenario module for `allocscope leaks`: CommonJS or ESM, exporting the
// scenario function itself (module.exports = fn, export default fn) or
// `{ scenario, setup, teardown }` (as module.exports, a default export, or named exports).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AllocscopeError } from '../core/errors';
import type { Scenario } from './find';

export interface ScenarioModule {
  scenario: Scenario;
  setup?: () => unknown;
  teardown?: () => unknown;
}

type Exports = Record<string, unknown> | null | undefined;

function fromObject(value: unknown): ScenarioModule | undefined {
  if (typeof value === 'function') {
    const fn = value as Scenario & { setup?: unknown; teardown?: unknown };
    return { scenario: fn, ...hooks(fn as unknown as Exports) };
  }
  if (value && typeof value === 'object' && typeof (value as { scenario?: unknown }).scenario === 'function') {
    return { scenario: (value as { scenario: Scenario }).scenario, ...hooks(value as Exports) };
  }
  return undefined;
}

function hooks(from: Exports): Pick<ScenarioModule, 'setup' | 'teardown'> {
  const out: Pick<ScenarioModule, 'setup' | 'teardown'> = {};
  for (const name of ['setup', 'teardown'] as const) {
    const hook = from?.[name];
    if (hook === undefined) continue;
    if (typeof hook !== 'function') throw new AllocscopeError('ERR_ALLOCSCOPE_NO_SCENARIO', `the scenario module's "${name}" export must be a function, got ${hook === null ? 'null' : typeof hook}`);
    out[name] = hook as () => unknown;
  }
  return out;
}

/** Imports `file` and finds its scenario; ERR_ALLOCSCOPE_NO_SCENARIO when it exports none. */
export async function loadScenarioModule(file: string): Promise<ScenarioModule> {
  const absolute = path.resolve(file);
  if (!fs.existsSync(absolute)) throw new AllocscopeError('ERR_ALLOCSCOPE_NO_SCENARIO', `no such scenario module: ${file}`);
  const ns = await import(pathToFileURL(absolute).href) as Exports;
  // A default export (ESM, or module.exports of a CommonJS module) first, then named exports.
  const found = fromObject(ns?.default) ?? fromObject(ns);
  if (found) {
    // Named hooks beside a default scenario (export default fn; export function setup …).
    const named = ns ? hooks({ setup: ns.setup, teardown: ns.teardown } as Exports) : {};
    return { ...named, ...found };
  }
  throw new AllocscopeError('ERR_ALLOCSCOPE_NO_SCENARIO',
    `${file} exports no scenario: export the scenario function (module.exports = fn, export default fn) or { scenario, setup, teardown }`);
}
