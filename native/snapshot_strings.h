// A de-duplicated UTF-8 string table for heap snapshot names: one arena of bytes,
// offsets into it and an open-addressing index. Names repeat a lot (every
// "Object", "map", "system / Context"), so a snapshot of millions of nodes holds
// a few thousand to a few hundred thousand distinct strings.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace allocscope {

class SnapshotStrings {
 public:
  static constexpr uint32_t kNone = 0xffffffffu;

  SnapshotStrings() { index_.assign(1024, kNone); }

  uint32_t Intern(std::string_view s) {
    const uint64_t h = Hash(s);
    size_t mask = index_.size() - 1;
    for (size_t slot = h & mask;; slot = (slot + 1) & mask) {
      const uint32_t id = index_[slot];
      if (id == kNone) {
        const uint32_t fresh = static_cast<uint32_t>(offsets_.size());
        offsets_.push_back(static_cast<uint32_t>(bytes_.size()));
        lengths_.push_back(static_cast<uint32_t>(s.size()));
        hashes_.push_back(static_cast<uint32_t>(h));
        bytes_.insert(bytes_.end(), s.begin(), s.end());
        index_[slot] = fresh;
        if (offsets_.size() * 2 > index_.size()) Grow();
        return fresh;
      }
      if (hashes_[id] == static_cast<uint32_t>(h) && Get(id) == s) return id;
    }
  }

  // The id of `s` if it was interned, kNone otherwise.
  uint32_t Find(std::string_view s) const {
    const uint64_t h = Hash(s);
    size_t mask = index_.size() - 1;
    for (size_t slot = h & mask;; slot = (slot + 1) & mask) {
      const uint32_t id = index_[slot];
      if (id == kNone) return kNone;
      if (hashes_[id] == static_cast<uint32_t>(h) && Get(id) == s) return id;
    }
  }

  std::string_view Get(uint32_t id) const {
    return std::string_view(bytes_.data() + offsets_[id], lengths_[id]);
  }
  uint32_t size() const { return static_cast<uint32_t>(offsets_.size()); }
  size_t MemoryBytes() const {
    return bytes_.capacity() + (offsets_.capacity() + lengths_.capacity() + hashes_.capacity() + index_.capacity()) * 4;
  }

 private:
  static uint64_t Hash(std::string_view s) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h ^ (h >> 29);
  }
  void Grow() {
    std::vector<uint32_t> bigger(index_.size() * 2, kNone);
    const size_t mask = bigger.size() - 1;
    for (uint32_t id = 0; id < offsets_.size(); id++) {
      size_t slot = hashes_[id] & mask;
      while (bigger[slot] != kNone) slot = (slot + 1) & mask;
      bigger[slot] = id;
    }
    index_.swap(bigger);
  }

  std::vector<char> bytes_;
  std::vector<uint32_t> offsets_, lengths_, hashes_;
  std::vector<uint32_t> index_;
};

}  // namespace allocscope
