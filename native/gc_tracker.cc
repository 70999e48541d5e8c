#include "gc_tracker.h"

#include <algorithm>
#include <cstring>

#include "env_state.h"
#include "namespace_object.h"
#include "typed_array_util.h"

namespace allocscope {

struct GcTracker::NotifyHandle {
  uv_async_t async;
  napi_async_cleanup_hook_handle hook = nullptr;
  GcTracker* owner;  // cleared when the tracker lets go; the handle closes on its own
};

GcTracker::GcTracker(napi_env env, v8::Isolate* isolate, const HeapStatsReader& stats)
    : env_(env), isolate_(isolate), stats_(stats), space_count_(stats.space_count()) {
  old_space_ = stats.SpaceIndex("old_space");
  lo_space_ = stats.SpaceIndex("large_object_space");
  new_space_ = stats.SpaceIndex("new_space");
  new_lo_space_ = stats.SpaceIndex("new_large_object_space");
}

GcTracker::~GcTracker() {
  Stop();
  DisableNotify();
}

bool GcTracker::Start(size_t capacity) {
  if (running_) return false;
  // Allocated here, never in a callback; not filled: a slot is read only after a
  // record was written to it, and the pages of slots never written stay out of RSS
  // (4096 records are ~1.4 MiB, of which a typical run writes a few KiB).
  ring_.reset(new double[capacity * record_width()]);
  capacity_ = capacity;
  next_seq_ = 0;
  depth_ = 0;
  skipped_ = 0;
  ResetCounters();
  origin_ns_ = uv_hrtime();
  stopped_ns_ = 0;
  isolate_->AddGCPrologueCallback(OnPrologue, this, kAllGcTypes);
  isolate_->AddGCEpilogueCallback(OnEpilogue, this, kAllGcTypes);
  Live().gc_callback_pairs.fetch_add(1);
  running_ = true;
  return true;
}

bool GcTracker::Stop() {
  if (!running_) return false;
  isolate_->RemoveGCPrologueCallback(OnPrologue, this);
  isolate_->RemoveGCEpilogueCallback(OnEpilogue, this);
  Live().gc_callback_pairs.fetch_sub(1);
  running_ = false;
  stopped_ns_ = uv_hrtime();
  depth_ = 0;
  skipped_ = 0;
  return true;
}

void GcTracker::ResetCounters() {
  unmatched_ = overflows_ = max_depth_ = promoted_ = young_before_ = top_level_ns_ = 0;
  std::memset(kind_, 0, sizeof(kind_));
  std::memset(histogram_, 0, sizeof(histogram_));
}

// ---- hot path: GC callbacks -------------------------------------------------

void GcTracker::OnPrologue(v8::Isolate*, v8::GCType type, v8::GCCallbackFlags flags, void* data) {
  static_cast<GcTracker*>(data)->Begin(type, static_cast<uint32_t>(flags));
}

void GcTracker::OnEpilogue(v8::Isolate*, v8::GCType type, v8::GCCallbackFlags flags, void* data) {
  static_cast<GcTracker*>(data)->End(type, static_cast<uint32_t>(flags));
}

void GcTracker::Begin(v8::GCType type, uint32_t flags) {
  if (depth_ == kMaxDepth) {  // deeper than V8 ever nests: count it, keep the stack sane
    overflows_++;
    skipped_++;
    return;
  }
  Pending& p = stack_[depth_++];
  max_depth_ = std::max(max_depth_, double(depth_));
  p.type = type;
  p.flags = flags;
  p.external_before = stats_.ExternalBytes();
  stats_.ReadSpaces(p.used_before, p.committed_before);
  p.start_ns = uv_hrtime();  // last, so that our own reads are not counted as pause
}

void GcTracker::End(v8::GCType type, uint32_t flags) {
  const uint64_t end_ns = uv_hrtime();  // first, for the same reason
  if (skipped_ > 0) {  // the innermost prologues were skipped: so are their epilogues
    skipped_--;
    return;
  }
  if (depth_ == 0) {  // an epilogue without prologue (we started mid-GC)
    unmatched_++;
    return;
  }
  const Pending& p = stack_[--depth_];
  if (p.type != type) unmatched_++;  // still recorded, under the prologue's type
  const uint64_t pause_ns = end_ns >= p.start_ns ? end_ns - p.start_ns : 0;

  double* r = &ring_[(next_seq_ % capacity_) * record_width()];
  r[kRecSeq] = double(next_seq_);
  r[kRecType] = double(static_cast<uint32_t>(p.type));
  r[kRecFlags] = double(p.flags | flags);
  r[kRecDepth] = double(depth_);
  r[kRecStartNs] = double(p.start_ns - origin_ns_);
  r[kRecPauseNs] = double(pause_ns);
  r[kRecExternalBefore] = p.external_before;
  r[kRecExternalAfter] = stats_.ExternalBytes();
  double* used_before = r + kRecHeader;
  double* used_after = used_before + space_count_;
  double* committed_before = used_after + space_count_;
  double* committed_after = committed_before + space_count_;
  std::memcpy(used_before, p.used_before, space_count_ * sizeof(double));
  std::memcpy(committed_before, p.committed_before, space_count_ * sizeof(double));
  stats_.ReadSpaces(used_after, committed_after);
  next_seq_++;

  Accumulate(p, r, pause_ns);
  if (depth_ == 0) top_level_ns_ += double(pause_ns);
  if (notify_ != nullptr && depth_ == 0) {
    // Pending delivery keeps the loop alive for one more turn (like setImmediate),
    // so a listener sees every GC even when the program is about to exit.
    // uv_ref only updates the loop's counters: no allocation, no lock.
    uv_ref(reinterpret_cast<uv_handle_t*>(&notify_->async));
    uv_async_send(&notify_->async);
  }
}

void GcTracker::Accumulate(const Pending& p, const double* r, uint64_t pause_ns) {
  const double* used_before = r + kRecHeader;
  const double* used_after = used_before + space_count_;
  const GcKind kind = GcKindOf(p.type);
  double* k = kind_[kind];
  k[kKindCount] += 1;
  k[kKindTotalNs] += double(pause_ns);
  k[kKindMaxNs] = std::max(k[kKindMaxNs], double(pause_ns));
  double freed = 0;
  for (size_t i = 0; i < space_count_; i++) freed += used_before[i] - used_after[i];
  k[kKindFreedBytes] += freed;
  histogram_[kind][HistogramBucket(pause_ns)]++;

  if (kind == kGcKindScavenge || kind == kGcKindMinor) {
    // Promotion: what the old generation gained during a young-generation GC.
    auto at = [](const double* a, int i) { return i >= 0 ? a[i] : 0.0; };
    const double old_before = at(used_before, old_space_) + at(used_before, lo_space_);
    const double old_after = at(used_after, old_space_) + at(used_after, lo_space_);
    promoted_ += std::max(0.0, old_after - old_before);
    young_before_ += at(used_before, new_space_) + at(used_before, new_lo_space_);
  }
}

// ---- delivery to JS, outside the GC ----------------------------------------

void GcTracker::EnableNotify(Napi::Function fn) {
  notify_fn_ = Napi::Persistent(fn);
  if (notify_ != nullptr) return;
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env_, &loop) != napi_ok) return;
  auto* handle = new NotifyHandle();
  handle->owner = this;
  uv_async_init(loop, &handle->async, OnAsync);
  uv_unref(reinterpret_cast<uv_handle_t*>(&handle->async));  // idle, it never keeps the process alive
  // An async cleanup hook lets the env wait for uv_close before the loop closes
  // (a worker's loop must have no open handles when it is torn down).
  napi_add_async_cleanup_hook(env_, OnAsyncCleanup, handle, &handle->hook);
  notify_ = handle;
}

