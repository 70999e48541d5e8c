// Near-heap-limit capture: when V8 is about to fail with "JavaScript heap out of
// memory", write a capture (allocation profile, GC log, heap/RSS timeline) first.
// The addon (native/heap_limit.cc) raises the limit to the heap's size (or the
// old limit, if larger) plus `headroomBytes` at V8's near-heap-limit callback,
// runs the writer from an interrupt outside the GC, then restores the limit:
// the program fails as it would have, capture written.
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import { writeCapture } from '../capture/file';
import { CaptureRecorder } from './recorder';
import { AllocscopeError, typeError } from '../core/errors';
import { nativeNamespace } from '../core/native';
import { resolveOptions } from '../core/options';
import { SAMPLER_DEFAULTS, SAMPLER_SCHEMA } from '../sampler/options';

export interface NearHeapLimitOptions {
  /** Where the capture is written. Default `allocscope-near-heap-limit-<pid>-<threadId>.allocscope` in the working directory. */
  path?: string;
  /** Heap granted while the capture is written, bytes; V8 gets it again if the writing needs more. Default 64 MiB. */
  headroomBytes?: number;
  /** What the profile shows: 'live' (default: what is still alive when the heap runs out) or 'allocated'. */
  mode?: 'live' | 'allocated';
  /** Mean bytes between samples. Default: the sampler's, 512 KiB. */
  intervalBytes?: number;
}

/** What an armed near-heap-limit capture has done so far. */
export interface NearHeapLimitState {
  armed: boolean;
  /** V8 reported the heap near its limit. */
  fired: boolean;
  /** The capture was written (or the writer failed: see `error`). */
  written: boolean;
  /** The heap limit when it fired, and the one V8 started with, bytes (0 before). */
  heapLimitBytes: number;
  initialHeapLimitBytes: number;
  /** Times the limit was raised for the writing. */
  extensions: number;
  /** The writer's failure, if any. */
  error: string | null;
}

export interface NearHeapLimitCapture {
  readonly path: string;
  state(): NearHeapLimitState;
  /** Disarms and stops recording; a no-op the second time. */
  stop(): void;
  [Symbol.dispose](): void;
}

const DEFAULTS: Required<NearHeapLimitOptions> = { path: '', headroomBytes: 64 * 1024 * 1024, mode: SAMPLER_DEFAULTS.mode, intervalBytes: SAMPLER_DEFAULTS.intervalBytes };
const SCHEMA = {
  path: { kind: 'any' },
  headroomBytes: { kind: 'integer', min: 1024 * 1024, max: 2 ** 40 },
  mode: SAMPLER_SCHEMA.mode,
  intervalBytes: SAMPLER_SCHEMA.intervalBytes,
} as const;

/** `native.heapLimit`: native/heap_limit.cc. */
interface HeapLimitBinding {
  /** writer(heapLimitBytes, initialHeapLimitBytes) runs once, from an interrupt outside GC. False when armed already. */
  arm(writer: (heapLimitBytes: number, initialHeapLimitBytes: number) => void, headroomBytes: number): boolean;
  disarm(): boolean;
  state(): { armed: boolean; fired: boolean; written: boolean; heapLimitBytes: number; initialHeapLimitBytes: number; extensions: number };
}
const heapLimitBinding = nativeNamespace<HeapLimitBinding>('heapLimit');

/**
 * Arms the addon's near-heap-limit callback for this thread: `write` runs once,
 * synchronously, when V8 nears the limit. Throws ERR_ALLOCSCOPE_ALREADY_STARTED
 * when armed already. Returns the function that disarms it.
 */
export function armNearHeapLimit(write: (limits: { heapLimitBytes: number; initialHeapLimitBytes: number }) => void, headroomBytes: number): () => void {
  const armed = heapLimitBinding.arm((heapLimitBytes, initialHeapLimitBytes) => write({ heapLimitBytes, initialHeapLimitBytes }), headroomBytes);
  if (!armed) throw new AllocscopeError('ERR_ALLOCSCOPE_ALREADY_STARTED', 'a near-heap-limit capture is armed already on this thread; stop() it first');
  return () => { heapLimitBinding.disarm(); };
}

/**
 * Records a capture from now on (sampler, GC tracking, timeline) and writes it when
 * the heap nears its limit. One per thread; workers each arm their own.
 */
export function captureNearHeapLimit(options?: NearHeapLimitOptions): NearHeapLimitCapture {
  const o = resolveOptions('leaks.captureNearHeapLimit()', options, DEFAULTS, SCHEMA);
  if (typeof o.path !== 'string') throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `leaks.captureNearHeapLimit(): path must be a string, got ${typeof o.path}`);
  const file = path.resolve(o.path || `allocscope-near-heap-limit-${process.pid}-${threadId}.allocscope`);
  const recorder = CaptureRecorder.withCheckedOptions({ mode: o.mode, intervalBytes: o.intervalBytes }).start();
  let error: string | null = null;
  let disarm: () => void;
  try {
    disarm = armNearHeapLimit((limits) => {
      try {
        writeCapture(file, recorder.snapshot('near-heap-limit', limits));
      } catch (e) {
        error = (e as Error).message;
      }
    }, o.headroomBytes);
  } catch (e) {
    recorder.stop();
    throw e;
  }
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    disarm();
    recorder.stop();
  };
  return {
    path: file,
    state: () => ({ ...heapLimitBinding.state(), error }),
    stop,
    [Symbol.dispose]: stop,
  };
}
