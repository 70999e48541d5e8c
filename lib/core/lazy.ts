// Loading on demand: an export whose module is required the first time it is read.
// `require('allocscope')` then costs only what the program uses (a program that
// calls gc.start() never loads the reporters, leaks, continuous mode or jstat).

/**
 * Replaces `target[name]` with a getter that loads the value once, then keeps
 * it as a plain property. The name must already be assigned on `target` (the
 * compiled `exports.name = void 0`), so that Node's ESM loader sees it as a
 * named export.
 */
export function defineLazy(target: object, name: string, load: () => unknown): void {
  Object.defineProperty(target, name, {
    configurable: true,
    enumerable: true,
    get() {
      const value = load();
      Object.defineProperty(target, name, { value, enumerable: true, writable: false, configurable: false });
      return value;
    },
  });
}
