#include "snapshot.h"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <v8-isolate.h>
#include <v8-profiler.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "env_state.h"
#include "namespace_object.h"
#include "snapshot_dominators.h"
#include "snapshot_graph.h"
#include "snapshot_paths.h"
#include "thread_cpu.h"
#include "typed_array_util.h"

namespace allocscope {

namespace {

constexpr uint32_t kNone = SnapshotStrings::kNone;
using Edge = v8::HeapGraphEdge;
using Node = v8::HeapGraphNode;

double NowMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A one-line bar on stderr, drawn with write(2) so that it works while V8 is
// building the snapshot (no JS may run then). Same look as lib/cli/progress.ts.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  ~ProgressBar() { Clear(); }
  void Show(const char* label, uint64_t done, uint64_t total) {
    if (!enabled_) return;
    const int percent = total == 0 ? 100 : static_cast<int>(std::min<uint64_t>(100, done * 100 / total));
    if (percent == last_percent_ && label == last_label_) return;
    last_percent_ = percent;
    last_label_ = label;
    constexpr int kWidth = 20;
    const int filled = percent * kWidth / 100;
    std::string line = "\r\x1b[2K[";
    for (int i = 0; i < kWidth; i++) line += i < filled ? "\xe2\x96\x88" : "\xe2\x96\x91";  // █ ░
    line += "] ";
    line += label;
    line += " " + std::to_string(percent) + "%";
    Write(line);
    shown_ = true;
  }
  void Clear() {
    if (enabled_ && shown_) Write("\r\x1b[2K");
    shown_ = false;
  }

 private:
  static void Write(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      const ssize_t n = write(2, s.data() + off, s.size() - off);
      if (n <= 0) return;  // stderr gone: the bar is only decoration
      off += static_cast<size_t>(n);
    }
  }
  bool enabled_;
  bool shown_ = false;
  int last_percent_ = -1;
  const char* last_label_ = nullptr;
};

class SnapshotControl final : public v8::ActivityControl {
 public:
  explicit SnapshotControl(ProgressBar* bar) : bar_(bar) {}
  ControlOption ReportProgressValue(uint32_t done, uint32_t total) override {
    bar_->Show("taking heap snapshot", done, total);
    return kContinue;
  }

 private:
  ProgressBar* bar_;
};

struct SnapshotDeleter {
  void operator()(const v8::HeapSnapshot* snapshot) const { const_cast<v8::HeapSnapshot*>(snapshot)->Delete(); }
};

void ConvertProgressFn(void* data, uint32_t done, uint32_t total) {
  static_cast<ProgressBar*>(data)->Show("reading snapshot", done, total);
}

bool DominatorProgressFn(void* data) {
  static_cast<ProgressBar*>(data)->Show("computing dominators", 1, 2);
  return true;
}

v8::Local<v8::Value> ToV8(napi_value value) {
  // napi_value is a v8::Local<v8::Value> in Node (v8impl::V8LocalValueFromJsValue).
  v8::Local<v8::Value> local;
  static_assert(sizeof(local) == sizeof(value), "napi_value is not a v8::Local");
  std::memcpy(static_cast<void*>(&local), &value, sizeof(value));
  return local;
}

std::string NodeLabel(const SnapshotGraph& g, uint32_t node) {
  if (node == g.root) return "(root)";
  const uint8_t type = g.node_type[node];
  std::string name(g.strings.Get(g.node_name[node]));
  if (type == Node::kClosure) return (name.empty() ? std::string("(anonymous)") : name) + "()";
  if (name.empty() && type == Node::kArray) return "(internal array)";  // as DevTools names V8's backing arrays
  if (name.empty()) return std::string("(") + NodeTypeName(type) + ")";
  return name;
}

std::string EdgeName(const SnapshotGraph& g, uint32_t e) {
  if (!g.EdgeHasStringName(e)) return std::to_string(g.edge_name[e]);
  return std::string(g.strings.Get(g.edge_name[e]));
}

