// The malloc profiler's bindings (exports.mallocProfiler): start and stop the
// hooks, and collect the sampled stacks as a profile tree, symbolized here on the
// JS thread (never inside a hook). One profiler per process: the GOT is shared.
#pragma once

#include <napi.h>

namespace allocscope {
namespace malloc_profiler {
// An environment going away stops the profiler if it is the one that started it.
void OnTeardown(napi_env env);
void Register(Napi::Env env, Napi::Object exports);
}  // namespace malloc_profiler
}  // namespace allocscope
