// Log-linear histogram of pause durations in nanoseconds: 8 buckets per power of
// two (bucket width ≤ 12.5 % of its value), from 1 ns to 2^40 ns (~18 min).
// Recording is a few integer operations: safe inside GC callbacks.
#pragma once

#include <cstdint>

namespace allocscope {

constexpr uint32_t kHistogramSubBits = 3;
constexpr uint32_t kHistogramSub = 1u << kHistogramSubBits;
constexpr uint32_t kHistogramMaxExponent = 40;
constexpr uint32_t kHistogramBuckets = (kHistogramMaxExponent - kHistogramSubBits + 2) * kHistogramSub;

inline uint32_t HistogramBucket(uint64_t value) {
  if (value < kHistogramSub) return static_cast<uint32_t>(value);
  const uint32_t exponent = 63u - static_cast<uint32_t>(__builtin_clzll(value));
  const uint32_t sub = static_cast<uint32_t>(value >> (exponent - kHistogramSubBits)) & (kHistogramSub - 1);
  const uint32_t index = (exponent - kHistogramSubBits + 1) * kHistogramSub + sub;
  return index < kHistogramBuckets ? index : kHistogramBuckets - 1;
}

}  // namespace allocscope
