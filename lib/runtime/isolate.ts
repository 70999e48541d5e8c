// What belongs to the isolate as a whole (native/isolate_info.cc): the V8 the
// addon was built for (the running Node's), and a full collection on demand.
import { nativeNamespace } from '../core/native';

/** `native.isolate`. */
interface IsolateBinding {
  /** major.minor.build.patch of the V8 headers the addon was built against. */
  readonly v8Version: string;
  /** Full GCs until nothing more is freed (V8's low-memory notification), without --expose-gc. */
  collectGarbage(): void;
}

const binding = nativeNamespace<IsolateBinding>('isolate');

/** The V8 the addon was built for, e.g. "11.3.244.8". */
export const v8Version: string = binding.v8Version;

/** Collects garbage on the calling thread's isolate until nothing more is freed. */
export function collectGarbage(): void {
  binding.collectGarbage();
}
