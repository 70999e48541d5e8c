#include "malloc_got_patch.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "malloc_hooks.h"

namespace allocscope {
namespace malloc_got_patch {

namespace {
using malloc_hooks::kHookCount;
using malloc_hooks::kHookFunctions;
using malloc_hooks::kHookNames;
using malloc_hooks::g_real;

// One patched slot. obj_name points into the loader's link_map (stable while the
// object is loaded); with the base it identifies the object.
struct Patch {
  uintptr_t slot;
  void* original;
  uintptr_t object_base;
  const char* object_name;
  int hook;
  bool relro;
};
constexpr int kMaxPatches = 8192;
Patch g_patches[kMaxPatches];
int g_patch_count = 0;
int g_objects = 0;
bool g_patched = false;
// Guards the patch list: start/stop on a JS thread, dlopen/dlclose on any thread.
pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
uintptr_t g_self_base = 0;

int HookOf(const char* name) {
  for (int i = 0; i < kHookCount; i++) {
    if (strcmp(name, kHookNames[i]) == 0) return i;
  }
  return -1;
}

// Writes one slot; a slot in PT_GNU_RELRO (node is linked with full RELRO) is made
// writable for the write and read-only again.
bool WriteSlot(uintptr_t slot, void* value, bool relro) {
  const uintptr_t page_size = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  void* page = reinterpret_cast<void*>(slot & ~(page_size - 1));
  if (relro && mprotect(page, page_size, PROT_READ | PROT_WRITE) != 0) return false;
  __atomic_store_n(reinterpret_cast<void**>(slot), value, __ATOMIC_SEQ_CST);
  if (relro) mprotect(page, page_size, PROT_READ);
  return true;
}

// The dynamic section's tables of one object.
struct DynamicTables {
  const ElfW(Sym)* symbols = nullptr;
  const char* strings = nullptr;
  const ElfW(Rela)* tables[2] = {nullptr, nullptr};  // DT_JMPREL, DT_RELA
  size_t sizes[2] = {0, 0};
  uintptr_t relro_lo = 0, relro_hi = 0;
};

bool ReadDynamic(const dl_phdr_info* info, DynamicTables* t) {
  const uintptr_t base = info->dlpi_addr;
  const ElfW(Dyn)* dynamic = nullptr;
  const uintptr_t page_size = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_DYNAMIC) dynamic = reinterpret_cast<const ElfW(Dyn)*>(base + ph.p_vaddr);
    if (ph.p_type == PT_GNU_RELRO) {
      // What the loader made read-only: both ends rounded down to a page (a partial
      // last page stays writable and must stay so).
      t->relro_lo = (base + ph.p_vaddr) & ~(page_size - 1);
      t->relro_hi = (base + ph.p_vaddr + ph.p_memsz) & ~(page_size - 1);
    }
  }
  if (!dynamic) return false;
  // The loader relocates d_ptr in place, except in read-only dynamic sections.
  auto address = [base](uintptr_t p) { return p < base ? p + base : p; };
  for (const ElfW(Dyn)* d = dynamic; d->d_tag != DT_NULL; d++) {
    switch (d->d_tag) {
      case DT_SYMTAB: t->symbols = reinterpret_cast<const ElfW(Sym)*>(address(d->d_un.d_ptr)); break;
      case DT_STRTAB: t->strings = reinterpret_cast<const char*>(address(d->d_un.d_ptr)); break;
      case DT_JMPREL: t->tables[0] = reinterpret_cast<const ElfW(Rela)*>(address(d->d_un.d_ptr)); break;
      case DT_PLTRELSZ: t->sizes[0] = d->d_un.d_val; break;
      case DT_RELA: t->tables[1] = reinterpret_cast<const ElfW(Rela)*>(address(d->d_un.d_ptr)); break;
      case DT_RELASZ: t->sizes[1] = d->d_un.d_val; break;
      default: break;
    }
  }
  return t->symbols && t->strings;
}

// Calls visit(hook, slot) for each relocation of `info` that names a hooked function:
// PLT slots, GOT data slots, and plain 64-bit data pointers (libuv's and sqlite's
// allocator tables hold &malloc directly).
template <typename Visit>
void ForEachSlot(const dl_phdr_info* info, const DynamicTables& t, Visit visit) {
  for (int k = 0; k < 2; k++) {
    const ElfW(Rela)* r = t.tables[k];
    if (!r) continue;
    for (size_t i = 0; i < t.sizes[k] / sizeof(ElfW(Rela)); i++) {
      const uint32_t type = ELF64_R_TYPE(r[i].r_info);
      const uint32_t symbol = ELF64_R_SYM(r[i].r_info);
      if (!symbol) continue;
      if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT && type != R_X86_64_64) continue;
      if (type == R_X86_64_64 && r[i].r_addend != 0) continue;
      const int hook = HookOf(t.strings + t.symbols[symbol].st_name);
      if (hook >= 0) visit(hook, info->dlpi_addr + r[i].r_offset, type);
    }
  }
}

