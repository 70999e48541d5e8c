// GC prologue/epilogue tracking. Each completed GC becomes one record in a
// preallocated ring buffer of doubles (oldest overwritten); cumulative counters
// and pause histograms per GC kind survive overwrites. The callbacks allocate
// nothing, take no locks and never call JS or N-API: they write numbers, and at
// most wake the event loop through uv_async_send when JS asked to be notified.
#pragma once

#include <napi.h>
#include <uv.h>
#include <v8-isolate.h>

#include <cstdint>
#include <memory>

#include "heap_stats.h"
#include "pause_histogram.h"
#include "v8_compat.h"

namespace allocscope {

// Record layout (doubles): header fields, then 4 arrays of `space_count` values.
enum GcRecordField : uint32_t {
  kRecSeq = 0,
  kRecType,      // v8::GCType bits (= perf_hooks detail.kind)
  kRecFlags,     // v8::GCCallbackFlags bits (= perf_hooks detail.flags)
  kRecDepth,     // 0 for a top-level GC, 1+ when nested in another GC's callbacks
  kRecStartNs,   // uv_hrtime() - origin, at the end of the prologue
  kRecPauseNs,   // epilogue - prologue
  kRecExternalBefore,
  kRecExternalAfter,
  kRecHeader,    // count of header fields; spaces follow
};

// Counters layout (doubles), then per kind kKindFields values, then histograms.
enum GcCounterField : uint32_t {
  kCntElapsedNs = 0,
  kCntRecordsTotal,
  kCntUnmatchedEpilogues,
  kCntNestingOverflows,
  kCntMaxDepth,
  kCntPromotedBytes,
  kCntYoungBytesBefore,
  kCntTopLevelPauseNs,  // pauses of depth-0 GCs only: nested ones are inside them
  kCntHeader,
};
enum GcKindField : uint32_t { kKindCount = 0, kKindTotalNs, kKindMaxNs, kKindFreedBytes, kKindFields };

class GcTracker {
 public:
  GcTracker(napi_env env, v8::Isolate* isolate, const HeapStatsReader& stats);
  ~GcTracker();
  GcTracker(const GcTracker&) = delete;
  GcTracker& operator=(const GcTracker&) = delete;

  bool Start(size_t capacity);  // false if already running
  bool Stop();                  // false if not running
  bool running() const { return running_; }
  size_t record_width() const { return kRecHeader + 4 * space_count_; }

  static Napi::Value StartBinding(const Napi::CallbackInfo& info);
  static Napi::Value StopBinding(const Napi::CallbackInfo& info);
  static Napi::Value ReadBinding(const Napi::CallbackInfo& info);
  static Napi::Value CountersBinding(const Napi::CallbackInfo& info);
  static Napi::Value SetNotifyBinding(const Napi::CallbackInfo& info);
  static Napi::Value SimulateBinding(const Napi::CallbackInfo& info);

 private:
  static constexpr size_t kMaxDepth = 8;
  struct Pending {
    v8::GCType type;
    uint32_t flags;
    uint64_t start_ns;
    double external_before;
    double used_before[kMaxSpaces];
    double committed_before[kMaxSpaces];
  };
  struct NotifyHandle;  // uv_async_t + cleanup hook, outlives the tracker if needed

  static void OnPrologue(v8::Isolate* isolate, v8::GCType type, v8::GCCallbackFlags flags, void* data);
  static void OnEpilogue(v8::Isolate* isolate, v8::GCType type, v8::GCCallbackFlags flags, void* data);
  void Begin(v8::GCType type, uint32_t flags);
  void End(v8::GCType type, uint32_t flags);
  void Accumulate(const Pending& p, const double* record, uint64_t pause_ns);
  void ResetCounters();

  void EnableNotify(Napi::Function fn);
  void DisableNotify();
  void CallNotify();
  static void OnAsync(uv_async_t* handle);
  static void OnAsyncCleanup(napi_async_cleanup_hook_handle hook, void* arg);

  napi_env env_;
  v8::Isolate* isolate_;
  const HeapStatsReader& stats_;
  const size_t space_count_;
  int old_space_ = -1, lo_space_ = -1, new_space_ = -1, new_lo_space_ = -1;

  bool running_ = false;
  uint64_t origin_ns_ = 0;
  uint64_t stopped_ns_ = 0;

  // Ring buffer of records (capacity_ * record_width() doubles), not zero-filled.
  std::unique_ptr<double[]> ring_;
  size_t capacity_ = 0;
  uint64_t next_seq_ = 0;

  Pending stack_[kMaxDepth];
  size_t depth_ = 0;
  size_t skipped_ = 0;  // prologues dropped for overflow, whose epilogues are pending

  // Cumulative counters (see GcCounterField / GcKindField).
  double unmatched_ = 0, overflows_ = 0, max_depth_ = 0, promoted_ = 0, young_before_ = 0, top_level_ns_ = 0;
  double kind_[kGcKindCount][kKindFields] = {};
  uint64_t histogram_[kGcKindCount][kHistogramBuckets] = {};

  NotifyHandle* notify_ = nullptr;
  Napi::FunctionReference notify_fn_;
};

namespace gc_tracker {
// exports.gc: start(capacity), stop(), read(fromSeq), counters(), setNotify(fn),
// simulate(phase, type, flags), and `layout`, where things are in counters().
void Register(Napi::Env env, Napi::Object exports);
}  // namespace gc_tracker

}  // namespace allocscope