void GcTracker::DisableNotify() {
  notify_fn_.Reset();
  if (notify_ == nullptr) return;
  NotifyHandle* handle = notify_;
  notify_ = nullptr;
  handle->owner = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&handle->async), [](uv_handle_t* h) {
    auto* closed = reinterpret_cast<NotifyHandle*>(h);
    napi_remove_async_cleanup_hook(closed->hook);  // unregisters, or completes the hook
    delete closed;
  });
}

void GcTracker::OnAsyncCleanup(napi_async_cleanup_hook_handle, void* arg) {
  auto* handle = static_cast<NotifyHandle*>(arg);
  if (handle->owner != nullptr) {
    handle->owner->DisableNotify();  // clears owner, closes, completes the hook
  }
}

void GcTracker::OnAsync(uv_async_t* async) {
  auto* handle = reinterpret_cast<NotifyHandle*>(async);
  uv_unref(reinterpret_cast<uv_handle_t*>(async));
  if (handle->owner != nullptr) handle->owner->CallNotify();
}

void GcTracker::CallNotify() {
  // Plain N-API calls with their statuses checked: this runs from the event loop,
  // possibly while a worker's environment is being torn down, when calls into JS
  // fail. The JS side catches listener errors itself and rethrows them on the next
  // tick, so whatever is still pending here (termination) is only cleared.
  if (notify_fn_.IsEmpty()) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env_, &scope) != napi_ok) return;
  napi_value fn = nullptr, global = nullptr, result = nullptr;
  if (napi_get_reference_value(env_, notify_fn_, &fn) == napi_ok && fn != nullptr &&
      napi_get_global(env_, &global) == napi_ok) {
    napi_make_callback(env_, nullptr, global, fn, 0, nullptr, &result);
  }
  bool pending = false;
  if (napi_is_exception_pending(env_, &pending) == napi_ok && pending) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env_, &ignored);
  }
  napi_close_handle_scope(env_, scope);
}

