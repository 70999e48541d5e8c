// A capture's meta: which process, when, and why it was captured. Part of the
// capture format (capture.ts). Kept apart, with no Node import, so that the HTML
// report's page (tsconfig.client.json, no Node types) can use it; capture.ts
// re-exports it.
import type { InliningState } from '../sampler/inlining-state';

export interface CaptureMeta {
  node: string;
  v8: string;
  platform: string;
  arch: string;
  pid: number;
  /** The program's argv (script and arguments). */
  argv: string[];
  cwd: string;
  startTimeMs: number;
  endTimeMs: number;
  /** What made this capture: the program's end, a signal, SIGUSR2, or an API call. */
  reason: 'exit' | 'SIGINT' | 'SIGTERM' | 'SIGUSR2' | 'api' | 'near-heap-limit';
  /** reason 'near-heap-limit': V8's heap limit when it ran out, and the limit it started with, bytes. */
  heapLimitBytes?: number;
  initialHeapLimitBytes?: number;
  exitCode?: number | null;
  /**
   * V8's inlining during the run: `off` when neither Turbofan nor Maglev inlined
   * (`allocscope run`'s default, or the program's own flags), so that each
   * allocation is charged to the function that made it; `on` when V8 inlined (an
   * inlined function's allocations then count at its caller). Absent in older captures.
   */
  inlining?: InliningState;
  /** The options the recorder ran with. */
  options: Record<string, unknown>;
}
