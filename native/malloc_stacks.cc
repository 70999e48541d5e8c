#include "malloc_stacks.h"

#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#define TLS_INITIAL_EXEC __attribute__((tls_model("initial-exec")))

namespace allocscope {
namespace malloc_stacks {

namespace {
// ---------------------------------------------------------------- stack bounds
// The mapping that holds this thread's stack, found once per thread (and again if
// the thread runs on another stack). Plain data, initial-exec: touching global-
// dynamic TLS from inside malloc can call malloc (__tls_get_addr).
struct StackBounds {
  uintptr_t lo, hi;
  uint32_t thread_id_plus_one;  // ThisThreadId() + 1, 0: not registered
  uint32_t epoch;               // the store's epoch when thread_id was given
};
thread_local StackBounds t_bounds TLS_INITIAL_EXEC;

uintptr_t ParseHex(const char*& s, const char* end) {
  uintptr_t v = 0;
  for (; s < end; s++) {
    const char c = *s;
    if (c >= '0' && c <= '9') v = v * 16 + (c - '0');
    else if (c >= 'a' && c <= 'f') v = v * 16 + (c - 'a' + 10);
    else break;
  }
  return v;
}

// Reads /proc/self/maps with raw system calls (no stdio, no malloc) for the
// mapping that contains `address`.
bool MappingOf(uintptr_t address, uintptr_t* lo, uintptr_t* hi) {
  const int fd = static_cast<int>(syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC));
  if (fd < 0) return false;
  char buffer[4096];
  size_t have = 0;
  bool found = false;
  for (;;) {
    const ssize_t n = syscall(SYS_read, fd, buffer + have, sizeof(buffer) - have);
    if (n <= 0) break;
    have += static_cast<size_t>(n);
    size_t start = 0;
    for (size_t i = 0; i < have; i++) {
      if (buffer[i] != '\n') continue;
      const char* s = buffer + start;
      const char* end = buffer + i;
      const uintptr_t a = ParseHex(s, end);
      if (s < end && *s == '-') {
        s++;
        const uintptr_t b = ParseHex(s, end);
        if (address >= a && address < b) {
          *lo = a;
          *hi = b;
          found = true;
          break;
        }
      }
      start = i + 1;
    }
    if (found) break;
    memmove(buffer, buffer + start, have - start);
    have -= start;
    if (have == sizeof(buffer)) have = 0;  // a line longer than the buffer: skip it
  }
  syscall(SYS_close, fd);
  return found;
}

// ---------------------------------------------------------------- the store
// Stacks live in two arrays mapped once per process and never unmapped (hooks on
// other threads may read them after stop()): the frames, back to back, and one
// record per stack. A hash index finds a stack by its frames.
constexpr uint32_t kMaxStacks = 1u << 17;
constexpr uint32_t kIndexSize = 1u << 18;
constexpr size_t kMaxFrames = size_t(1) << 21;  // 48 MiB of frames at most, touched as used

struct StackRecord {
  uint64_t hash;
  uint64_t code_epoch;
  uint32_t offset;
  uint16_t depth;
  uint16_t thread;
  uint8_t allocator;
  double allocated_bytes;
  double allocated_count;
};

StackRecord* g_records = nullptr;
RawFrame* g_frames = nullptr;
uint32_t* g_index = nullptr;  // stack id + 1, 0: empty
std::atomic<uint32_t> g_count{0};
size_t g_frames_used = 0;
std::atomic<uint64_t> g_overflowed{0};
std::atomic<uint32_t> g_epoch{1};
std::atomic_flag g_lock = ATOMIC_FLAG_INIT;

void Lock() { while (g_lock.test_and_set(std::memory_order_acquire)) sched_yield(); }
void Unlock() { g_lock.clear(std::memory_order_release); }

uint64_t Hash(uint16_t thread, uint8_t allocator, const RawFrame* frames, int depth) {
  uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t(thread) << 8) ^ allocator;
  for (int i = 0; i < depth; i++) {
    h = (h ^ frames[i].pc) * 0x100000001b3ull + (h >> 29);
    h = (h ^ frames[i].bytecode_array ^ frames[i].bytecode_offset) * 0x100000001b3ull;
  }
  return h | 1;
}

// ---------------------------------------------------------------- thread names
constexpr int kMaxThreadNames = 256;
char g_thread_names[kMaxThreadNames][16];
std::atomic<uint16_t> g_thread_name_count{0};
std::atomic<long> g_owner_tid{0};
}  // namespace

