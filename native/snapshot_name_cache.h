// Maps the v8::String that HeapGraphNode/HeapGraphEdge::GetName() return to
// their id in a SnapshotStrings table without converting them to UTF-8 again.
//
// GetName() internalizes V8's char* name on every call, so the same name comes
// back as the same (internalized) string object each time: the cache is keyed by
// the string's identity hash (V8 has already computed it for internalized
// strings) and confirmed by handle identity. Anything else (a string seen for
// the first time, a non-internalized one) takes the UTF-8 path and is cached.
//
// Memory: one V8 global handle (~32 bytes) and ~28 bytes per cached name; only
// names seen twice are cached, at most kMaxCached of them (further names are
// still interned, just not cached): at most ~4 MB, however many distinct names
// the snapshot has.
#pragma once

#include <v8-isolate.h>
#include <v8-persistent-handle.h>
#include <v8-primitive.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "snapshot_strings.h"
#include "v8_compat.h"

namespace allocscope {

class SnapshotNameCache {
 public:
  static constexpr uint32_t kMaxCached = 1u << 16;

  SnapshotNameCache(v8::Isolate* isolate, SnapshotStrings* strings) : isolate_(isolate), strings_(strings) {
    slots_.assign(1024, Slot{0, kEmpty});
  }

  // Heap bytes held, V8's global handles (about 32 bytes each) included.
  size_t MemoryBytes() const {
    return slots_.capacity() * sizeof(Slot) + handles_.capacity() * (sizeof(handles_[0]) + 32) + ids_.capacity() * 4;
  }

  uint32_t Intern(v8::Local<v8::String> s) {
    const uint32_t hash = static_cast<uint32_t>(s->GetIdentityHash());
    size_t mask = slots_.size() - 1;
    size_t slot = Mix(hash) & mask;
    for (; slots_[slot].handle != kEmpty; slot = (slot + 1) & mask) {
      const Slot& entry = slots_[slot];
      if (entry.hash == hash && handles_[entry.handle] == s) return ids_[entry.handle];
    }
    const uint32_t known = strings_->size();
    const uint32_t id = strings_->Intern(Utf8(s));
    // Cache a name the second time it is seen: most distinct names (numbered
    // slots, dictionary keys) occur once, and a handle for each would cost more.
    if (id < known && handles_.size() < kMaxCached) {
      slots_[slot] = Slot{hash, static_cast<uint32_t>(handles_.size())};
      handles_.emplace_back(isolate_, s);
      ids_.push_back(id);
      if (handles_.size() * 2 > slots_.size()) Grow();
    }
    return id;
  }

 private:
  static constexpr uint32_t kEmpty = 0xffffffffu;
  struct Slot {
    uint32_t hash;
    uint32_t handle;  // index into handles_ and ids_, kEmpty if free
  };

  static size_t Mix(uint32_t hash) { return static_cast<size_t>((hash * 0x9E3779B97F4A7C15ull) >> 32); }

  std::string_view Utf8(v8::Local<v8::String> s) {
    const size_t capacity = static_cast<size_t>(s->Length()) * 3;
    if (buffer_.size() < capacity) buffer_.resize(capacity);
    return std::string_view(buffer_.data(), WriteUtf8(isolate_, s, buffer_.data(), capacity));
  }

  void Grow() {
    std::vector<Slot> bigger(slots_.size() * 2, Slot{0, kEmpty});
    const size_t mask = bigger.size() - 1;
    for (const Slot& entry : slots_) {
      if (entry.handle == kEmpty) continue;
      size_t slot = Mix(entry.hash) & mask;
      while (bigger[slot].handle != kEmpty) slot = (slot + 1) & mask;
      bigger[slot] = entry;
    }
    slots_.swap(bigger);
  }

  v8::Isolate* isolate_;
  SnapshotStrings* strings_;
  std::vector<Slot> slots_;
  std::vector<v8::Global<v8::String>> handles_;
  std::vector<uint32_t> ids_;
  std::string buffer_;
};

}  // namespace allocscope
