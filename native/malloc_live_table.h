// The sampled blocks still alive (live mode): open addressing keyed by address,
// so that free() of a sampled block forgets it. A free of an unsampled pointer,
// almost every free, costs one byte load: the occupancy count of its home bucket.
#pragma once

#include <cstddef>
#include <cstdint>

namespace allocscope {
namespace malloc_live_table {

// Maps the table's memory (once per process) and empties it. JS thread, hooks inactive.
// `peak`: keep a copy of the table as it stood when the sampled live bytes were
// highest (see PeakSettings); the copy is made inside the hook that set the high,
// under the table's lock, into memory mapped here, and rate-limited.
struct PeakSettings {
  bool enabled = false;
  double budget = 0.01;               // copies' CPU time as a share of wall time
  double min_growth_bytes = 1 << 20;  // a new high is this much (or 1 %) above the last copy's
};
bool Reset(const PeakSettings& peak = PeakSettings());
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
  double live_bytes;  // sampled live bytes, weighted (an estimate of the live total)
};

// The copy at the high-water mark: when (CLOCK_MONOTONIC ns), its weighted bytes,
// how many copies were made, the CPU time they took, how many highs the budget skipped.
struct PeakFigures {
  bool taken;
  double at_ns, bytes, copies, cost_ns, max_cost_ns, rate_limited;
};
PeakFigures ReadPeak();

// Calls visit(stack, size, weight) for each entry of the peak copy, under the table's lock.
template <typename Visit>
void ForEachAtPeak(Visit visit);
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
  uint32_t dense;  // its position in the dense list of occupied slots (peak copies walk that)
};
void Lock();
void Unlock();
const Entry* Entries(size_t* count);
const Entry* PeakEntries(size_t* count);

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

template <typename Visit>
void ForEachAtPeak(Visit visit) {
  Lock();
  size_t count = 0;
  const Entry* entries = PeakEntries(&count);
  for (size_t i = 0; entries && i < count; i++) visit(entries[i].stack, entries[i].size, entries[i].weight);
  Unlock();
}

}  // namespace malloc_live_table
}  // namespace allocscope