bool IsIdentifier(const std::string& s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (unsigned char c : s) {
    if (!(std::isalnum(c) || c == '_' || c == '$' || c >= 0x80)) return false;
  }
  return true;
}

// JavaScript-like accessor for a step inside a value: `.name`, `[3]`, `["a b"]`.
std::string Accessor(const SnapshotGraph& g, uint32_t e) {
  const std::string name = EdgeName(g, e);
  // Element indexes, and the numbered slots of V8's internal arrays (a Map's table).
  if (!g.EdgeHasStringName(e) || g.numeric_name[g.edge_name[e]] >= 0) return "[" + name + "]";
  if (IsIdentifier(name)) return "." + name;
  std::string quoted = "[\"";
  for (char c : name) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"]";
}

Napi::Value RetainerPath(Napi::Env env, const SnapshotGraph& g, const RetainerDistances& distances, uint32_t target) {
  const std::vector<uint32_t> edges = distances.EdgesTo(target);
  if (edges.empty()) return env.Null();
  Napi::Array steps = Napi::Array::New(env, edges.size() + 1);
  auto step = [&](uint32_t node, const std::string& edge, const char* edge_type) {
    Napi::Object s = Napi::Object::New(env);
    s.Set("node", NodeLabel(g, node));
    s.Set("nodeType", NodeTypeName(g.node_type[node]));
    s.Set("edge", edge);
    s.Set("edgeType", edge_type);
    return s;
  };
  steps.Set(uint32_t(0), step(g.root, "", ""));
  for (size_t i = 0; i < edges.size(); i++) {
    const uint32_t e = edges[i];
    steps.Set(uint32_t(i + 1), step(g.edge_to[e], EdgeName(g, e), EdgeTypeName(g.edge_type[e])));
  }
  return steps;
}

// Bytes reachable from `start` through the value's own data: strong edges,
// except the hidden class, the prototype chain and a function's scope.
double DeepSize(const SnapshotGraph& g, uint32_t start) {
  const uint32_t skip_names[] = {g.strings.Find("map"), g.strings.Find("__proto__"), g.strings.Find("constructor"),
                                 g.strings.Find("prototype"), g.strings.Find("context")};
  std::vector<uint8_t> seen(g.node_count, 0);
  std::vector<uint32_t> stack{start};
  seen[start] = 1;
  double bytes = 0;
  while (!stack.empty()) {
    const uint32_t node = stack.back();
    stack.pop_back();
    bytes += g.SelfSize(node);
    for (uint32_t e = g.first_edge[node]; e < g.first_edge[node + 1]; e++) {
      const uint8_t type = g.EdgeType(e);
      if (type == Edge::kWeak || type == Edge::kShortcut) continue;
      if (g.EdgeHasStringName(e) &&
          std::find(std::begin(skip_names), std::end(skip_names), g.edge_name[e]) != std::end(skip_names)) {
        continue;
      }
      const uint32_t to = g.edge_to[e];
      if (to == kNone || seen[to]) continue;
      seen[to] = 1;
      stack.push_back(to);
    }
  }
  return bytes;
}

