// Maps the HeapGraphNode pointers V8 hands out (GetNode, GetToNode) back to
// node ordinals, once per edge: the hottest lookup of the conversion.
//
// A plain pointer hash needs ~24 bytes per node and misses the cache on every
// edge. But V8 hands out nodes from fixed-size blocks (its entries live in a
// std::deque), so consecutive ordinals sit at a constant stride within a block:
// the nodes form a few "runs" of equally spaced pointers (a dozen nodes each on
// V8 11). This index stores the runs sorted by address and, per 512-byte bucket
// of the address space they touch, the first run overlapping it (a two-level
// table over 2 MB regions), about 1 to 3 bytes per node and cache-friendly.
//
// Nothing about V8's layout is assumed: the stride is measured, every answer is
// checked against the run's bounds and stride, and if the pointers do not form
// runs compactly (another V8, another allocator) the index falls back to the
// pointer hash.
#pragma once

#include <v8-profiler.h>

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace allocscope {

class SnapshotNodeIndex {
 public:
  static constexpr uint32_t kNone = 0xffffffffu;

  // Reads every node once; `edges` receives the total edge count.
  // `force_hash` uses the fallback (tests compare both).
  SnapshotNodeIndex(const v8::HeapSnapshot* snapshot, uint32_t node_count, uint64_t* edges, bool force_hash) {
    *edges = 0;
    const bool runs = BuildRuns(snapshot, node_count, edges) && !force_hash && BuildBuckets(node_count);
    if (!runs) BuildHash(snapshot, node_count);
  }

  uint32_t Find(const v8::HeapGraphNode* node) const {
    const uintptr_t p = reinterpret_cast<uintptr_t>(node);
    return hash_keys_.empty() ? FindInRuns(p) : FindInHash(p);
  }

  // Heap bytes held (for the documented memory bound).
  size_t MemoryBytes() const {
    return runs_.capacity() * sizeof(Run) + buckets_.capacity() * 4 + region_keys_.capacity() * 12 +
           hash_keys_.capacity() * 8 + hash_values_.capacity() * 4;
  }
  bool UsesRuns() const { return hash_keys_.empty(); }

 private:
  static constexpr int kBucketBits = 9;
  static constexpr int kRegionBits = 21;
  static constexpr uint32_t kBucketsPerRegion = 1u << (kRegionBits - kBucketBits);

  struct Run {
    uintptr_t start;
    uintptr_t end;  // one past the last node's address
    uint32_t first;
  };

  bool BuildRuns(const v8::HeapSnapshot* snapshot, uint32_t n, uint64_t* edges) {
    // The stride: the most common positive gap between consecutive nodes.
    std::unordered_map<uintptr_t, uint32_t> gaps;
    uintptr_t previous = 0;
    for (uint32_t i = 0; i < std::min<uint32_t>(n, 4096); i++) {
      const uintptr_t p = reinterpret_cast<uintptr_t>(snapshot->GetNode(static_cast<int>(i)));
      if (i > 0 && p > previous) gaps[p - previous]++;
      previous = p;
    }
    uint32_t best = 0;
    for (const auto& [gap, count] : gaps) {
      if (count > best || (count == best && gap < stride_)) stride_ = gap, best = count;
    }
    if (stride_ == 0) stride_ = 1;  // one node: any stride works

    for (uint32_t i = 0; i < n; i++) {
      const v8::HeapGraphNode* node = snapshot->GetNode(static_cast<int>(i));
      *edges += static_cast<uint64_t>(node->GetChildrenCount());
      const uintptr_t p = reinterpret_cast<uintptr_t>(node);
      if (!runs_.empty() && runs_.back().end == p) {
        runs_.back().end += stride_;
      } else {
        runs_.push_back(Run{p, p + stride_, i});
      }
    }
    // Worth it only if runs hold several nodes each.
    if (runs_.size() > n / 3 + 1) return false;
    std::sort(runs_.begin(), runs_.end(), [](const Run& a, const Run& b) { return a.start < b.start; });
    for (size_t r = 1; r < runs_.size(); r++) {
      if (runs_[r].start < runs_[r - 1].end) return false;  // overlapping: not equally spaced blocks
    }
    return true;
  }

  bool BuildBuckets(uint32_t n) {
    const size_t budget = std::max<size_t>(size_t{4} << 20, static_cast<size_t>(n) * 4);
    for (uint32_t r = 0; r < runs_.size(); r++) {
      for (uintptr_t b = runs_[r].start >> kBucketBits; b <= (runs_[r].end - 1) >> kBucketBits; b++) {
        const uintptr_t region_key = b >> (kRegionBits - kBucketBits);
        auto [it, fresh] = regions_.try_emplace(region_key, static_cast<uint32_t>(regions_.size()));
        if (fresh) {
          if ((buckets_.size() + kBucketsPerRegion) * 4 > budget) return false;  // too sparse
          buckets_.resize(buckets_.size() + kBucketsPerRegion, kNone);
        }
        uint32_t& slot = buckets_[size_t{it->second} * kBucketsPerRegion + (b & (kBucketsPerRegion - 1))];
        if (slot == kNone) slot = r;  // runs are sorted: the first one overlapping the bucket
      }
    }
    // The lookup side: a small open-addressing table (regions are few, it stays in cache).
    size_t capacity = 16;
    while (capacity < regions_.size() * 4) capacity <<= 1;
    region_keys_.assign(capacity, kNoRegion);
    region_ids_.assign(capacity, 0);
    region_mask_ = capacity - 1;
    for (const auto& [key, id] : regions_) {
      size_t slot = RegionSlot(key);
      while (region_keys_[slot] != kNoRegion) slot = (slot + 1) & region_mask_;
      region_keys_[slot] = key;
      region_ids_[slot] = id;
    }
    regions_.clear();
    return true;
  }
  size_t RegionSlot(uintptr_t key) const {
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> 40) & region_mask_;
  }

  uint32_t FindInRuns(uintptr_t p) const {
    const uintptr_t b = p >> kBucketBits;
    const uintptr_t key = b >> (kRegionBits - kBucketBits);
    size_t slot = RegionSlot(key);
    while (region_keys_[slot] != key) {
      if (region_keys_[slot] == kNoRegion) return kNone;
      slot = (slot + 1) & region_mask_;
    }
    uint32_t r = buckets_[size_t{region_ids_[slot]} * kBucketsPerRegion + (b & (kBucketsPerRegion - 1))];
    if (r == kNone) return kNone;
    while (r < runs_.size() && runs_[r].end <= p) r++;
    if (r == runs_.size() || p < runs_[r].start || (p - runs_[r].start) % stride_ != 0) return kNone;
    return runs_[r].first + static_cast<uint32_t>((p - runs_[r].start) / stride_);
  }

  // Fallback: open addressing on the pointer, keys never removed.
  void BuildHash(const v8::HeapSnapshot* snapshot, uint32_t n) {
    std::vector<Run>().swap(runs_);
    std::vector<uint32_t>().swap(buckets_);
    regions_.clear();
    std::vector<uintptr_t>().swap(region_keys_);
    size_t capacity = 16;
    while (capacity < size_t{n} + n / 2) capacity <<= 1;
    hash_keys_.assign(capacity, 0);
    hash_values_.resize(capacity);
    mask_ = capacity - 1;
    for (uint32_t i = 0; i < n; i++) {
      const uintptr_t key = reinterpret_cast<uintptr_t>(snapshot->GetNode(static_cast<int>(i)));
      size_t slot = HashSlot(key);
      while (hash_keys_[slot] != 0) slot = (slot + 1) & mask_;
      hash_keys_[slot] = key;
      hash_values_[slot] = i;
    }
  }
  uint32_t FindInHash(uintptr_t key) const {
    for (size_t slot = HashSlot(key);; slot = (slot + 1) & mask_) {
      if (hash_keys_[slot] == key) return hash_values_[slot];
      if (hash_keys_[slot] == 0) return kNone;
    }
  }
  size_t HashSlot(uintptr_t key) const {
    return static_cast<size_t>(((key >> 3) * 0x9E3779B97F4A7C15ull) >> 20) & mask_;
  }

  uintptr_t stride_ = 0;
  std::vector<Run> runs_;
  std::vector<uint32_t> buckets_;
  std::unordered_map<uintptr_t, uint32_t> regions_;  // while building
  static constexpr uintptr_t kNoRegion = ~uintptr_t{0};
  std::vector<uintptr_t> region_keys_;
  std::vector<uint32_t> region_ids_;
  size_t region_mask_ = 0;
  std::vector<uintptr_t> hash_keys_;
  std::vector<uint32_t> hash_values_;
  size_t mask_ = 0;
};

}  // namespace allocscope
