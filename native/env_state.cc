#include "env_state.h"

#include "gc_tracker.h"
#include "heap_limit.h"
#include "heap_stats.h"
#include "malloc_profiler.h"
#include "namespace_object.h"
#include "pool.h"
#include "rss_sampler.h"
#include "sampler.h"

namespace allocscope {

LiveCounters& Live() {
  static LiveCounters counters;  // process-wide diagnostics only
  return counters;
}

EnvState::EnvState(napi_env env, v8::Isolate* isolate)
    : env(env),
      isolate(isolate),
      heap_stats(std::make_unique<HeapStatsReader>(isolate)),
      gc(std::make_unique<GcTracker>(env, isolate, *heap_stats)),
      sampler(std::make_unique<Sampler>(isolate)),
      rss(std::make_unique<RssSampler>()),
      heap_limit(std::make_unique<HeapLimitWatch>(env, isolate)) {
  Live().env_states.fetch_add(1);
}

EnvState::~EnvState() {
  Teardown();
  NativePool::DeleteAll(pools);
  Live().env_states.fetch_sub(1);
}

void EnvState::Teardown() {
  if (gc) gc->Stop();
  if (sampler) sampler->Stop();  // only stops V8's sampler if we started it
  if (rss) rss->Stop();          // joins the sampling thread
  if (heap_limit) heap_limit->Disarm();
  malloc_profiler::OnTeardown(env);  // the GOT is restored if this env started the profiler
}

namespace {
Napi::Value LiveCountersBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("envStates", Napi::Number::New(env, double(Live().env_states.load())));
  out.Set("gcCallbackPairs", Napi::Number::New(env, double(Live().gc_callback_pairs.load())));
  return out;
}
}  // namespace

void env_state::Register(Napi::Env env, Napi::Object exports) {
  NamespaceObject(env, exports, "envState").Function("liveCounters", LiveCountersBinding);
}

}  // namespace allocscope
