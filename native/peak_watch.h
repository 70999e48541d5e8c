// Moments of the live heap for the live-mode sampler: what was alive at the
// high-water mark, and at points over the run.
//
// After each GC that sets a new high of the used heap, or when a period has passed
// since the last moment, the GC epilogue asks V8 for an interrupt; there, on the isolate's thread and outside the GC, V8's live
// profile is folded into a moment. An interrupt, not the event loop: a batch job
// that builds and drops a structure within one synchronous call never yields.
// Scavenges count, not only major GCs: a structure built between two major GCs is
// seen whole at the last scavenge before it is dropped. A moment holds what the heap
// held after its GC: after a scavenge, old objects that died since the last major GC
// are still in it (V8 has not looked at them yet), as they are in the used heap.
//
// Moments share one frame tree; each keeps the self bytes/count of its nonzero
// nodes. Bounded: past `max_moments` every other moment is dropped (never the
// peak's, never the newest), so memory grows by one moment per major GC at most
// and is capped. The collections are rate-limited so that they take at most
// `budget` of wall time: a credit of time grows by `budget` × elapsed time (from
// kBurstMs at start, capped there) and each collection spends what it took; none
// runs while the credit is spent. A burst is what catches a peak built in a few
// hundred ms; a fixed cool-down after each collection missed it.
#pragma once

#include <napi.h>
#include <v8-isolate.h>

#include <cstdint>
#include <vector>

#include "sampler.h"

namespace allocscope {

class PeakWatch {
 public:
  struct Settings {
    double budget = 0.01;          // share of wall time the collections may take
    double period_ms = 1000;       // a moment at least this often (at the next GC)
    size_t max_moments = 240;      // kept; the oldest half thinned past it
    double min_growth_bytes = 1 << 20;  // a new high is this much (or 1 %) above the peak
  };

  explicit PeakWatch(v8::Isolate* isolate) : isolate_(isolate) {}
  ~PeakWatch();
  PeakWatch(const PeakWatch&) = delete;
  PeakWatch& operator=(const PeakWatch&) = delete;

  // Clears the moments and watches GCs. `known`: the sampler's (see KnownFrames).
  void Start(const Settings& settings, KnownFrames* known);
  // Forgets the moments (not the tree) and the peak so far: the next GC starts a new
  // period's peak (continuous mode's per-period high-water mark).
  void NewPeriod();
  // Stops watching; the moments stay readable until the next Start().
  void Stop();
  bool running() const { return running_; }

  // { tree: { strings, frames, nodes }, moments: { atMs, usedBytes, offset, node,
  //   bytes, count }, peak, figures } or undefined when values cannot be created.
  Napi::Value Export(Napi::Env env) const;

 private:
  struct InterruptToken {
    PeakWatch* watch;
  };
  struct Moment {
    double at_ms;       // since Start()
    double used_bytes;  // the used heap after the GC that called for it
    bool major;         // that GC was a mark-compact (the used heap is the live set then)
    uint32_t offset, length;  // into node_/bytes_/count_
  };

  static void OnEpilogue(v8::Isolate* isolate, v8::GCType type, v8::GCCallbackFlags flags, void* data);
  static void OnInterrupt(v8::Isolate* isolate, void* data);
  void Collect();
  void Thin();
  size_t PeakIndex() const;
  double NowMs() const;

  v8::Isolate* isolate_;
  Settings settings_;
  bool running_ = false;
  uint64_t origin_ns_ = 0;
  // Set in the epilogue (no allocation there beyond V8's own interrupt queue).
  InterruptToken* token_ = nullptr;  // owned, unless V8 holds it for a pending interrupt
  bool requested_ = false;
  bool stale_request_ = false;  // requested before the last Start(): its candidate is the old session's
  double candidate_used_ = 0, candidate_at_ = 0;
  bool candidate_major_ = false;
  static constexpr double kBurstMs = 20;
  double credit_ms_ = kBurstMs, credit_at_ms_ = 0;
  double highest_used_ = 0, highest_at_ = 0;  // the highest used heap after any GC
  double peak_used_ = 0;                      // the used heap of the peak moment
  double last_moment_at_ = -1e300;
  // Figures.
  double gcs_ = 0, major_gcs_ = 0, collections_ = 0, cost_ms_ = 0, max_cost_ms_ = 0, rate_limited_ = 0, thinned_ = 0;
  // Each collection's GetAllocationProfile timed apart from our own part (fold + store), in thread CPU time.
  double gap_cpu_ms_ = 0, own_cpu_ms_ = 0, max_own_cpu_ms_ = 0, max_own_over_gap_ = 0, own_over_gap_ = 0;

  ProfileTree tree_;
  KnownFrames* known_ = nullptr;
  std::vector<Moment> moments_;
  std::vector<uint32_t> node_;
  std::vector<double> bytes_, count_;
};

}  // namespace allocscope
