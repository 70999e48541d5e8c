// Registers every concern's bindings and creates the per-environment state.
// Nothing else belongs here.
#include <napi.h>

#include <string>

#include <node_version.h>

#include "call_loop.h"
#include "env_state.h"
#include "gc_tracker.h"
#include "heap_limit.h"
#include "heap_stats.h"
#include "isolate_info.h"
#include "malloc_profiler.h"
#include "malloc_stats.h"
#include "pool.h"
#include "rss_sampler.h"
#include "sampler.h"
#include "snapshot.h"
#include "thread_clock.h"

namespace allocscope {

namespace {
void CleanupHook(void* arg) { static_cast<EnvState*>(arg)->Teardown(); }

// The addon speaks V8's C++ API, whose ABI changes with every Node major, yet it
// registers through Node-API, which Node loads into any version. A build made
// for another major would crash at its first V8 call: refuse it here instead.
bool BuiltForThisNode(Napi::Env env) {
  const napi_node_version* running = nullptr;
  if (napi_get_node_version(env, &running) != napi_ok || running == nullptr) return true;
  if (running->major == NODE_MAJOR_VERSION) return true;
  Napi::Error error = Napi::Error::New(env,
      "allocscope: this addon was built for Node " + std::to_string(NODE_MAJOR_VERSION) + " (ABI " +
      std::to_string(NODE_MODULE_VERSION) + ") but runs on Node " + std::to_string(running->major) +
      "; reinstall allocscope (npm rebuild allocscope) with the Node you run");
  error.Set("code", Napi::String::New(env, "ERR_ALLOCSCOPE_ABI_MISMATCH"));
  error.ThrowAsJavaScriptException();
  return false;
}
}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  if (!BuiltForThisNode(env)) return exports;
  auto* state = new EnvState(env, v8::Isolate::GetCurrent());
  env.SetInstanceData<EnvState>(state);  // deleted by N-API when the env goes away
  // Detach from V8 while the isolate is still alive (before instance data is freed).
  napi_add_env_cleanup_hook(env, CleanupHook, state);

  // Each concern puts its bindings under exports.<its namespace>.
  env_state::Register(env, exports);
  isolate_info::Register(env, exports);
  heap_stats::Register(env, exports);
  gc_tracker::Register(env, exports);
  sampler::Register(env, exports);
  rss_sampler::Register(env, exports);
  pool::Register(env, exports);
  malloc_stats::Register(env, exports);
  malloc_profiler::Register(env, exports);
  snapshot::Register(env, exports);
  heap_limit::Register(env, exports);
  thread_clock::Register(env, exports);
  call_loop::Register(env, exports);
  return exports;
}

}  // namespace allocscope

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return allocscope::Init(env, exports);
}

NODE_API_MODULE(allocscope, InitAddon)
