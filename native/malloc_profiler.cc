#include "malloc_profiler.h"

#include <cxxabi.h>
#include <pthread.h>
#include <time.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "malloc_got_patch.h"
#include "malloc_hooks.h"
#include "malloc_jit_map.h"
#include "malloc_live_table.h"
#include "malloc_stacks.h"
#include "malloc_symbols.h"
#include "namespace_object.h"
#include "typed_array_util.h"

namespace allocscope {
namespace malloc_profiler {

namespace {
// Which environment runs the profiler (process-wide: one GOT, one profiler), and
// its isolate, whose JIT code events name the JS frames.
std::atomic<napi_env> g_owner{nullptr};
v8::Isolate* g_isolate = nullptr;
bool g_live = false;

std::string Demangle(const char* name) {
  int status = 0;
  char* out = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (status != 0 || !out) return name;
  std::string s(out);
  free(out);
  return s;
}

// Frames of one profile, keyed by what a person reads: the function and its object.
class FrameTable {
 public:
  std::vector<std::string> strings{""};
  std::vector<uint32_t> name, script;
  std::vector<int32_t> line, column;
  // Native code has no script: reports label it by its name alone ("[native] ...").
  uint32_t Frame(const std::string& fn, const std::string& object, const std::string& file = "", int at_line = 0, int at_column = 0) {
    const std::string key = fn + '\0' + object + '\0' + file + '\0' + std::to_string(at_line) + ':' + std::to_string(at_column);
    auto it = frames_.find(key);
    if (it != frames_.end()) return it->second;
    const uint32_t id = static_cast<uint32_t>(name.size());
    name.push_back(String(fn));
    script.push_back(String(file));
    line.push_back(at_line);
    column.push_back(at_column);
    frames_.emplace(key, id);
    return id;
  }
  static constexpr uint32_t kNoFrame = UINT32_MAX;   // code outside every object, unnamed
  static constexpr uint32_t kHidden = UINT32_MAX - 1;  // V8's builtins between JS frames
  // The frame of one walked frame, as the code stood at `epoch`.
  uint32_t For(const malloc_stacks::RawFrame& raw, uint64_t epoch) {
    malloc_jit_map::JsFrame js;
    switch (malloc_jit_map::Resolve(raw.pc, raw.bytecode_array, raw.bytecode_offset, epoch, &js)) {
      case malloc_jit_map::FrameKind::kJavaScript: return Frame(js.function, "", js.script, js.line, js.column);
      case malloc_jit_map::FrameKind::kHidden: return kHidden;
      default: return ForPc(raw.pc);
    }
  }
  // A native return address: its symbol, or kNoFrame outside every object (JIT).
  uint32_t ForPc(uintptr_t pc) {
    auto it = pcs_.find(pc);
    if (it != pcs_.end()) return it->second;
    malloc_symbols::Location at;
    uint32_t id = kNoFrame;
    // pc - 1: a return address may be the first byte of the next function.
    if (objects_.Locate(pc - 1, &at)) {
      if (at.symbol.compare(0, 9, "Builtins_") == 0) {
        id = kHidden;  // V8's builtins in node's .text (Node 20): not the program's frames
      } else if (!at.symbol.empty()) {
        id = Frame("[native] " + Demangle(at.symbol.c_str()), at.object);
      } else {
        char offset[32];
        snprintf(offset, sizeof offset, "+0x%lx", static_cast<unsigned long>(at.offset + 1));
        id = Frame("[native] " + at.object + offset, at.object);
      }
    }
    pcs_.emplace(pc, id);
    return id;
  }

