#include "malloc_jit_map.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "malloc_hooks.h"
#include "malloc_stacks.h"

namespace allocscope {
namespace malloc_jit_map {

namespace {
enum Kind : uint8_t { kJs, kBytecode, kInterpreter, kBuiltin, kOther };

struct CodeEntry {
  uintptr_t start;
  uint32_t length;
  uint32_t name;   // index into g_names
  uint64_t epoch;  // the event that added it
  Kind kind;
};

// The log (process-wide: one malloc profiler per process, so one isolate's code).
std::mutex g_mutex;
std::vector<CodeEntry> g_entries;
std::vector<std::string> g_names;
std::unordered_map<std::string, uint32_t> g_name_ids;
std::unordered_map<uintptr_t, uint32_t> g_latest;  // start -> newest entry there (for CODE_MOVED)
std::atomic<uint64_t> g_epoch{0};
uint64_t g_moved = 0;
// Sorted view for lookups, rebuilt when the log grew.
std::vector<uint32_t> g_by_start;
size_t g_sorted_size = 0;
uint32_t g_max_length = 0;
intptr_t g_bytecode_header = 0;  // first bytecode - (tagged BytecodeArray - 1), learned once
// A log that keeps growing (a program that compiles forever) stops here: ~200 MB.
constexpr size_t kMaxEntries = size_t(4) << 20;

Kind Classify(const std::string& name, v8::JitCodeEvent::CodeType type) {
  if (type == v8::JitCodeEvent::BYTE_CODE) return kBytecode;
  if (name.compare(0, 8, "Builtin:") == 0) {
    // The interpreter's entry points run bytecode: their frames hold the BytecodeArray.
    return name.find("InterpreterEntryTrampoline") != std::string::npos || name.find("InterpreterEnterAt") != std::string::npos
               ? kInterpreter : kBuiltin;
  }
  const size_t colon = name.find(':');
  if (colon == std::string::npos) return kOther;
  const std::string prefix = name.substr(0, colon);
  if (prefix == "JS" || prefix == "LazyCompile" || prefix == "Function" || prefix == "Script" || prefix == "Eval" ||
      prefix == "InterpretedFunction") {
    return kJs;
  }
  return kOther;
}

uint32_t NameId(const char* s, size_t length) {
  std::string name(s, length);
  auto it = g_name_ids.find(name);
  if (it != g_name_ids.end()) return it->second;
  const uint32_t id = static_cast<uint32_t>(g_names.size());
  g_names.push_back(name);
  g_name_ids.emplace(std::move(name), id);
  return id;
}

void Append(CodeEntry e) {
  if (g_entries.size() >= kMaxEntries) return;
  e.epoch = g_epoch.load(std::memory_order_relaxed) + 1;
  g_latest[e.start] = static_cast<uint32_t>(g_entries.size());
  g_entries.push_back(e);
  if (e.length > g_max_length) g_max_length = e.length;
  g_epoch.store(e.epoch, std::memory_order_release);
}

void Handler(const v8::JitCodeEvent* event) {
  malloc_hooks::IgnoreThisThread ours;  // the log's memory is not the program's
  std::lock_guard<std::mutex> lock(g_mutex);
  switch (event->type) {
    case v8::JitCodeEvent::CODE_ADDED: {
      if (event->code_type == v8::JitCodeEvent::WASM_CODE) break;
      const uint32_t name = NameId(event->name.str, event->name.len);
      Append(CodeEntry{reinterpret_cast<uintptr_t>(event->code_start), static_cast<uint32_t>(event->code_len), name, 0,
                       Classify(g_names[name], event->code_type)});
      break;
    }
    case v8::JitCodeEvent::CODE_MOVED: {
      // No CODE_REMOVED ever arrives: a range is superseded by newer code over it.
      auto it = g_latest.find(reinterpret_cast<uintptr_t>(event->code_start));
      if (it == g_latest.end()) break;
      CodeEntry moved = g_entries[it->second];
      moved.start = reinterpret_cast<uintptr_t>(event->new_code_start);
      g_moved++;
      Append(moved);
      break;
    }
    default:
      break;
  }
}

void Sort() {
  if (g_sorted_size == g_entries.size()) return;
  g_by_start.resize(g_entries.size());
  for (uint32_t i = 0; i < g_by_start.size(); i++) g_by_start[i] = i;
  std::sort(g_by_start.begin(), g_by_start.end(),
            [](uint32_t a, uint32_t b) { return g_entries[a].start < g_entries[b].start; });
  g_sorted_size = g_entries.size();
}

// The newest entry added at or before `epoch` whose range holds `pc`; failing that,
// the first one added after it: code can run before its event is logged (V8 14 logs
// on-stack-replacement code when the compile job is finalized).
const CodeEntry* Find(uintptr_t pc, uint64_t epoch) {
  auto it = std::upper_bound(g_by_start.begin(), g_by_start.end(), pc,
                             [](uintptr_t value, uint32_t i) { return value < g_entries[i].start; });
  const CodeEntry* before = nullptr;
  const CodeEntry* after = nullptr;
  for (int scanned = 0; it != g_by_start.begin() && scanned < 4096; scanned++) {
    const CodeEntry& e = g_entries[*--it];
    if (e.start + g_max_length <= pc) break;  // nothing earlier can reach pc
    if (pc >= e.start + e.length) continue;
    if (e.epoch <= epoch) {
      if (!before || e.epoch > before->epoch) before = &e;
    } else if (!after || e.epoch < after->epoch) {
      after = &e;
    }
  }
  return before ? before : after;
}

const CodeEntry* FindBytecode(uintptr_t tagged_array, uint64_t epoch) {
  const uintptr_t object = tagged_array - 1;
  if (g_bytecode_header) {
    const CodeEntry* e = Find(object + g_bytecode_header, epoch);
    return e && e->kind == kBytecode && e->start == object + g_bytecode_header ? e : nullptr;
  }
  for (intptr_t header = 8; header <= 128; header++) {  // 54 bytes on V8 11.3, 64 on 12-14
    const CodeEntry* e = Find(object + header, epoch);
    if (e && e->kind == kBytecode && e->start == object + header) {
      g_bytecode_header = header;
      return e;
    }
  }
  return nullptr;
}

// "JS:~handleUpload /srv/app.js:37:22" (tier marks ~ ^ + * ', OSR o) -> function, script, line, column.
void ParseName(const std::string& full, JsFrame* out) {
  std::string s = full.substr(full.find(':') + 1);
  size_t skip = 0;
  // V8 14 marks on-stack-replacement code with an "o" before the tier mark ("o+f").
  if (s.size() > 1 && s[0] == 'o' && strchr("~^+*", s[1])) skip = 1;
  while (skip < s.size() && strchr("~^+*'", s[skip])) skip++;
  s = s.substr(skip);
  const size_t space = s.rfind(' ');
  std::string location = space == std::string::npos ? s : s.substr(space + 1);
  out->function = space == std::string::npos ? std::string() : s.substr(0, space);
  out->line = out->column = 0;
  const size_t c2 = location.rfind(':');
  const size_t c1 = c2 == std::string::npos || c2 == 0 ? std::string::npos : location.rfind(':', c2 - 1);
  if (c1 != std::string::npos) {
    out->script = location.substr(0, c1);
    out->line = atoi(location.c_str() + c1 + 1);
    out->column = atoi(location.c_str() + c2 + 1);
  } else if (space == std::string::npos) {
    out->function = location;  // a name without a location
    out->script.clear();
  } else {
    out->script = location;
  }
}

// Node 20 runs JS-called builtins from a remapped copy of node's .text but reports
// them at their .text addresses: pc in a copy -> pc in the file's mapping.
struct Alias {
  uintptr_t lo, hi;
  intptr_t delta;
};
std::vector<Alias> g_aliases;
bool g_aliases_read = false;

void ReadAliases() {
  g_aliases_read = true;
  g_aliases.clear();
  // Executable mappings of the same file at the same offset, more than once: the
  // first (lowest) is the loader's, later ones are V8's copies.
  FILE* maps = fopen("/proc/self/maps", "r");
  if (!maps) return;
  struct Mapping { uintptr_t lo, hi, offset; std::string path; };
  std::vector<Mapping> exec;
  char line[1024];
  while (fgets(line, sizeof line, maps)) {
    unsigned long lo, hi, offset;
    char perms[8], path[800] = "";
    if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %799s", &lo, &hi, perms, &offset, path) < 4) continue;
    if (perms[2] == 'x' && path[0] == '/') exec.push_back({lo, hi, offset, path});
  }
  fclose(maps);
  for (size_t i = 0; i < exec.size(); i++) {
    for (size_t j = 0; j < i; j++) {
      if (exec[j].path != exec[i].path) continue;
      // Same file: the copy maps [offset, offset + size) of it; find it in the original.
      if (exec[i].offset >= exec[j].offset && exec[i].offset < exec[j].offset + (exec[j].hi - exec[j].lo)) {
        const uintptr_t original = exec[j].lo + (exec[i].offset - exec[j].offset);
        g_aliases.push_back({exec[i].lo, exec[i].hi, intptr_t(original) - intptr_t(exec[i].lo)});
        break;
      }
    }
  }
}
}  // namespace

void Start(v8::Isolate* isolate) {
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_entries.clear();
    g_names.clear();
    g_name_ids.clear();
    g_latest.clear();
    g_by_start.clear();
    g_sorted_size = 0;
    g_max_length = 0;
    g_moved = 0;
    g_aliases_read = false;
  }
  // Enumerates the code that exists now through the handler, synchronously.
  isolate->SetJitCodeEventHandler(v8::kJitCodeEventEnumExisting, Handler);
  std::lock_guard<std::mutex> lock(g_mutex);
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (const CodeEntry& e : g_entries) {
    if (e.kind != kInterpreter && e.kind != kBuiltin) continue;
    lo = std::min(lo, e.start);
    hi = std::max(hi, e.start + e.length);
  }
  if (hi > lo) malloc_stacks::SetBuiltinRange(lo, hi);
}

void Stop(v8::Isolate* isolate) {
  isolate->SetJitCodeEventHandler(v8::kJitCodeEventDefault, nullptr);
  malloc_stacks::SetBuiltinRange(0, 0);
  std::lock_guard<std::mutex> lock(g_mutex);
  std::vector<CodeEntry>().swap(g_entries);
  std::vector<std::string>().swap(g_names);
  g_name_ids.clear();
  g_latest.clear();
  std::vector<uint32_t>().swap(g_by_start);
  g_sorted_size = 0;
}

uint64_t Epoch() { return g_epoch.load(std::memory_order_acquire); }

void LockForResolve() {
  g_mutex.lock();
  Sort();
  if (!g_aliases_read) ReadAliases();
}

void UnlockForResolve() { g_mutex.unlock(); }

FrameKind Resolve(uintptr_t pc, uintptr_t bytecode_array, uintptr_t bytecode_offset, uint64_t epoch, JsFrame* out) {
  // A return address may be one past its function's last byte.
  const CodeEntry* e = Find(pc - 1, epoch);
  if (!e) {
    for (const Alias& a : g_aliases) {
      if (pc >= a.lo && pc < a.hi) {
        e = Find(pc - 1 + a.delta, epoch);
        break;
      }
    }
  }
  if (e && e->kind == kJs) {
    ParseName(g_names[e->name], out);
    return FrameKind::kJavaScript;
  }
  if (e && e->kind == kInterpreter && bytecode_array) {
    if (const CodeEntry* b = FindBytecode(bytecode_array, epoch)) {
      ParseName(g_names[b->name], out);
      return FrameKind::kJavaScript;
    }
  }
  (void)bytecode_offset;  // the executing line: next step (bytecode offset -> line table)
  if (e) return FrameKind::kHidden;
  return FrameKind::kNative;  // the caller tells native code from unknown JIT memory
}

Figures Read() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return {g_epoch.load(), g_moved, g_entries.size()};
}

}  // namespace malloc_jit_map
}  // namespace allocscope
