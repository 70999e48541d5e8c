// sizeOf(): the retained size of one value (what freeing it would free, as
// DevTools computes it) and the largest things it keeps alive.
import { AllocscopeError, typeError } from '../core/errors';
import { resolveOptions } from '../core/options';
import { progressWanted, snapshotBinding } from './analyze';
import type { SizeOfResult } from './types';

export interface SizeOfOptions {
  /**
   * true (default): the retained size, the bytes only this value keeps alive.
   * false: the deep size, every byte reachable from the value through its own
   * data (not through hidden classes, prototypes or a function's scope), shared or not.
   */
  retained?: boolean;
  /** How many of the largest contributors to list in `top`. Default 10. */
  top?: number;
  /** Draw a progress bar on stderr while the snapshot is taken, when stderr is a TTY. Default false. */
  progress?: boolean;
}

const DEFAULTS: Required<SizeOfOptions> = { retained: true, top: 10, progress: false };

export function sizeOf(value: unknown, options?: SizeOfOptions): SizeOfResult {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT',
      `sizeOf() takes an object or a function, got ${value === null ? 'null' : typeof value}: primitives have no retained size of their own`);
  }
  const o = resolveOptions('sizeOf()', options, DEFAULTS, {
    retained: { kind: 'boolean' },
    top: { kind: 'integer', min: 0, max: 100_000 },
    progress: { kind: 'boolean' },
  });
  const raw = snapshotBinding.analyze(progressWanted(o.progress), [], value, o.top, !o.retained);
  const target = raw.target;
  if (!target) {
    throw new AllocscopeError('ERR_ALLOCSCOPE_UNSUPPORTED', 'sizeOf(): the value was not found in the heap snapshot');
  }
  return {
    bytes: o.retained ? target.retainedBytes : target.deepBytes ?? target.retainedBytes,
    selfBytes: target.selfBytes,
    top: target.top,
  };
}
