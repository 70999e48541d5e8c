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

// One frame as the hook sees it. For a pc in JIT code or in V8's builtins (not in
// native code), the two words an interpreter frame keeps below its frame pointer:
// the tagged BytecodeArray (fp-32) and the bytecode offset as a Smi (fp-40). They
// are never dereferenced, only used as keys when the profile is collected.
struct RawFrame {
  uintptr_t pc;
  uintptr_t bytecode_array;  // 0 for native frames
  uintptr_t bytecode_offset;
};

// Frames from `fp` outwards (frames[0] is the hooked call's caller), at most `max`.
// Every read stays inside this thread's stack mapping; a chain that leaves it, goes
// backwards or is misaligned ends the walk.
int Walk(uintptr_t fp, RawFrame* frames, int max);

// The executable ranges of loaded ELF objects (native code), and the range of V8's
// embedded builtins inside them (Node 20 runs its builtins from node's .text). Set on
// the JS thread at start and after a dlopen; read by Walk without a lock.
void SetNativeRanges();
void SetBuiltinRange(uintptr_t lo, uintptr_t hi);

// Stack id 0 is reserved: "the store was full".
constexpr uint32_t kOverflowStack = 0;

// Empties the store (maps it the first time). JS thread, hooks inactive.
bool Reset();
// Interns (thread, allocator, frames) and adds one sample's estimate to its allocated
// totals. `code_epoch`: the JIT code map's event count when the stack is first seen
// (its frames are named as the code stood then). Returns the stack id.
uint32_t Record(uint16_t thread, uint8_t allocator, const RawFrame* frames, int depth, double bytes, double count,
                uint64_t code_epoch);

// A snapshot of one stack for the collector (JS thread).
struct StackView {
  uint16_t thread;
  uint8_t allocator;
  int depth;
  const RawFrame* frames;
  uint64_t code_epoch;
  double allocated_bytes;
  double allocated_count;
};
// Number of stacks recorded so far; ids are 0..Count()-1.
uint32_t Count();
StackView View(uint32_t id);
uint64_t Overflowed();  // samples that found the store full

// fork(): the store's lock is taken before and released after in both processes,
// so that the child never inherits it held by a thread that does not exist there.
void LockForFork();
void UnlockAfterFork();

// Names of the threads that sampled, by the small id Record() takes. Id 0 is the
// thread that started the profiler.
void SetOwnerThread();
uint16_t ThisThreadId();  // registers the calling thread's name on first use
const char* ThreadName(uint16_t id);
uint16_t ThreadCount();

}  // namespace malloc_stacks
}  // namespace allocscope
