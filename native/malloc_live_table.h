// The sampled blocks still alive (live mode): open addressing keyed by address,
// so that free() of a sampled block forgets it. A free of an unsampled pointer,
// almost every free, costs one byte load: the occupancy count of its home bucket.
#pragma once

#include <cstddef>
#include <cstdint>

namespace allocscope {
namespace malloc_live_table {

// Maps the table's memory (once per process) and empties it. JS thread, hooks inactive.
bool Reset();
// A sampled block: `weight` is its 1/P(sampled). Replaces an entry at the same
// address (its block was freed through a path we do not see).
void Insert(uintptr_t address, uint32_t stack, uint64_t size, double weight);
// Forgets `address` if it was sampled. Called before the real free/realloc/munmap:
// after it, another thread may get the same address back and sample it.
void Remove(uintptr_t address);

struct Totals {
  uint64_t entries;
  uint64_t dropped;   // inserts that found the table full
  uint64_t replaced;  // inserts over a stale entry
};
Totals ReadTotals();

// Calls visit(stack, size, weight) for each live entry, under the table's lock.
template <typename Visit>
void ForEach(Visit visit);

// Implementation detail of ForEach (exposed for the template).
struct Entry {
  uintptr_t key;  // 0: empty
  uint64_t size;
  double weight;
  uint32_t stack;
};
void Lock();
void Unlock();
const Entry* Entries(size_t* count);

template <typename Visit>
void ForEach(Visit visit) {
  Lock();
  size_t count = 0;
  const Entry* entries = Entries(&count);
  for (size_t i = 0; entries && i < count; i++) {
    if (entries[i].key) visit(entries[i].stack, entries[i].size, entries[i].weight);
  }
  Unlock();
}

}  // namespace malloc_live_table
}  // namespace allocscope
