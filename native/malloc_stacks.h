// Call stacks of sampled native allocations: a frame-pointer walk that stays
// inside the thread's own stack, and an append-only store that interns each
// distinct stack once and keeps the allocated totals per stack.
//
// Called from the hooks' slow path: no allocation, no dl* call, no V8. The store's
// memory is mapped at Reset() on the JS thread.
#pragma once

#include <cstddef>
#include <cstdint>

namespace allocscope {
namespace malloc_stacks {

constexpr int kMaxDepth = 256;

// Return addresses from `fp` outwards (pcs[0] is the hooked call's caller), at most
// `max`. Every read stays inside this thread's stack mapping; a chain that leaves it,
// goes backwards or is misaligned ends the walk.
int Walk(uintptr_t fp, uintptr_t* pcs, int max);

// Stack id 0 is reserved: "the store was full".
constexpr uint32_t kOverflowStack = 0;

// Empties the store (maps it the first time). JS thread, hooks inactive.
bool Reset();
// Interns (thread, allocator, pcs) and adds one sample's estimate to its allocated
// totals. Returns the stack id.
uint32_t Record(uint16_t thread, uint8_t allocator, const uintptr_t* pcs, int depth, double bytes, double count);

// A snapshot of one stack for the collector (JS thread).
struct StackView {
  uint16_t thread;
  uint8_t allocator;
  int depth;
  const uintptr_t* pcs;
  double allocated_bytes;
  double allocated_count;
};
// Number of stacks recorded so far; ids are 0..Count()-1.
uint32_t Count();
StackView View(uint32_t id);
uint64_t Overflowed();  // samples that found the store full

// Names of the threads that sampled, by the small id Record() takes. Id 0 is the
// thread that started the profiler.
void SetOwnerThread();
uint16_t ThisThreadId();  // registers the calling thread's name on first use
const char* ThreadName(uint16_t id);
uint16_t ThreadCount();

}  // namespace malloc_stacks
}  // namespace allocscope
