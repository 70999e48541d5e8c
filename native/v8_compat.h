// Everything that differs between V8 versions lives here, behind V8_MAJOR_VERSION
// checks, so that the rest of the addon reads one vocabulary.
#pragma once

#include <v8-callbacks.h>
#include <v8-version.h>

#include <cstdint>

namespace allocscope {

// GC kinds, indexed by the bit position of v8::GCType (the same numbers that
// perf_hooks reports as `detail.kind`). Unknown future bits land in kGcKindOther.
enum GcKind : uint32_t {
  kGcKindScavenge = 0,
  kGcKindMinor = 1,
  kGcKindMarkSweepCompact = 2,
  kGcKindIncrementalMarking = 3,
  kGcKindProcessWeakCallbacks = 4,
  kGcKindOther = 5,
  kGcKindCount = 6,
};

inline GcKind GcKindOf(v8::GCType type) {
  const uint32_t bits = static_cast<uint32_t>(type);
  if (bits == 0 || (bits & (bits - 1)) != 0) return kGcKindOther;
  const uint32_t index = static_cast<uint32_t>(__builtin_ctz(bits));
  return index < kGcKindOther ? static_cast<GcKind>(index) : kGcKindOther;
}

inline const char* GcKindName(uint32_t kind) {
  switch (kind) {
    case kGcKindScavenge: return "scavenge";
#if V8_MAJOR_VERSION >= 12
    case kGcKindMinor: return "minorMarkSweep";  // renamed from MinorMarkCompact in V8 12
#else
    case kGcKindMinor: return "minorMarkCompact";
#endif
    case kGcKindMarkSweepCompact: return "markSweepCompact";
    case kGcKindIncrementalMarking: return "incrementalMarking";
    case kGcKindProcessWeakCallbacks: return "processWeakCallbacks";
    default: return "other";
  }
}

// Every GC type bit this V8 knows; we register for all of them, as perf_hooks does.
constexpr v8::GCType kAllGcTypes = v8::kGCTypeAll;

}  // namespace allocscope
