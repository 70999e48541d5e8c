#include "snapshot_graph.h"

#include <v8-local-handle.h>
#include <v8-primitive.h>

#include <algorithm>
#include <optional>
#include <string>

#include "snapshot_name_cache.h"
#include "snapshot_node_index.h"

namespace allocscope {

namespace {

bool IsStringNode(int type) {
  return type == v8::HeapGraphNode::kString || type == v8::HeapGraphNode::kConsString ||
         type == v8::HeapGraphNode::kSlicedString;
}

// "12 / part of key (Foo @3) -> value (Bar @5) pair in WeakMap (table @7)": the
// part after the number and the table id, as DevTools' tryParseWeakMapEdgeName.
bool ParseEphemeronName(std::string_view name, std::string_view* part, uint32_t* table_id) {
  size_t digits = 0;
  while (digits < name.size() && name[digits] >= '0' && name[digits] <= '9') digits++;
  if (digits == 0) return false;
  const std::string_view rest = name.substr(digits);
  static constexpr std::string_view kHead = " / part of key (";
  static constexpr std::string_view kTable = " pair in WeakMap (table @";
  if (rest.substr(0, kHead.size()) != kHead || rest.back() != ')') return false;
  if (rest.find(") -> value (") == std::string_view::npos) return false;
  const size_t table = rest.rfind(kTable);
  if (table == std::string_view::npos) return false;
  uint64_t id = 0;
  size_t i = table + kTable.size();
  if (i >= rest.size() - 1) return false;
  for (; i < rest.size() - 1; i++) {
    if (rest[i] < '0' || rest[i] > '9') return false;
    id = id * 10 + static_cast<uint64_t>(rest[i] - '0');
  }
  *part = rest;
  *table_id = static_cast<uint32_t>(id);
  return true;
}

// Per string id, the WeakMap table id an ephemeron edge name refers to (-1 for
// other names), parsed once per distinct name as names are interned.
class EphemeronTables {
 public:
  explicit EphemeronTables(const SnapshotStrings& strings) : strings_(strings) {}
  int64_t TableOf(uint32_t name) {
    while (table_of_.size() <= name) {
      std::string_view part;
      uint32_t table = 0;
      const bool ephemeron = ParseEphemeronName(strings_.Get(static_cast<uint32_t>(table_of_.size())), &part, &table);
      table_of_.push_back(ephemeron ? int64_t{table} : -1);
    }
    return table_of_[name];
  }

