// The flame graph's and the top table's shared choices (show Node internals,
// merge by function, focus), read from the URL's hash at load and written back
// on every change without a reload: each section redraws itself when told.
import type { FlameOptions } from '../flame-view';
import { hashOf, readHash } from '../hash-state';

export interface FrameOptions {
  get(): FlameOptions;
  set(change: Partial<FlameOptions>): void;
  onChange(listener: (options: FlameOptions) => void): void;
}

export function frameOptions(): FrameOptions {
  const { internals, merge, focus } = readHash(location.hash);
  let current: FlameOptions = { internals, merge, focus };
  const listeners: ((options: FlameOptions) => void)[] = [];
  return {
    get: () => current,
    set(change) {
      current = { ...current, ...change };
      const hash = hashOf({ ...readHash(location.hash), ...current });
      // Replaced, not pushed: a toggle is a setting, not a place to go back to.
      history.replaceState(history.state, '', `${location.pathname}${location.search}${hash ? `#${hash}` : ''}`);
      for (const listener of listeners) listener(current);
    },
    onChange: (listener) => { listeners.push(listener); },
  };
}

/** Binds a checkbox to one boolean choice, both ways. */
export function bindCheckbox(box: HTMLInputElement, options: FrameOptions, key: 'internals' | 'merge'): void {
  box.checked = options.get()[key];
  box.addEventListener('change', () => options.set({ [key]: box.checked }));
  options.onChange((o) => { box.checked = o[key]; });
}