bool Skipped(const dl_phdr_info* info) {
  const char* name = info->dlpi_name ? info->dlpi_name : "";
  if (info->dlpi_addr == g_self_base && g_self_base) return true;  // our own allocations are not the program's
  return strstr(name, "linux-vdso") || strstr(name, "ld-linux") || strstr(name, "libasan") ||
         strstr(name, "libclang_rt.asan");
}

bool AlreadyPatched(const dl_phdr_info* info) {
  for (int i = 0; i < g_patch_count; i++) {
    if (g_patches[i].object_base == info->dlpi_addr && g_patches[i].object_name == info->dlpi_name) return true;
  }
  return false;
}

int PatchObject(dl_phdr_info* info, size_t, void*) {
  if (Skipped(info) || AlreadyPatched(info)) return 0;
  DynamicTables t;
  if (!ReadDynamic(info, &t)) return 0;
  g_objects++;
  ForEachSlot(info, t, [&](int hook, uintptr_t slot, uint32_t) {
    if (!g_real[hook] || g_patch_count >= kMaxPatches) return;
    void* current = *reinterpret_cast<void**>(slot);
    if (current == kHookFunctions[hook]) return;
    const bool relro = slot >= t.relro_lo && slot < t.relro_hi;
    if (WriteSlot(slot, kHookFunctions[hook], relro)) {
      g_patches[g_patch_count++] = Patch{slot, current, info->dlpi_addr, info->dlpi_name, hook, relro};
    }
  });
  return 0;
}

// The objects loaded now, to tell which patches still have memory behind them.
struct Loaded {
  uintptr_t base;
  const char* name;
};
constexpr int kMaxLoaded = 2048;
Loaded g_loaded[kMaxLoaded];
int g_loaded_count = 0;
int CollectLoaded(dl_phdr_info* info, size_t, void*) {
  if (g_loaded_count < kMaxLoaded) g_loaded[g_loaded_count++] = {info->dlpi_addr, info->dlpi_name};
  return 0;
}
bool IsLoaded(const Patch& p) {
  for (int k = 0; k < g_loaded_count; k++) {
    if (g_loaded[k].base == p.object_base && g_loaded[k].name == p.object_name) return true;
  }
  return false;
}

// ---------------------------------------------------------------- the real functions
uintptr_t g_exe_lo = 0, g_exe_hi = 0;
void* g_exe_bound[kHookCount];
bool g_exe_dynamic = false;

int ReadExecutable(dl_phdr_info* info, size_t, void*) {
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    const uintptr_t lo = info->dlpi_addr + ph.p_vaddr, hi = lo + ph.p_memsz;
    if (!g_exe_lo || lo < g_exe_lo) g_exe_lo = lo;
    if (hi > g_exe_hi) g_exe_hi = hi;
  }
  DynamicTables t;
  if (!ReadDynamic(info, &t)) return 1;
  g_exe_dynamic = true;
  ForEachSlot(info, t, [&](int hook, uintptr_t slot, uint32_t type) {
    if (type == R_X86_64_64 || g_exe_bound[hook]) return;
    g_exe_bound[hook] = *reinterpret_cast<void**>(slot);
  });
  return 1;  // the first object is the executable
}

bool InExecutable(void* p) {
  return reinterpret_cast<uintptr_t>(p) >= g_exe_lo && reinterpret_cast<uintptr_t>(p) < g_exe_hi;
}
}  // namespace