// The value's retained size and its largest dominator-tree children, each with
// the shortest path to it from the value through nodes the value dominates.
Napi::Value DescribeTarget(Napi::Env env, const SnapshotGraph& g, const DominatorTree& tree,
                           const DominatorChildren& children, uint32_t target, uint32_t top, bool deep) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("retainedBytes", tree.retained[target]);
  out.Set("selfBytes", g.SelfSize(target));
  out.Set("name", NodeLabel(g, target));
  out.Set("nodeType", NodeTypeName(g.node_type[target]));
  if (deep) out.Set("deepBytes", DeepSize(g, target));

  std::vector<uint32_t> dominated(children.list.begin() + children.first[target],
                                  children.list.begin() + children.first[target + 1]);
  // V8's backing arrays (a Map's table, an array's elements) say little: list
  // what they hold instead, a few levels down.
  for (int level = 0; level < 3 && dominated.size() < (1u << 20); level++) {
    std::vector<uint32_t> expanded;
    bool changed = false;
    for (uint32_t node : dominated) {
      const uint8_t type = g.node_type[node];
      const bool internal = type == Node::kArray || type == Node::kHidden;
      if (internal && children.first[node] != children.first[node + 1]) {
        expanded.insert(expanded.end(), children.list.begin() + children.first[node],
                        children.list.begin() + children.first[node + 1]);
        changed = true;
      } else {
        expanded.push_back(node);
      }
    }
    dominated.swap(expanded);
    if (!changed) break;
  }
  const size_t keep = std::min<size_t>(top, dominated.size());
  std::partial_sort(dominated.begin(), dominated.begin() + keep, dominated.end(), [&](uint32_t a, uint32_t b) {
    return tree.retained[a] != tree.retained[b] ? tree.retained[a] > tree.retained[b] : a < b;
  });
  dominated.resize(keep);

  // Breadth-first from the value, inside its dominator subtree, until every
  // listed child is reached.
  std::vector<uint32_t> via(keep ? g.node_count : 0, kNone);
  if (keep) {
    const uint32_t lo = children.enter[target], hi = children.exit[target];
    std::vector<uint32_t> queue{target};
    via[target] = kNone - 1;
    size_t found = 0;
    std::vector<uint8_t> wanted(g.node_count, 0);
    for (uint32_t node : dominated) wanted[node] = 1;
    for (size_t head = 0; head < queue.size() && found < keep; head++) {
      const uint32_t node = queue[head];
      for (uint32_t e = g.first_edge[node]; e < g.first_edge[node + 1]; e++) {
        if (g.EdgeType(e) == Edge::kWeak) continue;
        const uint32_t to = g.edge_to[e];
        if (to == kNone || via[to] != kNone) continue;
        if (children.enter[to] < lo || children.enter[to] >= hi) continue;
        via[to] = e;
        queue.push_back(to);
        if (wanted[to]) found++;
      }
    }
  }
  Napi::Array list = Napi::Array::New(env, keep);
  for (size_t i = 0; i < keep; i++) {
    const uint32_t node = dominated[i];
    std::vector<uint32_t> edges;
    for (uint32_t at = node; at != target && via[at] != kNone && via[at] != kNone - 1;) {
      edges.push_back(via[at]);
      at = g.EdgeFrom(via[at]);
    }
    std::string path;
    for (auto it = edges.rbegin(); it != edges.rend(); ++it) path += Accessor(g, *it);
    Napi::Object row = Napi::Object::New(env);
    row.Set("path", path);
    row.Set("name", NodeLabel(g, node));
    row.Set("retainedBytes", tree.retained[node]);
    list.Set(uint32_t(i), row);
  }
  out.Set("top", list);
  return out;
}

}  // namespace

Napi::Object SnapshotAnalyzer::Constants(Napi::Env env) {
  Napi::Object out = Napi::Object::New(env);
  Napi::Array nodes = Napi::Array::New(env, kNodeTypeCount);
  for (uint8_t t = 0; t < kNodeTypeCount; t++) nodes.Set(uint32_t(t), NodeTypeName(t));
  Napi::Array edges = Napi::Array::New(env, kEdgeTypeCount);
  for (uint8_t t = 0; t < kEdgeTypeCount; t++) edges.Set(uint32_t(t), EdgeTypeName(t));
  out.Set("nodeTypes", nodes);
  out.Set("edgeTypes", edges);
  out.Set("nodeBytes", 13 + 53);
  out.Set("edgeBytes", 9 + 4);
  return out;
}