 private:
  const SnapshotStrings& strings_;
  std::vector<int64_t> table_of_;
};

int64_t ParseIndex(std::string_view name) {
  if (name.empty() || name.size() > 10) return -1;
  int64_t value = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

const char* NodeTypeName(uint8_t type) {
  static constexpr const char* kNames[kNodeTypeCount] = {
      "hidden", "array", "string", "object", "code", "closure", "regexp", "number", "native", "synthetic",
      "concatenated string", "sliced string", "symbol", "bigint", "object shape", "wasm object"};
  return type < kNodeTypeCount ? kNames[type] : "unknown";
}

const char* EdgeTypeName(uint8_t type) {
  static constexpr const char* kNames[kEdgeTypeCount] = {"context", "element", "property", "internal",
                                                          "hidden", "shortcut", "weak"};
  type &= kEdgeTypeMask;
  return type < kEdgeTypeCount ? kNames[type] : "unknown";
}

uint32_t SnapshotGraph::EdgeFrom(uint32_t e) const {
  auto it = std::upper_bound(first_edge.begin(), first_edge.end(), e);
  return static_cast<uint32_t>(it - first_edge.begin()) - 1;
}

size_t SnapshotGraph::MemoryBytes() const {
  return node_type.capacity() + (node_name.capacity() + self_size.capacity() + first_edge.capacity()) * 4 +
         big_self_sizes.capacity() * sizeof(big_self_sizes[0]) + edge_to.capacity() * 4 + edge_type.capacity() + edge_name.capacity() * 4 +
         strings.MemoryBytes() + ephemeron_part.capacity() * 4 + numeric_name.capacity() * 8;
}

ConvertStatus ConvertSnapshot(v8::Isolate* isolate, const v8::HeapSnapshot* snapshot, SnapshotGraph* graph,
                              ConvertProgress progress, void* data, v8::SnapshotObjectId target_id,
                              bool force_pointer_hash) {
  const int count = snapshot->GetNodesCount();
  if (count <= 0) return ConvertStatus::kTooLarge;
  const uint32_t n = static_cast<uint32_t>(count);
  uint64_t edges = 0;
  const SnapshotNodeIndex index(snapshot, n, &edges, force_pointer_hash);
  if (edges >= SnapshotStrings::kNone) return ConvertStatus::kTooLarge;

  graph->node_count = n;
  graph->edge_count = static_cast<uint32_t>(edges);
  graph->root = index.Find(snapshot->GetRoot());
  graph->node_type.resize(n);
  graph->node_name.resize(n);
  graph->self_size.resize(n);
  graph->first_edge.resize(n + 1);
  graph->edge_to.resize(edges);
  graph->edge_type.resize(edges);
  graph->edge_name.resize(edges);
  graph->name_string_placeholder = graph->strings.Intern("(string)");

  SnapshotNameCache names(isolate, &graph->strings);
  EphemeronTables tables(graph->strings);
  const uint32_t empty_name = graph->strings.Intern("");
  // GetName() makes a handle per call: free them every kHandlesPerScope calls
  // (one scope per node would cost more than the names for small nodes).
  constexpr uint32_t kHandlesPerScope = 1024;
  std::optional<v8::HandleScope> scope;
  uint32_t handles = kHandlesPerScope;
  auto count_handle = [&] {
    if (++handles < kHandlesPerScope) return;
    scope.reset();
    scope.emplace(isolate);
    handles = 0;
  };
  uint32_t e = 0;
  for (uint32_t i = 0; i < n; i++) {
    if ((i & 0xffff) == 0) progress(data, i, n);
    const v8::HeapGraphNode* node = snapshot->GetNode(static_cast<int>(i));
    const int type = node->GetType();
    graph->node_type[i] = static_cast<uint8_t>(type);
    const v8::SnapshotObjectId id = node->GetId();
    if (id == target_id && target_id != v8::HeapProfiler::kUnknownObjectId) graph->target = i;
    const size_t self_size = node->GetShallowSize();
    if (self_size < SnapshotGraph::kBigSelfSize) {
      graph->self_size[i] = static_cast<uint32_t>(self_size);
    } else {
      graph->self_size[i] = SnapshotGraph::kBigSelfSize;
      graph->big_self_sizes.emplace_back(i, static_cast<double>(self_size));
    }
    graph->first_edge[i] = e;
    // String nodes are named by their contents: not worth a copy (their class is "(string)").
    if (IsStringNode(type)) {
      graph->node_name[i] = graph->name_string_placeholder;
    } else {
      count_handle();
      graph->node_name[i] = names.Intern(node->GetName());
    }
    const int children = node->GetChildrenCount();
    for (int c = 0; c < children; c++, e++) {
      const v8::HeapGraphEdge* edge = node->GetChild(c);
      const int edge_type = edge->GetType();
      graph->edge_to[e] = index.Find(edge->GetToNode());
      graph->edge_type[e] = static_cast<uint8_t>(edge_type);
      count_handle();
      v8::Local<v8::Value> name = edge->GetName();
      if (edge_type == v8::HeapGraphEdge::kElement || edge_type == v8::HeapGraphEdge::kHidden) {
        graph->edge_name[e] = name->IsNumber() ? static_cast<uint32_t>(name.As<v8::Number>()->Value()) : 0;
      } else {
        const uint32_t name_id = name->IsString() ? names.Intern(name.As<v8::String>()) : empty_name;
        graph->edge_name[e] = name_id;
        if (edge_type == v8::HeapGraphEdge::kInternal && tables.TableOf(name_id) == int64_t{id}) {
          graph->edge_type[e] |= kEdgeFromWeakMapTable;
        }
      }
    }
  }
  graph->first_edge[n] = e;
  graph->conversion_bytes = index.MemoryBytes() + names.MemoryBytes();
  graph->node_index_runs = index.UsesRuns();
  progress(data, n, n);
  return ConvertStatus::kOk;
}

void IndexSnapshotNames(SnapshotGraph* graph) {
  SnapshotStrings& strings = graph->strings;
  const uint32_t string_count = strings.size();
  graph->ephemeron_part.assign(string_count, SnapshotStrings::kNone);
  graph->numeric_name.assign(string_count, -1);
  for (uint32_t s = 0; s < string_count; s++) {
    const std::string_view name = strings.Get(s);
    graph->numeric_name[s] = ParseIndex(name);
    std::string_view part;
    uint32_t table = 0;
    if (ParseEphemeronName(name, &part, &table)) {
      // Copy first: interning may move the arena `part` points into.
      const std::string copy(part);
      graph->ephemeron_part[s] = strings.Intern(copy);
    }
  }
  // Interning the parts may have added strings: they are never edge names.
  graph->ephemeron_part.resize(strings.size(), SnapshotStrings::kNone);
  graph->numeric_name.resize(strings.size(), -1);
  graph->name_native_context = strings.Find("system / NativeContext");
  graph->name_sloppy_function_map = strings.Find("sloppy_function_map");
  graph->name_map_descriptors = strings.Find("(map descriptors)");

}

}  // namespace allocscope