namespace {
// Executable PT_LOAD ranges of ELF objects: published as a count over a fixed array.
constexpr int kMaxRanges = 256;
uintptr_t g_range_lo[kMaxRanges], g_range_hi[kMaxRanges];
std::atomic<int> g_range_count{0};
std::atomic<uintptr_t> g_builtin_lo{0}, g_builtin_hi{0};

int CollectRanges(dl_phdr_info* info, size_t, void* data) {
  int& n = *static_cast<int*>(data);
  for (int i = 0; i < info->dlpi_phnum && n < kMaxRanges; i++) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
    g_range_lo[n] = info->dlpi_addr + ph.p_vaddr;
    g_range_hi[n] = g_range_lo[n] + ph.p_memsz;
    n++;
  }
  return 0;
}

// JIT code, V8's remapped builtins, or the builtins inside node's .text: a frame
// that may be an interpreter frame.
inline bool MaybeJavaScript(uintptr_t pc) {
  if (pc >= g_builtin_lo.load(std::memory_order_relaxed) && pc < g_builtin_hi.load(std::memory_order_relaxed)) return true;
  const int n = g_range_count.load(std::memory_order_acquire);
  for (int i = 0; i < n; i++) {
    if (pc >= g_range_lo[i] && pc < g_range_hi[i]) return false;
  }
  return true;
}
}  // namespace

void SetNativeRanges() {
  // The JS thread at start, any thread after a dlopen: one writer at a time. A walk
  // that reads while the count is 0 only keeps a few words it did not need.
  static pthread_mutex_t writer = PTHREAD_MUTEX_INITIALIZER;  // process-wide, like the ranges
  pthread_mutex_lock(&writer);
  int n = 0;
  g_range_count.store(0, std::memory_order_release);
  dl_iterate_phdr(CollectRanges, &n);
  g_range_count.store(n, std::memory_order_release);
  pthread_mutex_unlock(&writer);
}

void SetBuiltinRange(uintptr_t lo, uintptr_t hi) {
  g_builtin_lo.store(lo, std::memory_order_relaxed);
  g_builtin_hi.store(hi, std::memory_order_relaxed);
}

int Walk(uintptr_t fp, RawFrame* frames, int max) {
  // This frame's own address (not a local's: ASan's use-after-return mode moves
  // address-taken locals to a heap "fake stack").
  const uintptr_t here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  StackBounds& b = t_bounds;
  if (here < b.lo || here >= b.hi) {
    if (!MappingOf(here, &b.lo, &b.hi)) {
      b.lo = b.hi = 0;
      return 0;
    }
  }
  const uintptr_t lo = here, hi = b.hi;
  int n = 0;
  while (n < max) {
    if ((fp & 7) || fp < lo || fp + 16 > hi) break;
    const uintptr_t next = reinterpret_cast<const uintptr_t*>(fp)[0];
    const uintptr_t ret = reinterpret_cast<const uintptr_t*>(fp)[1];
    if (ret < 4096) break;
    RawFrame& f = frames[n++];
    f.pc = ret;
    f.bytecode_array = f.bytecode_offset = 0;
    // `next` is the frame of the function `ret` returns into.
    if (next > fp && next - 40 >= lo && next < hi && MaybeJavaScript(ret)) {
      const uintptr_t array = reinterpret_cast<const uintptr_t*>(next)[-4];
      const uintptr_t offset = reinterpret_cast<const uintptr_t*>(next)[-5];
      // A tagged heap pointer and a Smi (value << 32): otherwise not an interpreter frame.
      if ((array & 3) == 1 && (offset & 0xffffffffu) == 0) {
        f.bytecode_array = array;
        f.bytecode_offset = offset;
      }
    }
    if (next <= fp) break;
    fp = next;
  }
  return n;
}

