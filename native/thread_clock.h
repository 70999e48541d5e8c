// The calling thread's own CPU time (CLOCK_THREAD_CPUTIME_ID): what a stage of
// work cost the event-loop thread, without other threads (GC helpers, the
// compiler, the thread pool) and without preemption. process.cpuUsage() is
// process-wide, and Node 20 has no process.threadCpuUsage().
#pragma once
#include <napi.h>

namespace allocscope {
// threadClock.cpuNs() -> nanoseconds of CPU time of the calling thread (NaN where unsupported).
Napi::Value ThreadCpuNsBinding(const Napi::CallbackInfo& info);
namespace thread_clock {
// exports.threadClock: cpuNs().
void Register(Napi::Env env, Napi::Object exports);
}  // namespace thread_clock

}  // namespace allocscope
