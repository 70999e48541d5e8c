#include "malloc_hooks.h"

#include <sys/mman.h>
#include <x86intrin.h>

#include <atomic>
#include <cmath>
#include <cstdarg>
#include <new>

#include "malloc_got_patch.h"
#include "malloc_jit_map.h"
#include "malloc_live_table.h"
#include "malloc_stacks.h"

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TLS_INITIAL_EXEC __attribute__((tls_model("initial-exec")))

namespace allocscope {
namespace malloc_hooks {

const char* const kHookNames[kHookCount] = {
    "malloc", "free", "calloc", "realloc", "posix_memalign", "aligned_alloc", "memalign", "valloc", "pvalloc",
    "mmap", "mmap64", "munmap", "mremap", "dlopen", "dlclose",
    "_Znwm", "_Znam", "_ZnwmRKSt9nothrow_t", "_ZnamRKSt9nothrow_t", "_ZnwmSt11align_val_t", "_ZnamSt11align_val_t",
    "_ZnwmSt11align_val_tRKSt9nothrow_t", "_ZnamSt11align_val_tRKSt9nothrow_t"};

const char* AllocatorName(int hook) {
  if (hook >= kNew) return hook == kNewArray || hook == kNewArrayNothrow || hook == kNewArrayAligned || hook == kNewArrayAlignedNothrow
                               ? "operator new[]" : "operator new";
  if (hook == kMmap64) return "mmap";
  return hook >= 0 && hook < kHookCount ? kHookNames[hook] : "?";
}

void* g_real[kHookCount];

namespace {
// Settings, read by every hook. g_active gates everything; the rest is written
// before g_active turns true (release) and read after (relaxed is enough on x86,
// the acquire below makes it so everywhere).
std::atomic<bool> g_active{false};
std::atomic<bool> g_live{false};
std::atomic<bool> g_track_mmap{false};
double g_interval = 512 * 1024;
int g_depth = 64;
std::atomic<uint32_t> g_epoch{1};
std::atomic<uint64_t> g_samples{0}, g_reentrant{0};

// Per-thread sampling state: plain data, initial-exec (see malloc_stacks.cc).
struct ThreadState {
  int64_t countdown;    // bytes until the next sample
  uint64_t rng;
  uintptr_t new_fp;     // operator new's hook frame while the real operator new runs
  uint32_t epoch;       // g_epoch when countdown was drawn
  uint8_t busy;         // inside our slow path: allocations there pass through
  uint8_t new_hook;     // which operator new is running (kNew..), 0 outside
};
thread_local ThreadState t_state TLS_INITIAL_EXEC;

inline uint64_t NextRandom(ThreadState& t) {
  uint64_t x = t.rng;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  t.rng = x;
  return x * 2685821657736338717ull;
}

// Bytes to the next sample: exponential with mean g_interval (a Poisson process
// over allocated bytes, as V8's and jemalloc's samplers).
inline int64_t DrawCountdown(ThreadState& t) {
  const double u = (double((NextRandom(t) >> 11) + 1)) * (1.0 / 9007199254740993.0);  // (0, 1]
  return static_cast<int64_t>(-std::log(u) * g_interval) + 1;
}

// The allocation crossed this thread's countdown (or the thread is new to this run).
__attribute__((noinline)) void SampleSlow(int hook, void* p, size_t size, uintptr_t fp) {
  ThreadState& t = t_state;
  const uint32_t epoch = g_epoch.load(std::memory_order_acquire);
  if (t.epoch != epoch) {  // first allocation of this thread in this run
    t.epoch = epoch;
    if (!t.rng) t.rng = (reinterpret_cast<uintptr_t>(&t) ^ __rdtsc()) | 1;
    t.countdown = DrawCountdown(t) - static_cast<int64_t>(size);
    if (t.countdown > 0) return;
  }
  t.countdown = DrawCountdown(t);
  if (!p || t.busy) {
    if (t.busy) g_reentrant.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  t.busy = 1;
  // Inside the real operator new, malloc's caller is libstdc++ (built without frame
  // pointers): walk from operator new's hook instead, and name the sample after it.
  if (t.new_hook && (hook == kMalloc || hook == kAlignedAlloc || hook == kPosixMemalign || hook == kMemalign)) {
    hook = t.new_hook;
    fp = t.new_fp;
  }
  malloc_stacks::RawFrame frames[malloc_stacks::kMaxDepth];
  const int depth = malloc_stacks::Walk(fp, frames, g_depth);
  const double weight = 1.0 / -std::expm1(-double(size) / g_interval);
  const uint16_t thread = malloc_stacks::ThisThreadId();
  const uint32_t stack = malloc_stacks::Record(thread, static_cast<uint8_t>(hook), frames, depth, double(size) * weight, weight,
                                               malloc_jit_map::Epoch());
  if (g_live.load(std::memory_order_relaxed)) malloc_live_table::Insert(reinterpret_cast<uintptr_t>(p), stack, size, weight);
  g_samples.fetch_add(1, std::memory_order_relaxed);
  t.busy = 0;
}

__attribute__((always_inline)) inline void OnAlloc(int hook, void* p, size_t size, uintptr_t fp) {
  if (LIKELY(!g_active.load(std::memory_order_relaxed))) return;
  ThreadState& t = t_state;
  t.countdown -= static_cast<int64_t>(size);
  // A countdown drawn in an earlier run (another interval) is not this run's.
  if (UNLIKELY(t.countdown <= 0 || t.epoch != g_epoch.load(std::memory_order_relaxed))) SampleSlow(hook, p, size, fp);
}

__attribute__((always_inline)) inline void OnFree(void* p) {
  if (p && g_live.load(std::memory_order_relaxed)) malloc_live_table::Remove(reinterpret_cast<uintptr_t>(p));
}

#define FRAME() reinterpret_cast<uintptr_t>(__builtin_frame_address(0))
#define REAL(id, T) (reinterpret_cast<T>(g_real[id]))

using malloc_t = void* (*)(size_t);
using free_t = void (*)(void*);
using calloc_t = void* (*)(size_t, size_t);
using realloc_t = void* (*)(void*, size_t);
using posix_memalign_t = int (*)(void**, size_t, size_t);
using aligned_alloc_t = void* (*)(size_t, size_t);
using mmap_t = void* (*)(void*, size_t, int, int, int, off_t);
using munmap_t = int (*)(void*, size_t);
using mremap_t = void* (*)(void*, size_t, size_t, int, ...);
using new_t = void* (*)(size_t);
using new_nothrow_t = void* (*)(size_t, const std::nothrow_t&);
using new_aligned_t = void* (*)(size_t, std::align_val_t);
using new_aligned_nothrow_t = void* (*)(size_t, std::align_val_t, const std::nothrow_t&);

// Anonymous mappings other than reservations (PROT_NONE: V8 reserves gigabytes of
// address space it commits later with mprotect, which is not an allocation).
inline bool CountedMapping(void* r, int prot, int flags) {
  return r != MAP_FAILED && (flags & MAP_ANONYMOUS) && prot != PROT_NONE && g_track_mmap.load(std::memory_order_relaxed);
}

// The frame-pointer walk starts at the hook's own frame: the hooks keep frame
// pointers (CMake builds these files with -fno-omit-frame-pointer) and are never inlined.
#define HOOK extern "C" __attribute__((noinline, visibility("hidden")))

HOOK void* HookMalloc(size_t n) {
  void* p = REAL(kMalloc, malloc_t)(n);
  OnAlloc(kMalloc, p, n, FRAME());
  return p;
}
HOOK void HookFree(void* p) {
  OnFree(p);  // before the real free: afterwards the address may be another thread's sample
  REAL(kFree, free_t)(p);
}
HOOK void* HookCalloc(size_t a, size_t b) {
  void* p = REAL(kCalloc, calloc_t)(a, b);
  size_t n;
  if (__builtin_mul_overflow(a, b, &n)) n = 0;
  OnAlloc(kCalloc, p, n, FRAME());
  return p;
}
HOOK void* HookRealloc(void* old, size_t n) {
  OnFree(old);
  void* p = REAL(kRealloc, realloc_t)(old, n);
  // A failed realloc leaves the old block alive but forgotten: rare, and counted no more.
  OnAlloc(kRealloc, p, n, FRAME());
  return p;
}
HOOK int HookPosixMemalign(void** out, size_t alignment, size_t n) {
  const int r = REAL(kPosixMemalign, posix_memalign_t)(out, alignment, n);
  OnAlloc(kPosixMemalign, r == 0 ? *out : nullptr, n, FRAME());
  return r;
}
HOOK void* HookAlignedAlloc(size_t alignment, size_t n) {
  void* p = REAL(kAlignedAlloc, aligned_alloc_t)(alignment, n);
  OnAlloc(kAlignedAlloc, p, n, FRAME());
  return p;
}
HOOK void* HookMemalign(size_t alignment, size_t n) {
  void* p = REAL(kMemalign, aligned_alloc_t)(alignment, n);
  OnAlloc(kMemalign, p, n, FRAME());
  return p;
}
HOOK void* HookValloc(size_t n) {
  void* p = REAL(kValloc, malloc_t)(n);
  OnAlloc(kValloc, p, n, FRAME());
  return p;
}
HOOK void* HookPvalloc(size_t n) {
  void* p = REAL(kPvalloc, malloc_t)(n);
  OnAlloc(kPvalloc, p, n, FRAME());
  return p;
}
HOOK void* HookMmap(void* a, size_t len, int prot, int flags, int fd, off_t off) {
  void* r = REAL(kMmap, mmap_t)(a, len, prot, flags, fd, off);
  if (CountedMapping(r, prot, flags)) OnAlloc(kMmap, r, len, FRAME());
  return r;
}
HOOK void* HookMmap64(void* a, size_t len, int prot, int flags, int fd, off_t off) {
  void* r = REAL(kMmap64, mmap_t)(a, len, prot, flags, fd, off);
  if (CountedMapping(r, prot, flags)) OnAlloc(kMmap64, r, len, FRAME());
  return r;
}
HOOK int HookMunmap(void* a, size_t len) {
  OnFree(a);  // a sampled mapping unmapped from its start (a partial unmap elsewhere is not seen)
  return REAL(kMunmap, munmap_t)(a, len);
}
HOOK void* HookMremap(void* a, size_t old_len, size_t len, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  void* new_address = va_arg(ap, void*);
  va_end(ap);
  void* r = REAL(kMremap, mremap_t)(a, old_len, len, flags, new_address);
  if (r != MAP_FAILED && g_track_mmap.load(std::memory_order_relaxed)) {
    OnFree(a);
    OnAlloc(kMremap, r, len, FRAME());
  }
  return r;
}
HOOK void* HookDlopen(const char* file, int flags) {
  using dlopen_t = void* (*)(const char*, int);
  void* h = REAL(kDlopen, dlopen_t)(file, flags);
  if (h) {
    malloc_got_patch::PatchNewObjects();  // an addon loaded while we run
    malloc_stacks::SetNativeRanges();
  }
  return h;
}
HOOK int HookDlclose(void* h) {
  using dlclose_t = int (*)(void*);
  return malloc_got_patch::CloseObject(h, REAL(kDlclose, dlclose_t));
}

// operator new: the real one mallocs through libstdc++'s patched GOT; that malloc
// hook samples with this frame (see SampleSlow). libstdc++'s operator new[] calls
// operator new through its GOT too, so our hook for it runs inside ours for new[]:
// the outermost hook keeps its frame (the inner one's caller is the outer hook, which
// named the sample "[native] HookNewArray").
template <typename F>
inline void* AroundNew(int hook, uintptr_t fp, F call) {
  ThreadState& t = t_state;
  if (t.new_hook) return call();
  // Cleared however the call ends (operator new throws bad_alloc): a stale frame
  // pointer left here would be walked by this thread's next sampled malloc.
  struct Clear {
    ThreadState& t;
    ~Clear() { t.new_hook = 0; }
  } clear{t};
  t.new_hook = static_cast<uint8_t>(hook);
  t.new_fp = fp;
  return call();
}
HOOK void* HookNew(size_t n) { return AroundNew(kNew, FRAME(), [&] { return REAL(kNew, new_t)(n); }); }
HOOK void* HookNewArray(size_t n) { return AroundNew(kNewArray, FRAME(), [&] { return REAL(kNewArray, new_t)(n); }); }
HOOK void* HookNewNothrow(size_t n, const std::nothrow_t& tag) {
  return AroundNew(kNewNothrow, FRAME(), [&] { return REAL(kNewNothrow, new_nothrow_t)(n, tag); });
}
HOOK void* HookNewArrayNothrow(size_t n, const std::nothrow_t& tag) {
  return AroundNew(kNewArrayNothrow, FRAME(), [&] { return REAL(kNewArrayNothrow, new_nothrow_t)(n, tag); });
}
HOOK void* HookNewAligned(size_t n, std::align_val_t al) {
  return AroundNew(kNewAligned, FRAME(), [&] { return REAL(kNewAligned, new_aligned_t)(n, al); });
}
HOOK void* HookNewArrayAligned(size_t n, std::align_val_t al) {
  return AroundNew(kNewArrayAligned, FRAME(), [&] { return REAL(kNewArrayAligned, new_aligned_t)(n, al); });
}
HOOK void* HookNewAlignedNothrow(size_t n, std::align_val_t al, const std::nothrow_t& tag) {
  return AroundNew(kNewAlignedNothrow, FRAME(), [&] { return REAL(kNewAlignedNothrow, new_aligned_nothrow_t)(n, al, tag); });
}
HOOK void* HookNewArrayAlignedNothrow(size_t n, std::align_val_t al, const std::nothrow_t& tag) {
  return AroundNew(kNewArrayAlignedNothrow, FRAME(), [&] { return REAL(kNewArrayAlignedNothrow, new_aligned_nothrow_t)(n, al, tag); });
}
}  // namespace

void* const kHookFunctions[kHookCount] = {
    reinterpret_cast<void*>(HookMalloc), reinterpret_cast<void*>(HookFree), reinterpret_cast<void*>(HookCalloc),
    reinterpret_cast<void*>(HookRealloc), reinterpret_cast<void*>(HookPosixMemalign),
    reinterpret_cast<void*>(HookAlignedAlloc), reinterpret_cast<void*>(HookMemalign), reinterpret_cast<void*>(HookValloc),
    reinterpret_cast<void*>(HookPvalloc), reinterpret_cast<void*>(HookMmap), reinterpret_cast<void*>(HookMmap64),
    reinterpret_cast<void*>(HookMunmap), reinterpret_cast<void*>(HookMremap), reinterpret_cast<void*>(HookDlopen),
    reinterpret_cast<void*>(HookDlclose), reinterpret_cast<void*>(HookNew), reinterpret_cast<void*>(HookNewArray),
    reinterpret_cast<void*>(HookNewNothrow), reinterpret_cast<void*>(HookNewArrayNothrow),
    reinterpret_cast<void*>(HookNewAligned), reinterpret_cast<void*>(HookNewArrayAligned),
    reinterpret_cast<void*>(HookNewAlignedNothrow), reinterpret_cast<void*>(HookNewArrayAlignedNothrow)};

void Activate(const Settings& s) {
  g_interval = s.interval_bytes;
  g_depth = s.stack_depth < malloc_stacks::kMaxDepth ? s.stack_depth : malloc_stacks::kMaxDepth;
  g_live.store(s.live, std::memory_order_relaxed);
  g_track_mmap.store(s.track_mmap, std::memory_order_relaxed);
  g_samples = 0;
  g_reentrant = 0;
  g_epoch.fetch_add(1, std::memory_order_release);  // every thread draws a fresh countdown
  g_active.store(true, std::memory_order_release);
}

void Deactivate() {
  g_active.store(false, std::memory_order_release);
  g_live.store(false, std::memory_order_relaxed);
}

bool Active() { return g_active.load(std::memory_order_acquire); }

IgnoreThisThread::IgnoreThisThread() : outer_(t_state.busy) { t_state.busy = 1; }
IgnoreThisThread::~IgnoreThisThread() { t_state.busy = outer_; }

Counters ReadCounters() { return {g_samples.load(), g_reentrant.load()}; }

}  // namespace malloc_hooks
}  // namespace allocscope
