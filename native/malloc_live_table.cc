#include "malloc_live_table.h"

#include <sched.h>
#include <sys/mman.h>

#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstring>

#include "thread_cpu.h"

namespace allocscope {
namespace malloc_live_table {

namespace {
// 2^17 slots, filled to half at most: 65,536 live samples, 32 GiB of live blocks at
// the default 512 KiB interval. Mapped once per process, never unmapped (a hook on
// another thread may still read it after stop()); untouched pages cost nothing.
constexpr int kBits = 17;
constexpr size_t kSize = size_t(1) << kBits;
constexpr size_t kMaxFill = kSize / 2;

Entry* g_entries = nullptr;
std::atomic<uint8_t>* g_occupancy = nullptr;  // per home bucket, entries that hash there (saturating)
std::atomic_flag g_lock = ATOMIC_FLAG_INIT;
std::atomic<uint64_t> g_sequence{0};  // odd while a writer changes the table
std::atomic<uint64_t> g_count{0}, g_dropped{0}, g_replaced{0};

// Occupied slots, densely (under the lock): a peak copy costs the live entries, not
// a scan of the whole table (the scan took ~1 ms, and the budget then held off
// copies for 100 ms: a peak built faster than that was missed).
uint32_t* g_dense = nullptr;
// The peak copy (written under the lock only). Mapped with the table, never unmapped.
Entry* g_peak = nullptr;
size_t g_peak_count = 0;
PeakSettings g_peak_settings;
double g_live_bytes = 0;  // under the lock
PeakFigures g_peak_figures{};
// Rate limit: a credit of time that grows by budget × elapsed time (from kBurstNs,
// capped there); each copy spends the CPU time it took, none while it is spent. A fixed
// cool-down after each copy missed peaks built faster than the cool-down. CPU time,
// not wall: a copy preempted on a loaded machine took 16.5 ms of wall time for
// microseconds of work, spent the whole burst, and the rest of a peak built in
// 0.7 s was never copied (at 70 % of its height).
constexpr double kBurstNs = 5e6;
double g_credit_ns = kBurstNs, g_credit_at_ns = 0;

inline double NowNs() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);  // vDSO: no syscall, no allocation
  return double(t.tv_sec) * 1e9 + double(t.tv_nsec);
}

// Under the lock, after an insert: a new high of the sampled live bytes is copied,
// unless the last copy's cost says the budget is spent for now.
void MaybeCopyPeak() {
  if (!g_peak_settings.enabled || !g_peak) return;
  const double growth = std::max(g_peak_settings.min_growth_bytes, 0.01 * g_peak_figures.bytes);
  if (g_live_bytes <= g_peak_figures.bytes + growth) return;
  const double start = NowNs();
  if (g_credit_at_ns == 0) g_credit_at_ns = start;
  g_credit_ns = std::min(kBurstNs, g_credit_ns + (start - g_credit_at_ns) * g_peak_settings.budget);
  g_credit_at_ns = start;
  if (g_credit_ns <= 0) {
    g_peak_figures.rate_limited++;
    return;
  }
  const double cpu_start = ThreadCpuMs();  // a syscall, but no allocation; only around a copy
  const size_t n = g_count.load(std::memory_order_relaxed);
  for (size_t i = 0; i < n; i++) g_peak[i] = g_entries[g_dense[i]];
  g_peak_count = n;
  const double cost = (ThreadCpuMs() - cpu_start) * 1e6;
  g_peak_figures.taken = true;
  g_peak_figures.at_ns = start;
  g_peak_figures.bytes = g_live_bytes;
  g_peak_figures.copies++;
  g_peak_figures.cost_ns += cost;
  g_peak_figures.max_cost_ns = std::max(g_peak_figures.max_cost_ns, cost);
  g_credit_ns -= cost;
}

inline size_t Home(uintptr_t p) { return (p * 0x9E3779B97F4A7C15ull) >> (64 - kBits); }
inline uintptr_t KeyAt(size_t i) { return __atomic_load_n(&g_entries[i].key, __ATOMIC_RELAXED); }

// Lock-free probe under the sequence counter: false is definitive.
bool MaybeHas(uintptr_t p, size_t home) {
  for (;;) {
    const uint64_t seq = g_sequence.load(std::memory_order_acquire);
    if (seq & 1) { sched_yield(); continue; }
    bool found = false;
    for (size_t i = home, n = 0; n < kSize; n++, i = (i + 1) & (kSize - 1)) {
      const uintptr_t k = KeyAt(i);
      if (k == p) { found = true; break; }
      if (k == 0) break;
    }
    std::atomic_thread_fence(std::memory_order_acquire);
    if (g_sequence.load(std::memory_order_relaxed) == seq) return found;
  }
}

__attribute__((noinline)) void RemoveSlow(uintptr_t p, size_t home) {
  if (!MaybeHas(p, home)) return;
  Lock();
  size_t i = home;
  for (;; i = (i + 1) & (kSize - 1)) {
    if (g_entries[i].key == 0) { Unlock(); return; }
    if (g_entries[i].key == p) break;
  }
  // Out of the dense list: the last occupied slot takes its place there.
  const size_t last = g_count.load(std::memory_order_relaxed) - 1;
  const uint32_t moved_slot = g_dense[last];
  g_dense[g_entries[i].dense] = moved_slot;
  g_entries[moved_slot].dense = g_entries[i].dense;
  g_count.fetch_sub(1, std::memory_order_relaxed);
  g_live_bytes -= double(g_entries[i].size) * g_entries[i].weight;
  const uint8_t o = g_occupancy[home].load(std::memory_order_relaxed);
  if (o < 255) g_occupancy[home].store(o - 1, std::memory_order_relaxed);
  // Backward-shift deletion keeps every probe chain unbroken without tombstones.
  size_t j = i;
  for (;;) {
    j = (j + 1) & (kSize - 1);
    if (g_entries[j].key == 0) break;
    const size_t k = Home(g_entries[j].key);
    const bool stays = (i <= j) ? (i < k && k <= j) : (i < k || k <= j);
    if (stays) continue;
    g_entries[i].size = g_entries[j].size;
    g_entries[i].weight = g_entries[j].weight;
    g_entries[i].stack = g_entries[j].stack;
    g_entries[i].dense = g_entries[j].dense;
    g_dense[g_entries[j].dense] = uint32_t(i);
    __atomic_store_n(&g_entries[i].key, g_entries[j].key, __ATOMIC_RELAXED);
    i = j;
  }
  __atomic_store_n(&g_entries[i].key, 0, __ATOMIC_RELAXED);
  Unlock();
}
}  // namespace

