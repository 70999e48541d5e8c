// ELF64 .symtab reader (see malloc_symbols.h). Each file is parsed once into a
// sorted table of function symbols, cached for the life of the process.
#include "malloc_symbols.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

namespace allocscope {
namespace malloc_symbols {
namespace {

// A zero-size symbol (hand-written asm, some JIT stubs) is only trusted this far.
constexpr uint64_t kUnsizedReach = 64 * 1024;

struct Sym {
  uint64_t start;     // link-time address (st_value)
  uint64_t size;      // st_size, may be 0
  uint64_t max_end;   // max(start + size) over this and all earlier entries
  uint32_t name;      // offset into Table::names
};

struct Table {
  // ET_EXEC symbols are absolute runtime addresses; dli_fbase is then just the lowest
  // PT_LOAD address and must not be subtracted. ET_DYN symbols are link-time
  // addresses, and dli_fbase is the runtime address of min_vaddr (usually 0).
  bool exec = false;
  uint64_t min_vaddr = 0;  // lowest PT_LOAD p_vaddr, rounded down to a page
  std::vector<Sym> syms;  // sorted by (start, size)
  std::string names;      // NUL-separated copies of the function names only
};

// True if [off, off + len) lies inside a file of `size` bytes, without overflow.
bool InFile(uint64_t off, uint64_t len, uint64_t size) {
  return off <= size && len <= size - off;
}

// Fills `t` from the mapped file; on any inconsistency leaves it (possibly) empty.
void Parse(const uint8_t* p, uint64_t size, Table* t) {
  Elf64_Ehdr eh;
  if (size < sizeof(eh)) return;
  memcpy(&eh, p, sizeof(eh));
  if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_ident[EI_DATA] != ELFDATA2LSB || (eh.e_type != ET_EXEC && eh.e_type != ET_DYN))
    return;
  t->exec = eh.e_type == ET_EXEC;
  if (eh.e_phentsize == sizeof(Elf64_Phdr) &&
      InFile(eh.e_phoff, uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr), size)) {
    uint64_t lo = UINT64_MAX;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
      Elf64_Phdr ph;
      memcpy(&ph, p + eh.e_phoff + i * sizeof(ph), sizeof(ph));
      if (ph.p_type == PT_LOAD) lo = std::min<uint64_t>(lo, ph.p_vaddr);
    }
    // glibc's l_map_start (= dli_fbase) is the first segment rounded down to a page.
    if (lo != UINT64_MAX) t->min_vaddr = lo & ~uint64_t(sysconf(_SC_PAGESIZE) - 1);
  }
  if (eh.e_shoff == 0 || eh.e_shentsize != sizeof(Elf64_Shdr) ||
      !InFile(eh.e_shoff, sizeof(Elf64_Shdr), size))
    return;
  const auto shdr = [&](uint64_t i) {
    Elf64_Shdr sh;
    memcpy(&sh, p + eh.e_shoff + i * sizeof(sh), sizeof(sh));
    return sh;
  };
  uint64_t shnum = eh.e_shnum;
  if (shnum == 0) shnum = shdr(0).sh_size;  // extended numbering (>= 0xff00 sections)
  if (shnum > size || !InFile(eh.e_shoff, shnum * sizeof(Elf64_Shdr), size)) return;
  for (uint64_t i = 0; i < shnum; i++) {
    const Elf64_Shdr sym = shdr(i);
    if (sym.sh_type != SHT_SYMTAB) continue;
    if (sym.sh_entsize != sizeof(Elf64_Sym) || !InFile(sym.sh_offset, sym.sh_size, size) ||
        sym.sh_link >= shnum)
      return;
    const Elf64_Shdr str = shdr(sym.sh_link);
    if (str.sh_type != SHT_STRTAB || !InFile(str.sh_offset, str.sh_size, size)) return;
    const char* strs = reinterpret_cast<const char*>(p + str.sh_offset);
    for (uint64_t k = 0; k < sym.sh_size / sizeof(Elf64_Sym); k++) {
      Elf64_Sym s;
      memcpy(&s, p + sym.sh_offset + k * sizeof(s), sizeof(s));
      if (ELF64_ST_TYPE(s.st_info) != STT_FUNC || s.st_value == 0 ||
          s.st_shndx == SHN_UNDEF || s.st_name >= str.sh_size)
        continue;
      const char* n = strs + s.st_name;
      const void* nul = memchr(n, 0, str.sh_size - s.st_name);
      if (nul == nullptr || t->names.size() > UINT32_MAX) continue;  // unterminated name
      t->syms.push_back({s.st_value, s.st_size, 0, uint32_t(t->names.size())});
      t->names.append(n, static_cast<const char*>(nul) - n + 1);
    }
    break;  // ELF allows one SHT_SYMTAB per file
  }
  // Sizes ascending within a start, so the last symbol at an address is its largest.
  std::sort(t->syms.begin(), t->syms.end(), [](const Sym& a, const Sym& b) {
    return a.start != b.start ? a.start < b.start : a.size < b.size;
  });
  uint64_t max_end = 0;
  for (Sym& s : t->syms) s.max_end = max_end = std::max(max_end, s.start + s.size);
}

// Parses `path` into `t`; unreadable files leave it empty (cached as such by caller).
void Load(const char* path, Table* t) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    void* m = mmap(nullptr, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m != MAP_FAILED) {
      Parse(static_cast<const uint8_t*>(m), uint64_t(st.st_size), t);
      munmap(m, st.st_size);
    }
  }
  close(fd);
  t->syms.shrink_to_fit();
  t->names.shrink_to_fit();
}

}  // namespace

bool FunctionAt(const char* path, uintptr_t base, uintptr_t pc, std::string* name) {
  // std::map nodes never move and tables are immutable once built, so the pointer
  // stays valid after unlocking. Parsing under the lock keeps one parse per path.
  static std::mutex mu;
  static auto* cache = new std::map<std::string, Table>;  // leaked: no exit-time dtor
  const Table* t;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto [it, inserted] = cache->try_emplace(path);
    if (inserted) Load(path, &it->second);
    t = &it->second;
  }
  if (t->syms.empty()) return false;
  const uint64_t addr = t->exec ? pc : pc - base + t->min_vaddr;  // link-time address
  // Last symbol starting at or before addr.
  auto it = std::upper_bound(t->syms.begin(), t->syms.end(), addr,
                             [](uint64_t a, const Sym& s) { return a < s.start; });
  if (it == t->syms.begin()) return false;
  const Sym* nearest = &*(it - 1);
  // Innermost sized symbol covering addr: walk back while anything earlier could
  // still reach addr (max_end is a prefix maximum, so the walk stops early).
  for (auto j = it; j != t->syms.begin() && (j - 1)->max_end > addr; --j) {
    const Sym& s = *(j - 1);
    if (s.size != 0 && addr - s.start < s.size) {
      *name = t->names.c_str() + s.name;
      return true;
    }
  }
  // No sized cover: trust an unsized label just before addr. A sized nearest symbol
  // means addr is past that function's end (padding, or code we have no name for).
  if (nearest->size != 0 || addr - nearest->start >= kUnsizedReach) return false;
  *name = t->names.c_str() + nearest->name;
  return true;
}

}  // namespace malloc_symbols
}  // namespace allocscope
