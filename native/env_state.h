// Per-environment (per isolate / worker thread) state. One instance is created
// when the addon is loaded into an environment, stored as N-API instance data,
// and handed to V8 callbacks as their `data` pointer. Nothing lives in statics.
#pragma once

#include <napi.h>
#include <v8-isolate.h>

#include <atomic>
#include <memory>

#include "pool.h"

namespace allocscope {

class GcTracker;
class HeapLimitWatch;
class HeapStatsReader;
class Sampler;
class RssSampler;

struct EnvState {
  explicit EnvState(napi_env env, v8::Isolate* isolate);
  ~EnvState();
  EnvState(const EnvState&) = delete;
  EnvState& operator=(const EnvState&) = delete;

  // Called from the env cleanup hook: detach from V8 while the isolate lives.
  void Teardown();

  napi_env env;
  v8::Isolate* isolate;
  std::unique_ptr<HeapStatsReader> heap_stats;
  std::unique_ptr<GcTracker> gc;
  std::unique_ptr<Sampler> sampler;
  std::unique_ptr<RssSampler> rss;
  std::unique_ptr<HeapLimitWatch> heap_limit;
  PoolRegistry pools;  // owns the env's native pools: see NativePool::DeleteAll

  static EnvState* From(const Napi::Env& env) { return env.GetInstanceData<EnvState>(); }
};

// Process-wide diagnostics (not per-isolate state): how many EnvStates and GC
// callback registrations exist, so that tests can prove teardown leaves none.
struct LiveCounters {
  std::atomic<int64_t> env_states{0};
  std::atomic<int64_t> gc_callback_pairs{0};
};
LiveCounters& Live();

namespace env_state {
// exports.envState: liveCounters() -> { envStates, gcCallbackPairs }.
void Register(Napi::Env env, Napi::Object exports);
}  // namespace env_state

}  // namespace allocscope
