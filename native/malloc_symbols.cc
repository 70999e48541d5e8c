// ELF64 symbol reader (see malloc_symbols.h). Each file is read once with pread (its
// pages are never mapped, so reading node's 7.5 MB string table costs no RSS) into a
// sorted table of function symbols, cached for the life of the process; a name is read
// from the file when it is first asked for, then kept.
#include "malloc_symbols.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>

namespace allocscope {
namespace malloc_symbols {
namespace {

// A zero-size symbol (hand-written asm, some JIT stubs) is only trusted this far.
constexpr uint64_t kUnsizedReach = 64 * 1024;
// Longer names (deep templates) are cut here.
constexpr size_t kMaxName = 4096;

struct Sym {
  uint64_t start;    // link-time address (st_value)
  uint64_t max_end;  // max(start + size) over this and all earlier entries
  uint32_t size;     // st_size (clamped), may be 0
  uint32_t name;     // offset into the string table
};

struct Table {
  std::vector<Sym> syms;  // sorted by (start, size)
  uint64_t strtab_offset = 0, strtab_size = 0;  // in the file
  std::unordered_map<uint32_t, std::string> names;  // read so far, by offset
};

// True if [off, off + len) lies inside a file of `size` bytes, without overflow.
bool InFile(uint64_t off, uint64_t len, uint64_t size) {
  return off <= size && len <= size - off;
}

bool ReadAt(int fd, void* to, size_t len, uint64_t off) {
  auto* p = static_cast<uint8_t*>(to);
  while (len > 0) {
    const ssize_t n = pread(fd, p, len, static_cast<off_t>(off));
    if (n <= 0) return false;
    p += n, off += uint64_t(n), len -= size_t(n);
  }
  return true;
}

// Fills `t` from the file; on any inconsistency leaves it (possibly) empty.
void Parse(int fd, uint64_t size, Table* t) {
  Elf64_Ehdr eh;
  if (size < sizeof(eh) || !ReadAt(fd, &eh, sizeof(eh), 0)) return;
  if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_ident[EI_DATA] != ELFDATA2LSB || (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) ||
      eh.e_shoff == 0 || eh.e_shentsize != sizeof(Elf64_Shdr) || !InFile(eh.e_shoff, sizeof(Elf64_Shdr), size))
    return;
  Elf64_Shdr first;
  if (!ReadAt(fd, &first, sizeof(first), eh.e_shoff)) return;
  const uint64_t shnum = eh.e_shnum != 0 ? eh.e_shnum : first.sh_size;  // extended numbering
  if (shnum > size / sizeof(Elf64_Shdr) || !InFile(eh.e_shoff, shnum * sizeof(Elf64_Shdr), size)) return;
  std::vector<Elf64_Shdr> sh(shnum);
  if (!ReadAt(fd, sh.data(), shnum * sizeof(Elf64_Shdr), eh.e_shoff)) return;
  // The full table when the file has one; a stripped library still has its exports.
  const Elf64_Shdr* sym = nullptr;
  for (const auto& s : sh)
    if (s.sh_type == SHT_SYMTAB) sym = &s;
  for (const auto& s : sh)
    if (!sym && s.sh_type == SHT_DYNSYM) sym = &s;
  if (!sym || sym->sh_entsize != sizeof(Elf64_Sym) || !InFile(sym->sh_offset, sym->sh_size, size) ||
      sym->sh_link >= shnum)
    return;
  const Elf64_Shdr& str = sh[sym->sh_link];
  if (str.sh_type != SHT_STRTAB || !InFile(str.sh_offset, str.sh_size, size) || str.sh_size > UINT32_MAX) return;
  t->strtab_offset = str.sh_offset;
  t->strtab_size = str.sh_size;
  const uint64_t count = sym->sh_size / sizeof(Elf64_Sym);
  std::vector<Elf64_Sym> chunk(4096);
  for (uint64_t k = 0; k < count; k += chunk.size()) {
    const uint64_t n = std::min<uint64_t>(chunk.size(), count - k);
    if (!ReadAt(fd, chunk.data(), n * sizeof(Elf64_Sym), sym->sh_offset + k * sizeof(Elf64_Sym))) return;
    for (uint64_t i = 0; i < n; i++) {
      const Elf64_Sym& s = chunk[i];
      if (ELF64_ST_TYPE(s.st_info) != STT_FUNC || s.st_value == 0 || s.st_shndx == SHN_UNDEF ||
          s.st_name == 0 || s.st_name >= str.sh_size)
        continue;
      t->syms.push_back({s.st_value, 0, uint32_t(std::min<uint64_t>(s.st_size, UINT32_MAX)), s.st_name});
    }
  }
  // Sizes ascending within a start, so the last symbol at an address is its largest.
  std::sort(t->syms.begin(), t->syms.end(), [](const Sym& a, const Sym& b) {
    return a.start != b.start ? a.start < b.start : a.size < b.size;
  });
  uint64_t max_end = 0;
  for (Sym& s : t->syms) s.max_end = max_end = std::max(max_end, s.start + s.size);
  t->syms.shrink_to_fit();
}

// The symbol covering a link-time address, or null.
const Sym* Cover(const Table& t, uint64_t addr) {
  // Last symbol starting at or before addr.
  auto it = std::upper_bound(t.syms.begin(), t.syms.end(), addr, [](uint64_t a, const Sym& s) { return a < s.start; });
  if (it == t.syms.begin()) return nullptr;
  const Sym* nearest = &*(it - 1);
  // Innermost sized symbol covering addr: walk back while anything earlier could
  // still reach addr (max_end is a prefix maximum, so the walk stops early).
  for (auto j = it; j != t.syms.begin() && (j - 1)->max_end > addr; --j) {
    const Sym& s = *(j - 1);
    if (s.size != 0 && addr - s.start < s.size) return &s;
  }
  // No sized cover: trust an unsized label just before addr. A sized nearest symbol
  // means addr is past that function's end (padding, or code we have no name for).
  if (nearest->size != 0 || addr - nearest->start >= kUnsizedReach) return nullptr;
  return nearest;
}

// The NUL-terminated string at `offset` of the table's string table, read from the file.
std::string ReadName(const std::string& path, const Table& t, uint32_t offset) {
  std::string name;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return name;
  char buf[256];
  uint64_t at = offset;
  while (at < t.strtab_size && name.size() < kMaxName) {
    const size_t want = size_t(std::min<uint64_t>(sizeof buf, t.strtab_size - at));
    const ssize_t n = pread(fd, buf, want, off_t(t.strtab_offset + at));
    if (n <= 0) break;
    const void* nul = memchr(buf, 0, size_t(n));
    name.append(buf, nul ? static_cast<const char*>(nul) - buf : size_t(n));
    if (nul) break;
    at += uint64_t(n);
  }
  close(fd);
  return name;
}

// Process-wide: the files' symbols do not depend on the isolate. Keyed by path and
// inode, so a library replaced on disk and loaded again is read again.
std::mutex g_mu;
auto* g_tables = new std::map<std::pair<std::string, uint64_t>, Table>;  // leaked: no exit-time dtor

// The table of `path`, read on first use; null for a file that cannot be read.
// std::map nodes never move, so the pointer stays valid.
Table* TableOf(const std::string& path) {
  struct stat st;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  Table* t = nullptr;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    std::lock_guard<std::mutex> lock(g_mu);
    auto [it, inserted] = g_tables->try_emplace({path, uint64_t(st.st_ino) ^ (uint64_t(st.st_dev) << 40)});
    if (inserted) Parse(fd, uint64_t(st.st_size), &it->second);
    t = &it->second;
  }
  close(fd);
  return t;
}

// The symbol name covering `addr` (link-time) in table `t` of `path`, or "".
std::string SymbolAt(const std::string& path, Table* t, uint64_t addr) {
  const Sym* s = Cover(*t, addr);
  if (!s) return "";
  std::lock_guard<std::mutex> lock(g_mu);
  auto name = t->names.find(s->name);
  if (name == t->names.end()) name = t->names.emplace(s->name, ReadName(path, *t, s->name)).first;
  return name->second;
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string ExeName() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? BaseName(std::string(buf, size_t(n))) : "node";
}

}  // namespace

