// Everything that differs between V8 versions lives here, behind V8_MAJOR_VERSION
// checks, so that the rest of the addon reads one vocabulary.
#pragma once

#include <v8-callbacks.h>
#include <v8-isolate.h>
#include <v8-primitive.h>
#include <v8-profiler.h>
#include <v8-version.h>

#include <cstddef>
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

// Writes `s` as UTF-8 (invalid sequences replaced, no terminator) into `buffer`,
// which holds at least 3 bytes per UTF-16 unit; returns the bytes written.
// V8 13 deprecated String::WriteUtf8 and V8 14 removed it for WriteUtf8V2.
inline size_t WriteUtf8(v8::Isolate* isolate, v8::Local<v8::String> s, char* buffer, size_t capacity) {
#if V8_MAJOR_VERSION >= 13
  return s->WriteUtf8V2(isolate, buffer, capacity, v8::String::WriteFlags::kReplaceInvalidUtf8);
#else
  return static_cast<size_t>(s->WriteUtf8(isolate, buffer, static_cast<int>(capacity), nullptr,
                                          v8::String::NO_NULL_TERMINATION | v8::String::REPLACE_INVALID_UTF8));
#endif
}

// V8 14 added AllocationProfile::Sample::is_live: with the sampler's flags
// kSamplingIncludeObjectsCollectedByMajorGC|MinorGC, a collected object's sample
// stays in the profile (so allocated bytes stay counted) and reads is_live=false.
// Older V8 keeps such samples too but cannot tell them from live ones: there, an
// allocated-mode profile has no live figures at all (not zeros).
constexpr bool kSampleLiveness = V8_MAJOR_VERSION >= 14;

// Whether the sampled object was still alive when the profile was taken; always
// false where kSampleLiveness is false (callers check kSampleLiveness first).
inline bool SampleIsLive(const v8::AllocationProfile::Sample& sample) {
#if V8_MAJOR_VERSION >= 14
  return sample.is_live;
#else
  (void)sample;
  return false;
#endif
}

}  // namespace allocscope