bool Reset() {
  if (!g_records) {
    void* r = mmap(nullptr, sizeof(StackRecord) * kMaxStacks, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    void* w = mmap(nullptr, sizeof(RawFrame) * kMaxFrames, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    void* x = mmap(nullptr, sizeof(uint32_t) * kIndexSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED || w == MAP_FAILED || x == MAP_FAILED) return false;
    g_records = static_cast<StackRecord*>(r);
    g_frames = static_cast<RawFrame*>(w);
    g_index = static_cast<uint32_t*>(x);
  }
  Lock();
  madvise(g_records, sizeof(StackRecord) * kMaxStacks, MADV_DONTNEED);
  madvise(g_frames, sizeof(RawFrame) * g_frames_used, MADV_DONTNEED);
  madvise(g_index, sizeof(uint32_t) * kIndexSize, MADV_DONTNEED);
  // Stack 0: the overflow stack (no frames).
  g_records[0] = StackRecord{0, 0, 0, 0, 0, 0, 0, 0};
  g_count.store(1, std::memory_order_release);
  g_frames_used = 0;
  g_overflowed = 0;
  g_thread_name_count = 1;
  memcpy(g_thread_names[0], "main", 5);
  g_epoch.fetch_add(1, std::memory_order_relaxed);
  Unlock();
  return true;
}

uint32_t Record(uint16_t thread, uint8_t allocator, const RawFrame* frames, int depth, double bytes, double count,
                uint64_t code_epoch) {
  if (!g_records) return kOverflowStack;
  const uint64_t hash = Hash(thread, allocator, frames, depth);
  Lock();
  uint32_t id = kOverflowStack;
  uint32_t slot = static_cast<uint32_t>(hash >> 32) & (kIndexSize - 1);
  for (;; slot = (slot + 1) & (kIndexSize - 1)) {
    const uint32_t at = g_index[slot];
    if (at == 0) {
      const uint32_t count_now = g_count.load(std::memory_order_relaxed);
      if (count_now >= kMaxStacks || count_now * 2 >= kIndexSize || g_frames_used + depth > kMaxFrames) {
        g_overflowed.fetch_add(1, std::memory_order_relaxed);
        break;
      }
      id = count_now;
      StackRecord& r = g_records[id];
      r.hash = hash;
      r.offset = static_cast<uint32_t>(g_frames_used);
      r.code_epoch = code_epoch;
      r.depth = static_cast<uint16_t>(depth);
      r.thread = thread;
      r.allocator = allocator;
      r.allocated_bytes = 0;
      r.allocated_count = 0;
      memcpy(g_frames + g_frames_used, frames, sizeof(RawFrame) * depth);
      g_frames_used += depth;
      g_index[slot] = id + 1;
      g_count.store(id + 1, std::memory_order_release);
      break;
    }
    const StackRecord& r = g_records[at - 1];
    if (r.hash == hash && r.depth == depth && r.thread == thread && r.allocator == allocator &&
        memcmp(g_frames + r.offset, frames, sizeof(RawFrame) * depth) == 0) {
      id = at - 1;
      break;
    }
  }
  g_records[id].allocated_bytes += bytes;
  g_records[id].allocated_count += count;
  Unlock();
  return id;
}

uint32_t Count() { return g_records ? g_count.load(std::memory_order_acquire) : 0; }

StackView View(uint32_t id) {
  Lock();  // the totals change under the lock
  const StackRecord& r = g_records[id];
  StackView v{r.thread, r.allocator, r.depth, g_frames + r.offset, r.code_epoch, r.allocated_bytes, r.allocated_count};
  Unlock();
  return v;
}

uint64_t Overflowed() { return g_overflowed.load(); }

void LockForFork() { Lock(); }
void UnlockAfterFork() { Unlock(); }

void SetOwnerThread() { g_owner_tid.store(syscall(SYS_gettid)); }

uint16_t ThisThreadId() {
  StackBounds& b = t_bounds;
  const uint32_t epoch = g_epoch.load(std::memory_order_relaxed);
  if (b.thread_id_plus_one && b.epoch == epoch) return static_cast<uint16_t>(b.thread_id_plus_one - 1);
  uint16_t id = 0;
  if (syscall(SYS_gettid) != g_owner_tid.load()) {
    char name[16] = {0};
    prctl(PR_GET_NAME, name, 0, 0, 0);
    name[15] = 0;
    Lock();
    const uint16_t n = g_thread_name_count.load(std::memory_order_relaxed);
    id = n;
    for (uint16_t i = 1; i < n; i++) {
      if (strcmp(g_thread_names[i], name) == 0) { id = i; break; }
    }
    if (id == n) {
      if (n < kMaxThreadNames) {
        memcpy(g_thread_names[n], name, 16);
        g_thread_name_count.store(n + 1, std::memory_order_release);
      } else {
        id = n - 1;  // out of names: the last one stands for the rest
      }
    }
    Unlock();
  }
  b.thread_id_plus_one = id + 1u;
  b.epoch = epoch;
  return id;
}

const char* ThreadName(uint16_t id) { return id < g_thread_name_count.load() ? g_thread_names[id] : "?"; }
uint16_t ThreadCount() { return g_thread_name_count.load(); }

}  // namespace malloc_stacks
}  // namespace allocscope
