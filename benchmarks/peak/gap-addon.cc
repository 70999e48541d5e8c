// The reference the peak watch's collections are held to: V8's own
// GetAllocationProfile, timed alone (creation and deletion of the profile, not
// the walk that counts its size), on the sampler allocscope already started in
// this isolate. Built by run.js with the running node's headers.
#include <node_api.h>
#include <v8-isolate.h>
#include <v8-profiler.h>

#include <chrono>
#include <memory>

namespace {

size_t CountNodes(const v8::AllocationProfile::Node* node) {
  size_t n = 1;
  for (const auto* child : node->children) n += CountNodes(child);
  return n;
}

napi_value Set(napi_env env, napi_value obj, const char* key, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, obj, key, v);
  return obj;
}

// time() → { ms, nodes, samples }, or undefined when no sampler runs.
napi_value Time(napi_env env, napi_callback_info) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  std::unique_ptr<v8::AllocationProfile> profile(isolate->GetHeapProfiler()->GetAllocationProfile());
  const auto t1 = Clock::now();
  napi_value out;
  napi_get_undefined(env, &out);
  if (!profile) return out;
  const double nodes = double(CountNodes(profile->GetRootNode()));
  const double samples = double(profile->GetSamples().size());
  const auto t2 = Clock::now();
  profile.reset();
  const auto t3 = Clock::now();
  const double ms = std::chrono::duration<double, std::milli>((t1 - t0) + (t3 - t2)).count();
  napi_create_object(env, &out);
  Set(env, out, "ms", ms);
  Set(env, out, "nodes", nodes);
  Set(env, out, "samples", samples);
  return out;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "time", NAPI_AUTO_LENGTH, Time, nullptr, &fn);
  napi_set_named_property(env, exports, "time", fn);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
