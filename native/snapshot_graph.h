// A V8 heap snapshot converted into compact arrays (compressed sparse rows), so
// that V8's snapshot can be deleted before the analysis allocates its own
// working memory. Node and edge types are V8's HeapGraphNode/HeapGraphEdge enums.
//
// Memory: per node 13 bytes (type 1, name 4, self size 4, first edge 4),
// per edge 9 bytes (target 4, type 1, name 4), plus the string table. While
// converting, beside V8's own snapshot: the node index (snapshot_node_index.h,
// a few bytes per node; 12 bytes × the next power of two above 1.5 × nodes in
// its fallback) and the name cache (snapshot_name_cache.h, at most ~4 MB).
#pragma once

#include <v8-isolate.h>
#include <v8-profiler.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "snapshot_strings.h"

namespace allocscope {

// Edge type flag: an internal edge from a WeakMap's table to a value of the
// map ("N / part of key (…) -> value (…) pair in WeakMap (table @T)" from the
// node whose id is T). DevTools skips it when computing dominators (the edge
// from the key is kept), see HeapSnapshot.isEssentialEdge.
constexpr uint8_t kEdgeTypeMask = 0x0f;
constexpr uint8_t kEdgeFromWeakMapTable = 0x10;

struct SnapshotGraph {
  uint32_t node_count = 0;
  uint32_t edge_count = 0;
  uint32_t root = 0;
  std::vector<uint8_t> node_type;
  std::vector<uint32_t> node_name;  // string id; kStringNodeName for strings (not read)
  // Self sizes below 4 GiB; kBigSelfSize marks one listed in big_self_sizes
  // (an ArrayBuffer's backing store can be larger), in node order.
  std::vector<uint32_t> self_size;
  static constexpr uint32_t kBigSelfSize = 0xffffffffu;
  std::vector<std::pair<uint32_t, double>> big_self_sizes;
  // The node whose SnapshotObjectId was asked for (ConvertSnapshot), or kNone.
  uint32_t target = SnapshotStrings::kNone;
  std::vector<uint32_t> first_edge;  // node_count + 1 entries
  std::vector<uint32_t> edge_to;
  std::vector<uint8_t> edge_type;  // HeapGraphEdge::Type | flags above
  // For element and hidden edges the index; otherwise a string id.
  std::vector<uint32_t> edge_name;
  SnapshotStrings strings;

  // Names interned after conversion for the DevTools filters (kNone if absent).
  uint32_t name_native_context = SnapshotStrings::kNone;
  uint32_t name_sloppy_function_map = SnapshotStrings::kNone;
  uint32_t name_map_descriptors = SnapshotStrings::kNone;
  uint32_t name_string_placeholder = SnapshotStrings::kNone;
  // Per string id: the id of the "duplicated part" of a WeakMap ephemeron edge
  // name (the name without its "N" prefix), or kNone for other names.
  std::vector<uint32_t> ephemeron_part;
  // Per string id: the value of a name that is a decimal integer, or -1.
  std::vector<int64_t> numeric_name;

  // Bytes the conversion held beside the graph (node index, name cache), freed after it.
  size_t conversion_bytes = 0;
  bool node_index_runs = false;  // which node index the conversion used (see snapshot_node_index.h)

  double SelfSize(uint32_t node) const {
    const uint32_t size = self_size[node];
    if (size != kBigSelfSize) return size;
    const auto it = std::lower_bound(big_self_sizes.begin(), big_self_sizes.end(), std::make_pair(node, 0.0));
    return it->second;
  }
  uint8_t EdgeType(uint32_t e) const { return edge_type[e] & kEdgeTypeMask; }
  bool EdgeHasStringName(uint32_t e) const {
    const uint8_t t = EdgeType(e);
    return t != v8::HeapGraphEdge::kElement && t != v8::HeapGraphEdge::kHidden;
  }
  // The node an edge comes from (binary search over first_edge).
  uint32_t EdgeFrom(uint32_t e) const;
  size_t MemoryBytes() const;
};

// The type names of the .heapsnapshot JSON format ("hidden", "object", …).
const char* NodeTypeName(uint8_t type);
const char* EdgeTypeName(uint8_t type);
constexpr uint8_t kNodeTypeCount = 16;
constexpr uint8_t kEdgeTypeCount = 7;

// Why a conversion stopped early.
enum class ConvertStatus { kOk, kTooLarge };

// Called now and then while converting, with nodes done and the node count.
using ConvertProgress = void (*)(void* data, uint32_t done, uint32_t total);

// Walks V8's snapshot into `graph` (names through V8's API, cached by string identity).
// `target_id`: the node to report as graph->target (kUnknownObjectId: none).
// `force_pointer_hash` (tests): use the node index's fallback.
ConvertStatus ConvertSnapshot(v8::Isolate* isolate, const v8::HeapSnapshot* snapshot, SnapshotGraph* graph,
                              ConvertProgress progress, void* data, v8::SnapshotObjectId target_id,
                              bool force_pointer_hash = false);

// Finishes the per-string tables (WeakMap table edges are flagged while converting).
void IndexSnapshotNames(SnapshotGraph* graph);

}  // namespace allocscope
