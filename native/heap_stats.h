// V8 heap, space and code statistics, written as plain numbers into a caller's
// Float64Array: no JS objects are created per call.
#pragma once

#include <napi.h>
#include <v8-isolate.h>
#include <v8-statistics.h>

#include <string>
#include <vector>

namespace allocscope {

constexpr size_t kMaxSpaces = 16;

class HeapStatsReader {
 public:
  explicit HeapStatsReader(v8::Isolate* isolate);

  size_t space_count() const { return space_names_.size(); }
  const std::vector<std::string>& space_names() const { return space_names_; }
  // Index of a space by V8's name, or -1. Used to find old/new spaces for promotion.
  int SpaceIndex(const char* name) const;

  // Hot path (GC callbacks): used and committed bytes per space. No allocation.
  void ReadSpaces(double* used, double* committed) const;
  // External (ArrayBuffer/Buffer backing store) bytes V8 accounts for. No allocation.
  double ExternalBytes() const;

  // N-API bindings.
  static Napi::Value Layout(const Napi::CallbackInfo& info);
  static Napi::Value ReadHeap(const Napi::CallbackInfo& info);
  static Napi::Value ReadSpaceStats(const Napi::CallbackInfo& info);
  static Napi::Value ReadCode(const Napi::CallbackInfo& info);

 private:
  v8::Isolate* isolate_;
  std::vector<std::string> space_names_;
};

namespace heap_stats {
// exports.heapStats: layout(), readHeap(out), readSpaces(out), readCode(out).
void Register(Napi::Env env, Napi::Object exports);
}  // namespace heap_stats

}  // namespace allocscope