 private:
  uint32_t String(const std::string& s) {
    auto it = string_ids_.find(s);
    if (it != string_ids_.end()) return it->second;
    const uint32_t id = static_cast<uint32_t>(strings.size());
    strings.push_back(s);
    string_ids_.emplace(s, id);
    return id;
  }
  std::unordered_map<std::string, uint32_t> frames_, string_ids_;
  std::unordered_map<uintptr_t, uint32_t> pcs_;
  const malloc_symbols::LoadedObjects objects_;
};

// The call tree, root = node 0.
struct Tree {
  std::vector<int32_t> parent{-1};
  std::vector<uint32_t> frame{0};
  std::vector<double> bytes{0}, count{0};
  std::map<std::pair<int32_t, uint32_t>, int32_t> children;
  int32_t Child(int32_t at, uint32_t f) {
    auto key = std::make_pair(at, f);
    auto it = children.find(key);
    if (it != children.end()) return it->second;
    const int32_t id = static_cast<int32_t>(parent.size());
    parent.push_back(at);
    frame.push_back(f);
    bytes.push_back(0);
    count.push_back(0);
    children.emplace(key, id);
    return id;
  }
};

void StopProfiler() {
  malloc_hooks::Deactivate();
  malloc_got_patch::RestoreAll();
  if (g_isolate) malloc_jit_map::Stop(g_isolate);
  g_isolate = nullptr;
  g_owner.store(nullptr);
}

// A sampled allocation takes the stack store's lock, then the live table's: the same order here.
void PrepareFork() {
  malloc_stacks::LockForFork();
  malloc_live_table::Lock();
}
void AfterFork() {
  malloc_live_table::Unlock();
  malloc_stacks::UnlockAfterFork();
}

// start(intervalBytes, stackDepth, live, trackMmap, peak) -> { ok, why?, slots, objects }
Napi::Value Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  napi_env expected = nullptr;
  if (!g_owner.compare_exchange_strong(expected, static_cast<napi_env>(env))) {
    out.Set("ok", false);
    out.Set("busy", true);
    return out;
  }
  std::string why;
  malloc_live_table::PeakSettings peak;
  peak.enabled = info[2].ToBoolean().Value() && info.Length() > 4 && info[4].ToBoolean().Value();
  if (!malloc_got_patch::ResolveReal(&why) || !malloc_live_table::Reset(peak) || !malloc_stacks::Reset()) {
    g_owner.store(nullptr);
    out.Set("ok", false);
    out.Set("why", why.empty() ? "could not map the profiler's tables" : why);
    return out;
  }
  static pthread_once_t fork_handlers = PTHREAD_ONCE_INIT;  // process-wide, not per-isolate
  pthread_once(&fork_handlers, [] { pthread_atfork(PrepareFork, AfterFork, AfterFork); });
  malloc_stacks::SetOwnerThread();
  malloc_stacks::SetNativeRanges();
  g_isolate = v8::Isolate::GetCurrent();
  malloc_jit_map::Start(g_isolate);
  g_live = info[2].ToBoolean().Value();
  malloc_hooks::Settings s{info[0].As<Napi::Number>().DoubleValue(), g_live, info[1].As<Napi::Number>().Int32Value(),
                           info[3].ToBoolean().Value()};
  // Armed before patching: an allocation made while the slots change is sampled
  // or passed through, never half-seen (free of a block we never saw is harmless).
  malloc_hooks::Activate(s);
  const int slots = malloc_got_patch::PatchAll(&why);
  if (slots == 0) {
    StopProfiler();
    out.Set("ok", false);
    out.Set("why", why);
    return out;
  }
  const auto figures = malloc_got_patch::Read();
  out.Set("ok", true);
  out.Set("slots", slots);
  out.Set("objects", figures.objects);
  return out;
}

Napi::Value Stop(const Napi::CallbackInfo& info) {
  if (g_owner.load() != static_cast<napi_env>(info.Env())) return Napi::Boolean::New(info.Env(), false);
  StopProfiler();
  return Napi::Boolean::New(info.Env(), true);
}

// collect(atPeak) -> { strings, frames, nodes, figures } like the heap sampler's;
// atPeak: the live table's copy at its high-water mark (live mode with peak).
Napi::Value Collect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  malloc_hooks::IgnoreThisThread ours;  // tables, symbols and the result are ours, not the program's
  if (g_owner.load() != static_cast<napi_env>(env)) return env.Null();
  const bool at_peak = info.Length() > 0 && info[0].ToBoolean().Value();
  const uint32_t stacks = malloc_stacks::Count();
  // Per stack: the figures this profile shows (allocated totals, or what is alive).
  std::vector<double> bytes(stacks, 0), count(stacks, 0);
  const auto add = [&](uint32_t stack, uint64_t size, double weight) {
    if (stack < stacks) {
      bytes[stack] += double(size) * weight;
      count[stack] += weight;
    }
  };
  if (g_live && at_peak) malloc_live_table::ForEachAtPeak(add);
  else if (g_live) malloc_live_table::ForEach(add);
  FrameTable frames;
  frames.Frame("(root)", "");  // frame 0: the tree's root (node 0), as in V8's heap profiles
  Tree tree;
  malloc_jit_map::LockForResolve();
  std::vector<uint32_t> path;
  for (uint32_t id = 0; id < stacks; id++) {
    const malloc_stacks::StackView v = malloc_stacks::View(id);
    const double b = g_live ? bytes[id] : v.allocated_bytes;
    const double c = g_live ? count[id] : v.allocated_count;
    if (c <= 0) continue;
    path.clear();
    if (v.thread != 0) path.push_back(frames.Frame(std::string("[thread] ") + malloc_stacks::ThreadName(v.thread), ""));
    if (id == malloc_stacks::kOverflowStack) path.push_back(frames.Frame("(stacks not kept: the profiler's stack store was full)", ""));
    bool in_unknown = false;
    for (int i = v.depth - 1; i >= 0; i--) {
      const uint32_t f = frames.For(v.frames[i], v.code_epoch);
      if (f == FrameTable::kHidden) continue;
      if (f == FrameTable::kNoFrame) {
        // Code outside every loaded object: V8's JIT code and builtins copies.
        if (!in_unknown) path.push_back(frames.Frame("(JavaScript)", ""));
        in_unknown = true;
        continue;
      }
      in_unknown = false;
      path.push_back(f);
    }
    path.push_back(frames.Frame(std::string("[native] ") + malloc_hooks::AllocatorName(v.allocator), ""));
    int32_t node = 0;
    for (uint32_t f : path) node = tree.Child(node, f);
    tree.bytes[node] += b;
    tree.count[node] += c;
  }
  malloc_jit_map::UnlockForResolve();
  Napi::Object out = Napi::Object::New(env);
  Napi::Array strings = Napi::Array::New(env, frames.strings.size());
  for (size_t i = 0; i < frames.strings.size(); i++) strings.Set(uint32_t(i), frames.strings[i]);
  out.Set("strings", strings);
  const size_t nf = frames.name.size();
  Napi::Object f = Napi::Object::New(env);
  f.Set("name", TypedArrayCopy<Napi::Uint32Array>(env, frames.name));
  f.Set("script", TypedArrayCopy<Napi::Uint32Array>(env, frames.script));
  f.Set("line", TypedArrayCopy<Napi::Int32Array>(env, frames.line));
  f.Set("column", TypedArrayCopy<Napi::Int32Array>(env, frames.column));
  // No script ids (the heap profiler's): a JS frame is known by its script's name.
  f.Set("scriptId", TypedArrayCopy<Napi::Int32Array>(env, std::vector<int32_t>(nf, 0)));
  out.Set("frames", f);
  Napi::Object n = Napi::Object::New(env);
  n.Set("parent", TypedArrayCopy<Napi::Int32Array>(env, tree.parent));
  n.Set("frame", TypedArrayCopy<Napi::Uint32Array>(env, tree.frame));
  n.Set("selfBytes", TypedArrayCopy<Napi::Float64Array>(env, tree.bytes));
  n.Set("selfCount", TypedArrayCopy<Napi::Float64Array>(env, tree.count));
  out.Set("nodes", n);
  const auto counters = malloc_hooks::ReadCounters();
  const auto table = malloc_live_table::ReadTotals();
  Napi::Object figures = Napi::Object::New(env);
  figures.Set("samples", double(counters.samples));
  figures.Set("stacks", double(stacks));
  figures.Set("stacksOverflowed", double(malloc_stacks::Overflowed()));
  figures.Set("liveEntries", double(table.entries));
  figures.Set("liveDropped", double(table.dropped));
  figures.Set("liveBytes", table.live_bytes);
  const auto peak = malloc_live_table::ReadPeak();
  if (peak.taken) {
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    Napi::Object p = Napi::Object::New(env);
    p.Set("agoMs", (double(now.tv_sec) * 1e9 + double(now.tv_nsec) - peak.at_ns) / 1e6);  // JS makes it a time
    p.Set("bytes", peak.bytes);
    p.Set("copies", peak.copies);
    p.Set("costMs", peak.cost_ns / 1e6);
    p.Set("maxCostMs", peak.max_cost_ns / 1e6);
    p.Set("rateLimited", peak.rate_limited);
    figures.Set("peak", p);
  }
  figures.Set("threads", double(malloc_stacks::ThreadCount()));
  figures.Set("slots", double(malloc_got_patch::Read().slots));
  const auto code = malloc_jit_map::Read();
  figures.Set("codeEvents", double(code.events));
  figures.Set("codeEntries", double(code.entries));
  out.Set("figures", figures);
  return out;
}
}  // namespace

void OnTeardown(napi_env env) {
  if (g_owner.load() == env) StopProfiler();
}

void Register(Napi::Env env, Napi::Object exports) {
  NamespaceObject(env, exports, "mallocProfiler").Function("start", Start).Function("stop", Stop).Function("collect", Collect);
}

}  // namespace malloc_profiler
}  // namespace allocscope
