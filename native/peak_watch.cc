#include "peak_watch.h"

#include <uv.h>
#include <v8-statistics.h>

#include <algorithm>
#include <memory>

#include "thread_cpu.h"
#include "typed_array_util.h"
#include "v8_compat.h"

namespace allocscope {

PeakWatch::~PeakWatch() {
  Stop();
  if (token_ != nullptr) {
    if (requested_) token_->watch = nullptr;  // V8 holds it: a late interrupt finds nothing to do
    else delete token_;
  }
}

double PeakWatch::NowMs() const { return double(uv_hrtime() - origin_ns_) / 1e6; }

void PeakWatch::Start(const Settings& settings, KnownFrames* known) {
  Stop();
  settings_ = settings;
  known_ = known;
  origin_ns_ = uv_hrtime();
  tree_.Clear();
  moments_.clear();
  node_.clear();
  bytes_.clear();
  count_.clear();
  credit_ms_ = kBurstMs;
  credit_at_ms_ = 0;
  highest_used_ = highest_at_ = peak_used_ = 0;
  last_moment_at_ = -1e300;
  gcs_ = major_gcs_ = collections_ = cost_ms_ = max_cost_ms_ = rate_limited_ = thinned_ = 0;
  gap_cpu_ms_ = own_cpu_ms_ = max_own_cpu_ms_ = max_own_over_gap_ = own_over_gap_ = 0;
  if (token_ == nullptr) token_ = new InterruptToken{this};  // allocated here, never in a callback
  stale_request_ = requested_;  // V8 still holds the token: that interrupt must not collect for this session
  isolate_->AddGCEpilogueCallback(OnEpilogue, this, kAllGcTypes);
  running_ = true;
}

void PeakWatch::NewPeriod() {
  moments_.clear();
  node_.clear();
  bytes_.clear();
  count_.clear();
  peak_used_ = 0;
}

void PeakWatch::Stop() {
  if (!running_) return;
  isolate_->RemoveGCEpilogueCallback(OnEpilogue, this);
  running_ = false;
}

// Inside a GC: no JS, no JS heap; reading the statistics allocates nothing, and
// RequestInterrupt only queues (data, callback) in V8's own interrupt queue.
void PeakWatch::OnEpilogue(v8::Isolate*, v8::GCType type, v8::GCCallbackFlags, void* data) {
  // Only collections: incremental marking steps and weak callbacks change no totals.
  const GcKind kind = GcKindOf(type);
  if (kind != kGcKindScavenge && kind != kGcKindMinor && kind != kGcKindMarkSweepCompact) return;
  auto* self = static_cast<PeakWatch*>(data);
  const bool major = kind == kGcKindMarkSweepCompact;
  self->gcs_++;
  if (major) self->major_gcs_++;
  if (self->requested_) return;  // the previous one has not run yet
  v8::HeapStatistics stats;
  self->isolate_->GetHeapStatistics(&stats);
  const double used = double(stats.used_heap_size());
  const double now = self->NowMs();
  if (used > self->highest_used_) {
    self->highest_used_ = used;
    self->highest_at_ = now;
  }
  const double growth = std::max(self->settings_.min_growth_bytes, self->peak_used_ * 0.01);
  const bool new_high = used > self->peak_used_ + growth;
  const bool due = now - self->last_moment_at_ >= self->settings_.period_ms;
  if (!new_high && !due) return;
  self->credit_ms_ = std::min(kBurstMs, self->credit_ms_ + (now - self->credit_at_ms_) * self->settings_.budget);
  self->credit_at_ms_ = now;
  if (self->credit_ms_ <= 0) {
    if (new_high) self->rate_limited_++;
    return;
  }
  self->candidate_used_ = used;
  self->candidate_at_ = now;
  self->candidate_major_ = major;
  self->requested_ = true;
  self->isolate_->RequestInterrupt(OnInterrupt, self->token_);
}

void PeakWatch::OnInterrupt(v8::Isolate*, void* data) {
  auto* token = static_cast<InterruptToken*>(data);
  PeakWatch* self = token->watch;
  if (self == nullptr) {
    delete token;  // its watch went away while V8 held it
    return;
  }
  self->requested_ = false;
  if (self->stale_request_) {
    self->stale_request_ = false;
    return;
  }
  if (self->running_) self->Collect();
}

// On the isolate's thread, between two JS operations, outside any GC.
void PeakWatch::Collect() {
  const uint64_t t0 = uv_hrtime();
  // V8's GetAllocationProfile and our own part, in this thread's CPU time: the comparison is
  // of work done, which a preempted thread's wall time would blur on a loaded machine.
  const double cpu0 = ThreadCpuMs();
  double cpu_gap = 0;
  {
    v8::HandleScope scope(isolate_);
    std::unique_ptr<v8::AllocationProfile> profile(isolate_->GetHeapProfiler()->GetAllocationProfile());
    cpu_gap = ThreadCpuMs() - cpu0;
    if (!profile) return;  // the sampler was stopped (heap.stop(), or someone else)
    tree_.ZeroTotals();
    tree_.Fold(isolate_, profile.get(), known_);
  }
  Moment m{candidate_at_, candidate_used_, candidate_major_, uint32_t(node_.size()), 0};
  for (size_t i = 0; i < tree_.node_count(); i++) {
    if (tree_.self_count(i) <= 0) continue;
    node_.push_back(uint32_t(i));
    bytes_.push_back(tree_.self_bytes(i));
    count_.push_back(tree_.self_count(i));
  }
  m.length = uint32_t(node_.size() - m.offset);
  moments_.push_back(m);
  if (m.used_bytes > peak_used_) peak_used_ = m.used_bytes;
  last_moment_at_ = m.at_ms;
  if (moments_.size() > settings_.max_moments) Thin();
  const double cost = double(uv_hrtime() - t0) / 1e6;
  const double cpu_own = ThreadCpuMs() - cpu0 - cpu_gap;  // folding into the shared tree, storing the moment
  collections_++;
  cost_ms_ += cost;
  max_cost_ms_ = std::max(max_cost_ms_, cost);
  gap_cpu_ms_ += cpu_gap;
  own_cpu_ms_ += cpu_own;
  max_own_cpu_ms_ = std::max(max_own_cpu_ms_, cpu_own);
  if (cpu_gap > 0) max_own_over_gap_ = std::max(max_own_over_gap_, cpu_own / cpu_gap);
  if (cpu_own > cpu_gap) own_over_gap_++;
  credit_ms_ -= cpu_gap + cpu_own;  // CPU time: time preempted is not ours to spend
}

size_t PeakWatch::PeakIndex() const {
  size_t peak = 0;
  for (size_t i = 1; i < moments_.size(); i++)
    if (moments_[i].used_bytes > moments_[peak].used_bytes) peak = i;
  return peak;
}

// Drops every other moment, keeping the peak's and the newest, and compacts the entries.
void PeakWatch::Thin() {
  const size_t peak = PeakIndex();
  std::vector<Moment> kept;
  std::vector<uint32_t> node;
  std::vector<double> bytes, count;
  for (size_t i = 0; i < moments_.size(); i++) {
    if (i % 2 == 1 && i != peak && i + 1 != moments_.size()) {
      thinned_++;
      continue;
    }
    Moment m = moments_[i];
    const uint32_t from = m.offset;
    m.offset = uint32_t(node.size());
    node.insert(node.end(), node_.begin() + from, node_.begin() + from + m.length);
    bytes.insert(bytes.end(), bytes_.begin() + from, bytes_.begin() + from + m.length);
    count.insert(count.end(), count_.begin() + from, count_.begin() + from + m.length);
    kept.push_back(m);
  }
  moments_.swap(kept);
  node_.swap(node);
  bytes_.swap(bytes);
  count_.swap(count);
}

Napi::Value PeakWatch::Export(Napi::Env env) const {
  Napi::Value tree = tree_.Export(env);
  if (!tree.IsObject()) return env.Undefined();
  std::vector<double> at, used;
  std::vector<uint32_t> offset;
  std::vector<uint8_t> major;
  for (const Moment& m : moments_) {
    at.push_back(m.at_ms);
    used.push_back(m.used_bytes);
    major.push_back(m.major ? 1 : 0);
    offset.push_back(m.offset);
  }
  offset.push_back(uint32_t(node_.size()));  // moment i's entries: [offset[i], offset[i + 1])
  Napi::Object moments = Napi::Object::New(env);
  moments.Set("atMs", TypedArrayCopy<Napi::Float64Array>(env, at));
  moments.Set("usedBytes", TypedArrayCopy<Napi::Float64Array>(env, used));
  moments.Set("major", TypedArrayCopy<Napi::Uint8Array>(env, major));
  moments.Set("offset", TypedArrayCopy<Napi::Uint32Array>(env, offset));
  moments.Set("node", TypedArrayCopy<Napi::Uint32Array>(env, node_));
  moments.Set("bytes", TypedArrayCopy<Napi::Float64Array>(env, bytes_));
  moments.Set("count", TypedArrayCopy<Napi::Float64Array>(env, count_));
  Napi::Object figures = Napi::Object::New(env);
  figures.Set("gcs", gcs_);
  figures.Set("majorGcs", major_gcs_);
  figures.Set("collections", collections_);
  figures.Set("costMs", cost_ms_);
  figures.Set("maxCostMs", max_cost_ms_);
  figures.Set("gapCpuMs", gap_cpu_ms_);
  figures.Set("ownCpuMs", own_cpu_ms_);
  figures.Set("maxOwnCpuMs", max_own_cpu_ms_);
  figures.Set("maxOwnOverGap", max_own_over_gap_);
  figures.Set("ownOverGap", own_over_gap_);
  figures.Set("rateLimited", rate_limited_);
  figures.Set("thinned", thinned_);
  figures.Set("highestUsedBytes", highest_used_);
  figures.Set("highestAtMs", highest_at_);
  figures.Set("sinceStartMs", NowMs());
  Napi::Object out = Napi::Object::New(env);
  out.Set("tree", tree);
  out.Set("moments", moments);
  out.Set("peakIndex", moments_.empty() ? -1.0 : double(PeakIndex()));
  out.Set("figures", figures);
  return out;
}

}  // namespace allocscope