Napi::Value SnapshotAnalyzer::AnalyzeBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsBoolean() || !info[1].IsArray() || !info[3].IsNumber() || !info[4].IsBoolean()) {
    Napi::TypeError::New(env, "allocscope native: snapshot.analyze(progress, names, target, top, deep)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  v8::Isolate* isolate = EnvState::From(env)->isolate;
  const bool progress = info[0].As<Napi::Boolean>().Value();
  std::vector<std::string> names;
  {
    Napi::Array array = info[1].As<Napi::Array>();
    for (uint32_t i = 0; i < array.Length(); i++) {
      Napi::Value v = array.Get(i);
      if (!v.IsString()) {
        Napi::TypeError::New(env, "allocscope native: names must be strings").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      names.push_back(v.As<Napi::String>().Utf8Value());
    }
  }
  const bool has_target = info[2].IsObject() || info[2].IsFunction();
  const uint32_t top = static_cast<uint32_t>(std::max(0.0, info[3].As<Napi::Number>().DoubleValue()));
  const bool deep = info[4].As<Napi::Boolean>().Value();
  const bool force_pointer_hash = info.Length() > 5 && info[5].IsBoolean() && info[5].As<Napi::Boolean>().Value();

  ProgressBar bar(progress);
  v8::HeapProfiler* profiler = isolate->GetHeapProfiler();
  const double take_start = NowMs();
  const double take_cpu_start = ThreadCpuMs();
  std::unique_ptr<const v8::HeapSnapshot, SnapshotDeleter> snapshot;
  {
    SnapshotControl control(&bar);
    v8::HeapProfiler::HeapSnapshotOptions options;
    options.control = &control;
    snapshot.reset(profiler->TakeHeapSnapshot(options));  // V8 collects garbage first
  }
  const double take_ms = NowMs() - take_start;
  const double take_cpu_ms = ThreadCpuMs() - take_cpu_start;
  // The process' peak RSS after each stage: where the peak comes from (benchmarks).
  auto max_rss_mb = [] {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;
  };
  const double peak_after_take = max_rss_mb();
  if (!snapshot) {
    bar.Clear();
    Napi::Error::New(env, "allocscope: V8 could not take a heap snapshot").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  v8::SnapshotObjectId target_id = v8::HeapProfiler::kUnknownObjectId;
  if (has_target) target_id = profiler->GetObjectId(ToV8(info[2]));

  const double analyze_start = NowMs();
  const double analyze_cpu_start = ThreadCpuMs();
  auto graph = std::make_unique<SnapshotGraph>();
  const ConvertStatus status =
      ConvertSnapshot(isolate, snapshot.get(), graph.get(), ConvertProgressFn, &bar, target_id, force_pointer_hash);
  snapshot.reset();  // V8's copy is no longer needed: free it before the analysis allocates
  if (status != ConvertStatus::kOk) {
    bar.Clear();
    Napi::RangeError::New(env, "allocscope: heap snapshot too large (more than 2^32 edges)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const size_t graph_bytes = graph->MemoryBytes();
  const double peak_after_convert = max_rss_mb();
  IndexSnapshotNames(graph.get());
  const double convert_ms = NowMs() - analyze_start;
  const double convert_cpu_ms = ThreadCpuMs() - analyze_cpu_start;

  DominatorTree tree;
  bar.Show("computing dominators", 0, 2);
  ComputeDominators(*graph, &tree, DominatorProgressFn, &bar);
  const double dominators_ms = NowMs() - analyze_start - convert_ms;
  const std::vector<uint32_t> class_of = ClassIds(graph.get());
  ClassAggregates classes;
  DominatorChildren children;
  bar.Show("retained sizes", 1, 2);
  AggregateClasses(*graph, tree, class_of, &classes, &children);
  const double classes_ms = NowMs() - analyze_start - convert_ms - dominators_ms;

  Napi::Object out = Napi::Object::New(env);
  if (out.IsEmpty()) return env.Undefined();  // the env is going away (worker terminated)

  // Retainer paths: the reachable instance of each class closest to a root.
  Napi::Array paths = Napi::Array::New(env, names.size());
  if (!names.empty()) {
    bar.Show("retainer paths", 0, 1);
    RetainerDistances distances(*graph);
    std::vector<uint32_t> wanted(names.size()), best(names.size(), kNone);
    for (size_t i = 0; i < names.size(); i++) wanted[i] = graph->strings.Find(names[i]);
    for (uint32_t node = 0; node < graph->node_count; node++) {
      const uint32_t cls = class_of[node];
      if (graph->self_size[node] == 0 || distances.distance(node) == RetainerDistances::kUnreached) continue;
      for (size_t i = 0; i < names.size(); i++) {
        if (wanted[i] != cls || wanted[i] == kNone) continue;
        if (best[i] == kNone || distances.distance(node) < distances.distance(best[i])) best[i] = node;
      }
    }
    for (size_t i = 0; i < names.size(); i++) {
      paths.Set(uint32_t(i), best[i] == kNone ? env.Null() : RetainerPath(env, *graph, distances, best[i]));
    }
  }
  out.Set("retainerPaths", paths);
  const double paths_ms = NowMs() - analyze_start - convert_ms - dominators_ms - classes_ms;

  if (has_target) {
    const uint32_t target = graph->target;
    out.Set("target", target == kNone ? env.Null() : DescribeTarget(env, *graph, tree, children, target, top, deep));
  }

  // Per-class aggregates, for every class with at least one instance.
  std::vector<uint32_t> class_ids;
  for (uint32_t c = 0; c < classes.count.size(); c++) {
    if (classes.count[c] > 0) class_ids.push_back(c);
  }
  Napi::Array class_names = Napi::Array::New(env, class_ids.size());
  Napi::Float64Array count, self_bytes, retained_bytes;
  if (!NewTypedArray(env, class_ids.size(), &count) || !NewTypedArray(env, class_ids.size(), &self_bytes) ||
      !NewTypedArray(env, class_ids.size(), &retained_bytes)) {
    return env.Undefined();
  }
  for (size_t i = 0; i < class_ids.size(); i++) {
    const uint32_t c = class_ids[i];
    const std::string_view name = graph->strings.Get(c);
    class_names.Set(uint32_t(i), Napi::String::New(env, name.data(), name.size()));
    count[i] = classes.count[c];
    self_bytes[i] = classes.self_bytes[c];
    retained_bytes[i] = classes.retained_bytes[c];
  }
  Napi::Object class_table = Napi::Object::New(env);
  class_table.Set("names", class_names);
  class_table.Set("count", count);
  class_table.Set("selfBytes", self_bytes);
  class_table.Set("retainedBytes", retained_bytes);
  out.Set("classes", class_table);

  out.Set("nodeCount", graph->node_count);
  out.Set("edgeCount", graph->edge_count);
  out.Set("totalBytes", tree.retained[graph->root]);
  out.Set("graphBytes", static_cast<double>(graph_bytes));
  out.Set("takeMs", take_ms);
  Napi::Object phases = Napi::Object::New(env);
  phases.Set("convertMs", convert_ms);
  phases.Set("dominatorsMs", dominators_ms);
  phases.Set("classesMs", classes_ms);
  phases.Set("pathsMs", paths_ms);
  phases.Set("takeCpuMs", take_cpu_ms);
  phases.Set("conversionBytes", static_cast<double>(graph->conversion_bytes));
  phases.Set("peakAfterTakeMB", peak_after_take);
  phases.Set("peakAfterConvertMB", peak_after_convert);
  phases.Set("peakEndMB", max_rss_mb());
  phases.Set("nodeIndex", graph->node_index_runs ? "runs" : "hash");
  phases.Set("convertCpuMs", convert_cpu_ms);
  phases.Set("analyzeCpuMs", ThreadCpuMs() - analyze_cpu_start);
  out.Set("phases", phases);
  out.Set("analyzeMs", NowMs() - analyze_start);
  bar.Clear();
  return out;
}

void snapshot::Register(Napi::Env env, Napi::Object exports) {
  NamespaceObject(env, exports, "snapshot")
      .Function("analyze", SnapshotAnalyzer::AnalyzeBinding)
      .Value("constants", SnapshotAnalyzer::Constants(env));
}

}  // namespace allocscope
