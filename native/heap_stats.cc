#include "heap_stats.h"

#include <cstring>

#include "env_state.h"
#include "namespace_object.h"
#include "typed_array_util.h"

namespace allocscope {

namespace {
// The order of these names is the layout of the Float64Arrays: keep them in sync
// with the Fill* functions below. lib/heap.ts reads the names, not the positions.
const char* const kHeapFields[] = {
    "totalHeapSize",       "totalHeapSizeExecutable", "totalPhysicalSize",
    "totalAvailableSize",  "usedHeapSize",            "heapSizeLimit",
    "mallocedMemory",      "peakMallocedMemory",      "externalMemory",
    "numberOfNativeContexts", "numberOfDetachedContexts", "totalGlobalHandlesSize",
    "usedGlobalHandlesSize", "doesZapGarbage"};
const char* const kSpaceFields[] = {"spaceSize", "spaceUsedSize", "spaceAvailableSize",
                                    "physicalSpaceSize"};
const char* const kCodeFields[] = {"codeAndMetadataSize", "bytecodeAndMetadataSize",
                                   "externalScriptSourceSize", "cpuProfilerMetadataSize"};
constexpr size_t kHeapFieldCount = sizeof(kHeapFields) / sizeof(kHeapFields[0]);
constexpr size_t kSpaceFieldCount = sizeof(kSpaceFields) / sizeof(kSpaceFields[0]);
constexpr size_t kCodeFieldCount = sizeof(kCodeFields) / sizeof(kCodeFields[0]);

Napi::Array Names(Napi::Env env, const char* const* names, size_t count) {
  Napi::Array out = Napi::Array::New(env, count);
  for (size_t i = 0; i < count; i++) out.Set(i, Napi::String::New(env, names[i]));
  return out;
}
}  // namespace

HeapStatsReader::HeapStatsReader(v8::Isolate* isolate) : isolate_(isolate) {
  const size_t n = std::min(isolate->NumberOfHeapSpaces(), kMaxSpaces);
  space_names_.reserve(n);
  for (size_t i = 0; i < n; i++) {
    v8::HeapSpaceStatistics s;
    isolate->GetHeapSpaceStatistics(&s, i);
    space_names_.emplace_back(s.space_name() ? s.space_name() : "unknown");
  }
}

int HeapStatsReader::SpaceIndex(const char* name) const {
  for (size_t i = 0; i < space_names_.size(); i++) {
    if (space_names_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

void HeapStatsReader::ReadSpaces(double* used, double* committed) const {
  v8::HeapSpaceStatistics s;
  for (size_t i = 0; i < space_names_.size(); i++) {
    isolate_->GetHeapSpaceStatistics(&s, i);
    used[i] = static_cast<double>(s.space_used_size());
    committed[i] = static_cast<double>(s.space_size());
  }
}

double HeapStatsReader::ExternalBytes() const {
  // A zero adjustment only reads the counter (it never triggers a GC).
  return static_cast<double>(isolate_->AdjustAmountOfExternalAllocatedMemory(0));
}

Napi::Value HeapStatsReader::Layout(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvState* state = EnvState::From(env);
  Napi::Object out = Napi::Object::New(env);
  out.Set("heapFields", Names(env, kHeapFields, kHeapFieldCount));
  out.Set("spaceFields", Names(env, kSpaceFields, kSpaceFieldCount));
  out.Set("codeFields", Names(env, kCodeFields, kCodeFieldCount));
  const auto& spaces = state->heap_stats->space_names();
  Napi::Array names = Napi::Array::New(env, spaces.size());
  for (size_t i = 0; i < spaces.size(); i++) names.Set(i, Napi::String::New(env, spaces[i]));
  out.Set("spaceNames", names);
  return out;
}

Napi::Value HeapStatsReader::ReadHeap(const Napi::CallbackInfo& info) {
  double* out = Float64ArgOfAtLeast(info, 0, kHeapFieldCount);
  if (out == nullptr) return info.Env().Undefined();
  v8::HeapStatistics h;
  EnvState::From(info.Env())->isolate->GetHeapStatistics(&h);
  const double values[] = {
      double(h.total_heap_size()),        double(h.total_heap_size_executable()),
      double(h.total_physical_size()),    double(h.total_available_size()),
      double(h.used_heap_size()),         double(h.heap_size_limit()),
      double(h.malloced_memory()),        double(h.peak_malloced_memory()),
      double(h.external_memory()),        double(h.number_of_native_contexts()),
      double(h.number_of_detached_contexts()), double(h.total_global_handles_size()),
      double(h.used_global_handles_size()), double(h.does_zap_garbage())};
  static_assert(sizeof(values) / sizeof(values[0]) == kHeapFieldCount, "layout");
  std::memcpy(out, values, sizeof(values));
  return info.Env().Undefined();
}

Napi::Value HeapStatsReader::ReadSpaceStats(const Napi::CallbackInfo& info) {
  EnvState* state = EnvState::From(info.Env());
  const size_t n = state->heap_stats->space_count();
  double* out = Float64ArgOfAtLeast(info, 0, n * kSpaceFieldCount);
  if (out == nullptr) return info.Env().Undefined();
  v8::HeapSpaceStatistics s;
  for (size_t i = 0; i < n; i++) {
    state->isolate->GetHeapSpaceStatistics(&s, i);
    double* row = out + i * kSpaceFieldCount;
    row[0] = double(s.space_size());
    row[1] = double(s.space_used_size());
    row[2] = double(s.space_available_size());
    row[3] = double(s.physical_space_size());
  }
  return info.Env().Undefined();
}

Napi::Value HeapStatsReader::ReadCode(const Napi::CallbackInfo& info) {
  double* out = Float64ArgOfAtLeast(info, 0, kCodeFieldCount);
  if (out == nullptr) return info.Env().Undefined();
  v8::HeapCodeStatistics c;
  EnvState::From(info.Env())->isolate->GetHeapCodeAndMetadataStatistics(&c);
  out[0] = double(c.code_and_metadata_size());
  out[1] = double(c.bytecode_and_metadata_size());
  out[2] = double(c.external_script_source_size());
  out[3] = double(c.cpu_profiler_metadata_size());
  return info.Env().Undefined();
}

void heap_stats::Register(Napi::Env env, Napi::Object exports) {
  NamespaceObject(env, exports, "heapStats")
      .Function("layout", HeapStatsReader::Layout)
      .Function("readHeap", HeapStatsReader::ReadHeap)
      .Function("readSpaces", HeapStatsReader::ReadSpaceStats)
      .Function("readCode", HeapStatsReader::ReadCode);
}

}  // namespace allocscope