void Lock() {
  while (g_lock.test_and_set(std::memory_order_acquire)) sched_yield();
  g_sequence.fetch_add(1, std::memory_order_acq_rel);
}

void Unlock() {
  g_sequence.fetch_add(1, std::memory_order_acq_rel);
  g_lock.clear(std::memory_order_release);
}

const Entry* Entries(size_t* count) {
  *count = g_entries ? kSize : 0;
  return g_entries;
}

const Entry* PeakEntries(size_t* count) {
  *count = g_peak_figures.taken ? g_peak_count : 0;
  return g_peak;
}

PeakFigures ReadPeak() {
  Lock();
  const PeakFigures f = g_peak_figures;
  Unlock();
  return f;
}

bool Reset(const PeakSettings& peak) {
  if (!g_entries) {
    void* e = mmap(nullptr, kSize * sizeof(Entry), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    void* o = mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    void* c = mmap(nullptr, kMaxFill * sizeof(Entry), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    void* d = mmap(nullptr, kMaxFill * sizeof(uint32_t), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (e == MAP_FAILED || o == MAP_FAILED || c == MAP_FAILED || d == MAP_FAILED) return false;
    g_dense = static_cast<uint32_t*>(d);
    g_entries = static_cast<Entry*>(e);
    g_occupancy = static_cast<std::atomic<uint8_t>*>(o);
    g_peak = static_cast<Entry*>(c);
  } else {
    Lock();
    // Give the pages back: a cleared table is all zeroes again.
    madvise(g_entries, kSize * sizeof(Entry), MADV_DONTNEED);
    madvise(static_cast<void*>(g_occupancy), kSize, MADV_DONTNEED);
    madvise(g_peak, kMaxFill * sizeof(Entry), MADV_DONTNEED);
    Unlock();
  }
  Lock();
  g_count = 0;
  g_dropped = 0;
  g_replaced = 0;
  g_live_bytes = 0;
  g_peak_settings = peak;
  g_peak_figures = PeakFigures{};
  g_peak_count = 0;
  g_credit_ns = kBurstNs;
  g_credit_at_ns = 0;
  Unlock();
  return true;
}

void Insert(uintptr_t p, uint32_t stack, uint64_t size, double weight) {
  if (!g_entries || !p) return;
  Lock();
  const size_t home = Home(p);
  if (g_count.load(std::memory_order_relaxed) >= kMaxFill) {
    g_dropped.fetch_add(1, std::memory_order_relaxed);
    Unlock();
    return;
  }
  for (size_t i = home;; i = (i + 1) & (kSize - 1)) {
    Entry& e = g_entries[i];
    if (e.key == p) {  // stale: freed through a path we do not see
      g_live_bytes -= double(e.size) * e.weight;
      e.size = size;
      e.weight = weight;
      e.stack = stack;
      g_replaced.fetch_add(1, std::memory_order_relaxed);
      break;
    }
    if (e.key == 0) {
      e.size = size;
      e.weight = weight;
      e.stack = stack;
      e.dense = uint32_t(g_count.load(std::memory_order_relaxed));
      g_dense[e.dense] = uint32_t(i);
      __atomic_store_n(&e.key, p, __ATOMIC_RELAXED);
      const uint8_t o = g_occupancy[home].load(std::memory_order_relaxed);
      if (o < 255) g_occupancy[home].store(o + 1, std::memory_order_relaxed);
      g_count.fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  g_live_bytes += double(size) * weight;
  MaybeCopyPeak();
  Unlock();
}

void Remove(uintptr_t p) {
  if (!g_entries) return;
  const size_t home = Home(p);
  // The fast path of nearly every free(): nothing sampled hashes here.
  if (__builtin_expect(g_occupancy[home].load(std::memory_order_relaxed) == 0, 1)) return;
  RemoveSlow(p, home);
}

Totals ReadTotals() {
  return {g_count.load(), g_dropped.load(), g_replaced.load(), g_live_bytes};
}

}  // namespace malloc_live_table
}  // namespace allocscope
