// Near-heap-limit capture. When V8 is about to fail for want of heap, it asks
// its near-heap-limit callback for a new limit. We raise it by `headroom` bytes
// and request an interrupt: at the next stack check, outside any GC, the JS
// writer (which writes the capture) runs; then the callback is removed and the
// limit V8 had is restored, so the program fails as it would have, but with the
// capture on disk. Only the writing gets the extra heap: while it runs V8 may
// ask again and gets another `headroom`. The GC-time callback allocates nothing
// and calls no JS: it reads the heap's size, records two numbers and requests
// the interrupt. The new limit is the larger of the old one and the heap's size,
// plus `headroom`: V8 may ask when the heap has overshot the limit already.
#pragma once

#include <napi.h>
#include <v8-isolate.h>

#include <cstddef>

namespace allocscope {

class HeapLimitWatch {
 public:
  HeapLimitWatch(napi_env env, v8::Isolate* isolate) : env_(env), isolate_(isolate) {}
  ~HeapLimitWatch();
  HeapLimitWatch(const HeapLimitWatch&) = delete;
  HeapLimitWatch& operator=(const HeapLimitWatch&) = delete;

  // Removes the callback (without restoring a limit: none was raised unless it fired).
  void Disarm();

  // arm(writer, headroomBytes) -> false when already armed. writer(heapLimitBytes, initialHeapLimitBytes).
  static Napi::Value ArmBinding(const Napi::CallbackInfo& info);
  // disarm() -> false when not armed.
  static Napi::Value DisarmBinding(const Napi::CallbackInfo& info);
  // state() -> { armed, fired, written, heapLimitBytes, initialHeapLimitBytes, extensions }.
  static Napi::Value StateBinding(const Napi::CallbackInfo& info);

 private:
  // Made when armed (the GC-time callback allocates nothing), handed to
  // RequestInterrupt when V8 calls; the interrupt deletes it. If the watch goes
  // first, it clears `watch` and leaves the token to V8, so a late run does nothing.
  struct InterruptToken {
    HeapLimitWatch* watch;
  };

  static size_t OnNearLimit(void* data, size_t current_limit, size_t initial_limit);
  static void OnInterrupt(v8::Isolate* isolate, void* data);
  void WriteAndRestore();

  void ReleaseWriter();

  napi_env env_;
  v8::Isolate* isolate_;
  napi_ref writer_ = nullptr;
  size_t headroom_ = 0;
  size_t limit_before_ = 0;  // the limit V8 had when it first called us
  size_t initial_limit_ = 0;
  double extensions_ = 0;    // times the limit was raised
  bool armed_ = false;
  bool fired_ = false;
  bool written_ = false;
  bool writing_ = false;
  InterruptToken* token_ = nullptr;
  bool requested_ = false;  // the interrupt is requested and has not run yet
};

namespace heap_limit {
// exports.heapLimit: arm(writer, headroomBytes), disarm(), state().
void Register(Napi::Env env, Napi::Object exports);
}  // namespace heap_limit

}  // namespace allocscope