// ---- bindings -------------------------------------------------------------

Napi::Value GcTracker::StartBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  GcTracker& gc = *EnvState::From(env)->gc;
  const size_t capacity = info[0].IsNumber() ? info[0].As<Napi::Number>().Uint32Value() : 0;
  if (capacity == 0) {
    Napi::RangeError::New(env, "allocscope native: capacity must be > 0").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (!gc.Start(capacity)) return env.Null();
  Napi::Object out = Napi::Object::New(env);
  out.Set("originNs", Napi::BigInt::New(env, gc.origin_ns_));
  out.Set("recordWidth", Napi::Number::New(env, double(gc.record_width())));
  out.Set("headerFields", Napi::Number::New(env, double(kRecHeader)));
  return out;
}

Napi::Value GcTracker::StopBinding(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), EnvState::From(info.Env())->gc->Stop());
}

// read(fromSeq) -> { records: Float64Array, nextSeq, oldestSeq }
Napi::Value GcTracker::ReadBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  GcTracker& gc = *EnvState::From(env)->gc;
  const uint64_t next = gc.next_seq_;
  const uint64_t oldest = next > gc.capacity_ ? next - gc.capacity_ : 0;
  uint64_t from = info[0].IsNumber() ? uint64_t(std::max(0.0, info[0].As<Napi::Number>().DoubleValue())) : 0;
  from = std::min(std::max(from, oldest), next);
  const size_t count = size_t(next - from);
  const size_t width = gc.record_width();
  Napi::Float64Array out;
  if (!NewTypedArray(env, count * width, &out)) return env.Undefined();
  for (size_t i = 0; i < count; i++) {
    const double* src = &gc.ring_[((from + i) % gc.capacity_) * width];
    std::memcpy(out.Data() + i * width, src, width * sizeof(double));
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("records", out);
  result.Set("nextSeq", Napi::Number::New(env, double(next)));
  result.Set("oldestSeq", Napi::Number::New(env, double(oldest)));
  return result;
}