bool ResolveReal(std::string* why) {
  if (g_real[malloc_hooks::kMalloc]) return true;
  if (!dlsym(RTLD_DEFAULT, "gnu_get_libc_version")) {
    *why = "native allocations can be hooked with glibc only (this process has another C library)";
    return false;
  }
  Dl_info self;
  if (dladdr(reinterpret_cast<void*>(&ResolveReal), &self)) g_self_base = reinterpret_cast<uintptr_t>(self.dli_fbase);
  dl_iterate_phdr(ReadExecutable, nullptr);
  if (!g_exe_dynamic) {
    *why = "the node executable is statically linked: it has no GOT to patch";
    return false;
  }
  void* found[kHookCount];
  for (int i = 0; i < kHookCount; i++) {
    void* p = dlsym(RTLD_DEFAULT, kHookNames[i]);
    // A non-PIE node that takes &malloc exports a canonical PLT stub: dlsym returns
    // the stub, and calling it after patching would call our hook forever. The
    // executable's own slot holds what the loader bound (glibc's, or an LD_PRELOADed
    // allocator's); a function the executable defines itself is not hooked.
    if (p && InExecutable(p)) p = g_exe_bound[i] && !InExecutable(g_exe_bound[i]) ? g_exe_bound[i] : nullptr;
    found[i] = p;
  }
  if (!found[malloc_hooks::kMalloc] || !found[malloc_hooks::kFree]) {
    *why = "malloc and free could not be resolved to the C library";
    return false;
  }
  for (int i = 0; i < kHookCount; i++) g_real[i] = found[i];
  return true;
}

int PatchAll(std::string* why) {
  pthread_mutex_lock(&g_mutex);
  g_objects = 0;
  g_patched = true;
  dl_iterate_phdr(PatchObject, nullptr);
  bool malloc_slot = false, free_slot = false;
  for (int i = 0; i < g_patch_count; i++) {
    malloc_slot |= g_patches[i].hook == malloc_hooks::kMalloc;
    free_slot |= g_patches[i].hook == malloc_hooks::kFree;
  }
  const int n = g_patch_count;
  pthread_mutex_unlock(&g_mutex);
  if (!malloc_slot || !free_slot) {
    RestoreAll();
    *why = "no GOT slot for malloc and free was found in the loaded objects";
    return 0;
  }
  return n;
}

int RestoreAll() {
  pthread_mutex_lock(&g_mutex);
  g_patched = false;
  g_loaded_count = 0;
  dl_iterate_phdr(CollectLoaded, nullptr);
  int restored = 0;
  for (int i = g_patch_count - 1; i >= 0; i--) {
    const Patch& p = g_patches[i];
    if (!IsLoaded(p)) continue;  // unloaded: its memory is gone
    // Only undo our own write: the loader or uv_replace_allocator may have changed it since.
    if (*reinterpret_cast<void**>(p.slot) != kHookFunctions[p.hook]) continue;
    if (WriteSlot(p.slot, p.original, p.relro)) restored++;
  }
  g_patch_count = 0;
  pthread_mutex_unlock(&g_mutex);
  return restored;
}

void PatchNewObjects() {
  pthread_mutex_lock(&g_mutex);
  if (g_patched) dl_iterate_phdr(PatchObject, nullptr);
  pthread_mutex_unlock(&g_mutex);
}

int CloseObject(void* handle, int (*real_dlclose)(void*)) {
  pthread_mutex_lock(&g_mutex);
  const int r = real_dlclose(handle);
  g_loaded_count = 0;
  dl_iterate_phdr(CollectLoaded, nullptr);
  int kept = 0;
  for (int i = 0; i < g_patch_count; i++) {
    if (IsLoaded(g_patches[i])) g_patches[kept++] = g_patches[i];
  }
  g_patch_count = kept;
  pthread_mutex_unlock(&g_mutex);
  return r;
}

Figures Read() {
  pthread_mutex_lock(&g_mutex);
  const Figures f{g_patch_count, g_objects};
  pthread_mutex_unlock(&g_mutex);
  return f;
}

}  // namespace malloc_got_patch
}  // namespace allocscope