LoadedObjects::LoadedObjects() {
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        auto* segments = static_cast<std::vector<Segment>*>(data);
        // The main program has no name here; its file is /proc/self/exe (argv[0] may be relative).
        const bool exe = !info->dlpi_name || !*info->dlpi_name;
        const std::string path = exe ? "/proc/self/exe" : info->dlpi_name;
        const std::string object = exe ? ExeName() : BaseName(path);
        for (int i = 0; i < info->dlpi_phnum; i++) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;  // return addresses are in code
          const uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
          segments->push_back({lo, lo + ph.p_memsz, info->dlpi_addr, path, object});
        }
        return 0;
      },
      &segments_);
  std::sort(segments_.begin(), segments_.end(), [](const Segment& a, const Segment& b) { return a.lo < b.lo; });
}

bool LoadedObjects::Locate(uintptr_t pc, Location* out) const {
  auto it = std::upper_bound(segments_.begin(), segments_.end(), pc, [](uintptr_t a, const Segment& s) { return a < s.lo; });
  if (it == segments_.begin() || pc >= (it - 1)->hi) return false;
  const Segment& s = *(it - 1);
  out->object = s.object;
  out->offset = pc - s.bias;
  if (!s.table_read) {
    s.table = TableOf(s.path);  // a Table*, kept opaque in the header
    s.table_read = true;
  }
  out->symbol = s.table ? SymbolAt(s.path, static_cast<Table*>(s.table), pc - s.bias) : "";
  return true;
}

}  // namespace malloc_symbols
}  // namespace allocscope