// counters() -> Float64Array: GcCounterField header, kGcKindCount × GcKindField,
// then kGcKindCount × kHistogramBuckets bucket counts.
Napi::Value GcTracker::CountersBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  GcTracker& gc = *EnvState::From(env)->gc;
  const size_t size = kCntHeader + size_t(kGcKindCount) * kKindFields + size_t(kGcKindCount) * kHistogramBuckets;
  Napi::Float64Array out;
  if (!NewTypedArray(env, size, &out)) return env.Undefined();
  double* o = out.Data();
  const uint64_t end = gc.running_ ? uv_hrtime() : gc.stopped_ns_;
  o[kCntElapsedNs] = gc.origin_ns_ ? double(end - gc.origin_ns_) : 0;
  o[kCntRecordsTotal] = double(gc.next_seq_);
  o[kCntUnmatchedEpilogues] = gc.unmatched_;
  o[kCntNestingOverflows] = gc.overflows_;
  o[kCntMaxDepth] = gc.max_depth_;
  o[kCntPromotedBytes] = gc.promoted_;
  o[kCntYoungBytesBefore] = gc.young_before_;
  o[kCntTopLevelPauseNs] = gc.top_level_ns_;
  double* kinds = o + kCntHeader;
  std::memcpy(kinds, gc.kind_, sizeof(gc.kind_));
  double* hist = kinds + size_t(kGcKindCount) * kKindFields;
  for (size_t k = 0; k < kGcKindCount; k++)
    for (size_t b = 0; b < kHistogramBuckets; b++) hist[k * kHistogramBuckets + b] = double(gc.histogram_[k][b]);
  return out;
}

Napi::Value GcTracker::SetNotifyBinding(const Napi::CallbackInfo& info) {
  GcTracker& gc = *EnvState::From(info.Env())->gc;
  if (info[0].IsFunction()) gc.EnableNotify(info[0].As<Napi::Function>());
  else gc.DisableNotify();
  return info.Env().Undefined();
}

// Test hook: drive the callbacks with a synthetic sequence, e.g. nested GCs or an
// epilogue without prologue. simulate(phase: 0 prologue | 1 epilogue, type, flags)
Napi::Value GcTracker::SimulateBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  GcTracker& gc = *EnvState::From(env)->gc;
  if (!gc.running_) {
    Napi::Error::New(env, "allocscope native: GC tracking is not running").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber()) {
    Napi::TypeError::New(env, "allocscope native: gc.simulate(phase, type, flags) takes three numbers").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const uint32_t type_bits = info[1].As<Napi::Number>().Uint32Value();
  if (type_bits == 0 || (type_bits & (type_bits - 1)) != 0 || (type_bits & kAllGcTypes) == 0) {
    Napi::RangeError::New(env, "allocscope native: type must be one V8 GCType bit").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const auto type = static_cast<v8::GCType>(type_bits);
  const auto flags = static_cast<v8::GCCallbackFlags>(info[2].As<Napi::Number>().Uint32Value());
  if (info[0].As<Napi::Number>().Uint32Value() == 0) OnPrologue(gc.isolate_, type, flags, &gc);
  else OnEpilogue(gc.isolate_, type, flags, &gc);
  return Napi::Number::New(env, double(gc.depth_));
}

void gc_tracker::Register(Napi::Env env, Napi::Object exports) {
  Napi::Object layout = Napi::Object::New(env);
  layout.Set("counterHeader", Napi::Number::New(env, kCntHeader));
  layout.Set("kindCount", Napi::Number::New(env, kGcKindCount));
  layout.Set("kindFields", Napi::Number::New(env, kKindFields));
  Napi::Array kinds = Napi::Array::New(env, kGcKindCount);
  for (uint32_t k = 0; k < kGcKindCount; k++) kinds.Set(k, Napi::String::New(env, GcKindName(k)));
  layout.Set("kindNames", kinds);
  layout.Set("histogramBuckets", Napi::Number::New(env, kHistogramBuckets));
  layout.Set("histogramSubBits", Napi::Number::New(env, kHistogramSubBits));
  NamespaceObject(env, exports, "gc")
      .Function("start", GcTracker::StartBinding)
      .Function("stop", GcTracker::StopBinding)
      .Function("read", GcTracker::ReadBinding)
      .Function("counters", GcTracker::CountersBinding)
      .Function("setNotify", GcTracker::SetNotifyBinding)
      .Function("simulate", GcTracker::SimulateBinding)
      .Value("layout", layout);
}

}  // namespace allocscope
