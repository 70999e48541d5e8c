// Names native return addresses without dladdr(). dladdr scans an object's whole
// dynamic symbol table on every call (75,000 symbols in node: ~100 µs a lookup, most of
// a profile's collection), and sees only exported symbols, so node's internal functions
// came out as "node+0x880c3f". Instead, the loaded objects are listed once per
// collection (dl_iterate_phdr) and each file's ELF .symtab (or .dynsym when stripped) is
// read once into a sorted table: a binary search per address. It runs on the JS thread
// when a profile is collected, never inside a malloc hook, so it may allocate.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace allocscope {
namespace malloc_symbols {

// What one address is.
struct Location {
  std::string object;  // the file's base name ("node", "libc.so.6"); empty outside every object
  std::string symbol;  // raw (mangled) function name; empty when no symbol covers it
  uintptr_t offset = 0;  // the address minus the object's load bias (for "object+0x…")
};

// The objects loaded when it was made: cheap (one dl_iterate_phdr), made per collection
// so that objects loaded or unloaded since are seen as they are now.
class LoadedObjects {
 public:
  LoadedObjects();
  // False for an address outside every object's loaded segments (JIT code, anonymous maps).
  bool Locate(uintptr_t pc, Location* out) const;

 private:
  struct Segment {
    uintptr_t lo, hi;  // runtime addresses
    uintptr_t bias;    // dlpi_addr: runtime minus link-time address
    std::string path;    // file to read the symbols from
    std::string object;  // what reports call it
    mutable void* table = nullptr;  // its symbols, read on first use
    mutable bool table_read = false;
  };
  std::vector<Segment> segments_;  // sorted by lo
};

}  // namespace malloc_symbols
}  // namespace allocscope
