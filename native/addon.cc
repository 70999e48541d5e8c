// Registers every concern's bindings and creates the per-environment state.
// Nothing else belongs here.
#include <napi.h>

#include <string>

#include <node_version.h>
#include <v8-version.h>

#include "call_loop.h"
#include "env_state.h"
#include "gc_tracker.h"
#include "heap_limit.h"
#include "heap_stats.h"
#include "malloc_stats.h"
#include "pool.h"
#include "rss_sampler.h"
#include "sampler.h"
#include "snapshot.h"
#include "thread_clock.h"

namespace allocscope {

namespace {
void CleanupHook(void* arg) { static_cast<EnvState*>(arg)->Teardown(); }

Napi::Value LiveCountersBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("envStates", Napi::Number::New(env, double(Live().env_states.load())));
  out.Set("gcCallbackPairs", Napi::Number::New(env, double(Live().gc_callback_pairs.load())));
  return out;
}

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

  exports.Set("heapLayout", Napi::Function::New(env, HeapStatsReader::Layout));
  exports.Set("readHeap", Napi::Function::New(env, HeapStatsReader::ReadHeap));
  exports.Set("readSpaces", Napi::Function::New(env, HeapStatsReader::ReadSpaceStats));
  exports.Set("readCode", Napi::Function::New(env, HeapStatsReader::ReadCode));
  exports.Set("gcStart", Napi::Function::New(env, GcTracker::StartBinding));
  exports.Set("gcStop", Napi::Function::New(env, GcTracker::StopBinding));
  exports.Set("gcRead", Napi::Function::New(env, GcTracker::ReadBinding));
  exports.Set("gcCounters", Napi::Function::New(env, GcTracker::CountersBinding));
  exports.Set("gcSetNotify", Napi::Function::New(env, GcTracker::SetNotifyBinding));
  exports.Set("gcSimulate", Napi::Function::New(env, GcTracker::SimulateBinding));
  exports.Set("samplerStart", Napi::Function::New(env, Sampler::StartBinding));
  exports.Set("samplerStop", Napi::Function::New(env, Sampler::StopBinding));
  exports.Set("samplerCollect", Napi::Function::New(env, Sampler::CollectBinding));
  exports.Set("samplerFold", Napi::Function::New(env, Sampler::FoldBinding));
  exports.Set("collectGarbage", Napi::Function::New(env, Sampler::CollectGarbageBinding));
  exports.Set("rssStart", Napi::Function::New(env, RssSampler::StartBinding));
  exports.Set("rssStop", Napi::Function::New(env, RssSampler::StopBinding));
  exports.Set("rssRead", Napi::Function::New(env, RssSampler::ReadBinding));
  exports.Set("poolCreate", Napi::Function::New(env, NativePool::CreateBinding));
  exports.Set("poolAlloc", Napi::Function::New(env, NativePool::AllocBinding));
  exports.Set("poolRelease", Napi::Function::New(env, NativePool::ReleaseBinding));
  exports.Set("poolStats", Napi::Function::New(env, NativePool::StatsBinding));
  exports.Set("poolClose", Napi::Function::New(env, NativePool::CloseBinding));
  exports.Set("readMalloc", Napi::Function::New(env, ReadMallocStats));
  exports.Set("callRepeatedly", Napi::Function::New(env, CallRepeatedlyBinding));
  exports.Set("snapshotAnalyze", Napi::Function::New(env, SnapshotAnalyzer::AnalyzeBinding));
  exports.Set("heapLimitArm", Napi::Function::New(env, HeapLimitWatch::ArmBinding));
  exports.Set("heapLimitDisarm", Napi::Function::New(env, HeapLimitWatch::DisarmBinding));
  exports.Set("heapLimitState", Napi::Function::New(env, HeapLimitWatch::StateBinding));
  exports.Set("threadCpuNs", Napi::Function::New(env, ThreadCpuNsBinding));
  exports.Set("liveCounters", Napi::Function::New(env, LiveCountersBinding));

  Napi::Object constants = Napi::Object::New(env);
  constants.Set("histogramBuckets", Napi::Number::New(env, kHistogramBuckets));
  constants.Set("histogramSubBits", Napi::Number::New(env, kHistogramSubBits));
  constants.Set("gcKindCount", Napi::Number::New(env, kGcKindCount));
  constants.Set("gcKindFields", Napi::Number::New(env, kKindFields));
  constants.Set("gcCounterHeader", Napi::Number::New(env, kCntHeader));
  Napi::Array kinds = Napi::Array::New(env, kGcKindCount);
  for (uint32_t k = 0; k < kGcKindCount; k++) kinds.Set(k, Napi::String::New(env, GcKindName(k)));
  constants.Set("gcKindNames", kinds);
  constants.Set("v8Version", Napi::String::New(env, std::to_string(V8_MAJOR_VERSION) + "." + std::to_string(V8_MINOR_VERSION) + "." + std::to_string(V8_BUILD_NUMBER) + "." + std::to_string(V8_PATCH_LEVEL)));
  constants.Set("sampleLiveness", Napi::Boolean::New(env, kSampleLiveness));
  constants.Set("snapshot", SnapshotAnalyzer::Constants(env));
  exports.Set("constants", constants);
  return exports;
}

}  // namespace allocscope

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return allocscope::Init(env, exports);
}

NODE_API_MODULE(allocscope, InitAddon)
