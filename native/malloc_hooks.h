// The malloc profiler's hooks: what the patched GOT slots point at (malloc, free,
// calloc, realloc, the aligned allocators, operator new, anonymous mmap/munmap/
// mremap, dlopen/dlclose), and the byte-based Poisson sampling they do.
//
// Process-wide by nature: a GOT slot serves every thread and every isolate. The
// hooks never allocate, never call into V8 or JS and take no lock on the fast
// path; a sampled allocation takes the stack store's spinlock (malloc_stacks.h).
#pragma once

#include <cstddef>
#include <cstdint>

namespace allocscope {
namespace malloc_hooks {

// The functions we hook, in the order of kHookNames / kHookFunctions.
enum Hook : int {
  kMalloc, kFree, kCalloc, kRealloc, kPosixMemalign, kAlignedAlloc, kMemalign, kValloc, kPvalloc,
  kMmap, kMmap64, kMunmap, kMremap, kDlopen, kDlclose,
  kNew, kNewArray, kNewNothrow, kNewArrayNothrow, kNewAligned, kNewArrayAligned,
  kNewAlignedNothrow, kNewArrayAlignedNothrow,
  kHookCount
};
extern const char* const kHookNames[kHookCount];
// What a sample is attributed to at the leaf: "malloc", "calloc", "operator new", ...
const char* AllocatorName(int hook);

// The real function behind each hook (null: that symbol is not hooked). Resolved
// once, never reset: a thread may still run inside a hook after stop().
extern void* g_real[kHookCount];
// Our hook function for each entry.
extern void* const kHookFunctions[kHookCount];

struct Settings {
  double interval_bytes;
  bool live;  // keep sampled blocks in the live table until they are freed
  int stack_depth;
  bool track_mmap;
};
// Arms the hooks (they pass everything through until then). The owning thread is
// the one whose stacks get no "[thread]" root frame.
void Activate(const Settings& settings);
// Back to pass-through. Samples already recorded stay until the next Activate().
void Deactivate();
bool Active();

// While alive, the calling thread's allocations are not sampled: the profiler's own
// (collecting a profile, the JIT code log, symbol tables) are not the program's.
class IgnoreThisThread {
 public:
  IgnoreThisThread();
  ~IgnoreThisThread();
  IgnoreThisThread(const IgnoreThisThread&) = delete;
  IgnoreThisThread& operator=(const IgnoreThisThread&) = delete;

 private:
  uint8_t outer_;
};

// Figures for tests and the profile's metadata.
struct Counters {
  uint64_t samples;
  uint64_t skipped_reentrant;  // a sampled allocation made inside our own slow path
};
Counters ReadCounters();

}  // namespace malloc_hooks
}  // namespace allocscope
