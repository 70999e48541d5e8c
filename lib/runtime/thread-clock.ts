// The calling thread's own CPU time (native/thread_clock.cc,
// CLOCK_THREAD_CPUTIME_ID): what a stage of work cost this thread, without
// other threads (GC helpers, the compiler) and without preemption.
// process.cpuUsage() is process-wide, and Node 20 has no process.threadCpuUsage().
import { nativeNamespace } from '../core/native';

/** `native.threadClock`. */
interface ThreadClockBinding {
  /** ns; NaN where the clock is unsupported. */
  cpuNs(): number;
}

const binding = nativeNamespace<ThreadClockBinding>('threadClock');

/** CPU time of the calling thread so far, ns (NaN where unsupported). */
export function threadCpuNs(): number {
  return binding.cpuNs();
}
