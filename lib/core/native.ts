// The only module that loads the addon. Each native concern registers its
// bindings under a namespace of its own (native/<concern>.cc, Register), and the
// module that wraps the concern declares that namespace's shape beside its code
// (lib/runtime/gc.ts types `native.gc`, ...): this file knows none of them.
import * as path from 'node:path';
import nodeGypBuild = require('node-gyp-build');
import { AllocscopeError } from './errors';

/** The loaded addon: one object per native concern (gc, sampler, heapStats, ...). */
export type NativeAddon = Readonly<Record<string, object>>;

function load(): NativeAddon {
  // ALLOCSCOPE_ADDON points at a specific build (the ASan lane uses it). A build
  // for another Node major throws ERR_ALLOCSCOPE_ABI_MISMATCH from its init.
  const explicit = process.env.ALLOCSCOPE_ADDON;
  if (explicit) return require(path.resolve(explicit)) as NativeAddon;
  return nodeGypBuild(path.join(__dirname, '..', '..')) as NativeAddon;
}

export const native: NativeAddon = load();

/**
 * The addon's namespace `name`, typed by the module that wraps it. A missing
 * namespace means an addon older than this code (build/ not rebuilt): say so
 * at load rather than with "undefined is not a function" at the first call.
 */
export function nativeNamespace<T extends object>(name: string): T {
  const namespace = native[name];
  if (typeof namespace !== 'object' || namespace === null) {
    throw new AllocscopeError('ERR_ALLOCSCOPE_ADDON_OUTDATED', `the addon has no "${name}" bindings: it was built from older sources; rebuild it (npm run build:native)`);
  }
  return namespace as T;
}
