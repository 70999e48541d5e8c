#include "heap_limit.h"

#include <v8-statistics.h>

#include <algorithm>

#include "env_state.h"
#include "namespace_object.h"

namespace allocscope {

HeapLimitWatch::~HeapLimitWatch() { Disarm(); }

void HeapLimitWatch::Disarm() {
  if (token_ != nullptr) {
    if (requested_) token_->watch = nullptr;  // V8 holds it: a late interrupt finds nothing to do
    else delete token_;
    token_ = nullptr;
    requested_ = false;
  }
  if (!armed_) return;
  armed_ = false;
  isolate_->RemoveNearHeapLimitCallback(OnNearLimit, 0);
  ReleaseWriter();
}

void HeapLimitWatch::ReleaseWriter() {
  if (writer_ != nullptr) napi_delete_reference(env_, writer_);
  writer_ = nullptr;
}

// Inside a GC: no allocation on the JS heap, no JS, no N-API.
size_t HeapLimitWatch::OnNearLimit(void* data, size_t current_limit, size_t initial_limit) {
  auto* self = static_cast<HeapLimitWatch*>(data);
  if (!self->fired_) {
    self->fired_ = true;
    self->limit_before_ = current_limit;
    self->initial_limit_ = initial_limit;
    self->requested_ = true;
    self->isolate_->RequestInterrupt(OnInterrupt, self->token_);
  }
  if (!self->requested_ && !self->writing_) return current_limit;
  self->extensions_++;
  // V8 asks at the end of a GC, when the heap may already be past the limit (incremental
  // marking lets it overshoot): above the limit + headroom V8 would still fail at once.
  // Reading the statistics allocates nothing (the GC tracker does the same in its callbacks).
  v8::HeapStatistics stats;
  self->isolate_->GetHeapStatistics(&stats);
  return std::max(current_limit, stats.used_heap_size()) + self->headroom_;
}

void HeapLimitWatch::OnInterrupt(v8::Isolate*, void* data) {
  auto* token = static_cast<InterruptToken*>(data);
  HeapLimitWatch* self = token->watch;
  delete token;
  if (self == nullptr) return;
  self->token_ = nullptr;
  self->requested_ = false;
  self->WriteAndRestore();
}

// From an interrupt: outside any GC, on this isolate's thread, in the middle of
// whatever JS was running. The writer is called like a function call at that point;
// its exceptions are cleared here, so none escapes into the interrupted code.
void HeapLimitWatch::WriteAndRestore() {
  if (!armed_) return;
  writing_ = true;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env_, &scope) == napi_ok) {
    napi_value fn = nullptr, receiver = nullptr, result = nullptr, argv[2] = {nullptr, nullptr};
    if (napi_get_reference_value(env_, writer_, &fn) == napi_ok && fn != nullptr && napi_get_undefined(env_, &receiver) == napi_ok &&
        napi_create_double(env_, double(limit_before_), &argv[0]) == napi_ok &&
        napi_create_double(env_, double(initial_limit_), &argv[1]) == napi_ok) {
      napi_call_function(env_, receiver, fn, 2, argv, &result);
    }
    bool pending = false;
    if (napi_is_exception_pending(env_, &pending) == napi_ok && pending) {
      napi_value ignored;
      napi_get_and_clear_last_exception(env_, &ignored);
    }
    napi_close_handle_scope(env_, scope);
  }
  writing_ = false;
  written_ = true;
  // Restore the limit V8 had before we raised it (V8 keeps it above the live size).
  armed_ = false;
  isolate_->RemoveNearHeapLimitCallback(OnNearLimit, limit_before_);
  ReleaseWriter();
}

Napi::Value HeapLimitWatch::ArmBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  HeapLimitWatch& w = *EnvState::From(env)->heap_limit;
  if (w.armed_) return Napi::Boolean::New(env, false);
  if (napi_create_reference(env, info[0], 1, &w.writer_) != napi_ok) return Napi::Boolean::New(env, false);
  w.headroom_ = size_t(info[1].As<Napi::Number>().DoubleValue());
  w.fired_ = w.written_ = w.writing_ = false;
  w.extensions_ = 0;
  w.limit_before_ = w.initial_limit_ = 0;
  w.token_ = new InterruptToken{&w};
  w.requested_ = false;
  w.armed_ = true;
  w.isolate_->AddNearHeapLimitCallback(OnNearLimit, &w);
  return Napi::Boolean::New(env, true);
}

Napi::Value HeapLimitWatch::DisarmBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  HeapLimitWatch& w = *EnvState::From(env)->heap_limit;
  const bool was = w.armed_;
  w.Disarm();
  return Napi::Boolean::New(env, was);
}

Napi::Value HeapLimitWatch::StateBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const HeapLimitWatch& w = *EnvState::From(env)->heap_limit;
  Napi::Object out = Napi::Object::New(env);
  out.Set("armed", Napi::Boolean::New(env, w.armed_));
  out.Set("fired", Napi::Boolean::New(env, w.fired_));
  out.Set("written", Napi::Boolean::New(env, w.written_));
  out.Set("heapLimitBytes", Napi::Number::New(env, double(w.limit_before_)));
  out.Set("initialHeapLimitBytes", Napi::Number::New(env, double(w.initial_limit_)));
  out.Set("extensions", Napi::Number::New(env, w.extensions_));
  return out;
}

void heap_limit::Register(Napi::Env env, Napi::Object exports) {
  NamespaceObject(env, exports, "heapLimit")
      .Function("arm", HeapLimitWatch::ArmBinding)
      .Function("disarm", HeapLimitWatch::DisarmBinding)
      .Function("state", HeapLimitWatch::StateBinding);
}

}  // namespace allocscope
