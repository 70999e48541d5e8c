#include "snapshot_paths.h"

#include <algorithm>

namespace allocscope {

namespace {
using Edge = v8::HeapGraphEdge;
using Node = v8::HeapGraphNode;
constexpr uint32_t kNone = SnapshotStrings::kNone;
constexpr uint32_t kBaseSystemDistance = 100000000;  // DevTools' baseSystemDistance
}  // namespace

RetainerDistances::RetainerDistances(const SnapshotGraph& graph)
    : g_(graph),
      distance_(graph.node_count, kUnreached),
      via_edge_(graph.node_count, kNone),
      pending_ephemeron_(graph.strings.size(), 0) {
  std::vector<uint32_t> queue;
  queue.reserve(graph.node_count);
  // User roots: the root's children that are not synthetic (the global objects).
  for (uint32_t e = g_.first_edge[g_.root]; e < g_.first_edge[g_.root + 1]; e++) {
    const uint32_t to = g_.edge_to[e];
    if (to == kNone || g_.node_type[to] == Node::kSynthetic || distance_[to] != kUnreached) continue;
    distance_[to] = 1;
    via_edge_[to] = e;
    queue.push_back(to);
  }
  const bool has_user_roots = !queue.empty();
  Bfs(&queue, 0);
  const size_t head = queue.size();
  distance_[g_.root] = has_user_roots ? kBaseSystemDistance : 0;
  queue.push_back(g_.root);
  Bfs(&queue, head);
}

bool RetainerDistances::Follow(uint32_t from, uint32_t e) {
  const uint8_t from_type = g_.node_type[from];
  const uint32_t from_name = g_.node_name[from];
  const uint8_t type = g_.EdgeType(e);
  if (from_type == Node::kHidden && from_name == g_.name_native_context && g_.EdgeHasStringName(e) &&
      g_.edge_name[e] == g_.name_sloppy_function_map) {
    return false;
  }
  if (from_type == Node::kArray && from_name == g_.name_map_descriptors) {
    const int64_t index = g_.EdgeHasStringName(e) ? g_.numeric_name[g_.edge_name[e]] : g_.edge_name[e];
    return index < 0 || index < 2 || index % 3 != 1;
  }
  if (type == Edge::kInternal) {
    const uint32_t part = g_.ephemeron_part[g_.edge_name[e]];
    if (part != kNone) {
      // Skip the first edge of the pair; the second one sets the distance.
      if (!pending_ephemeron_[part]) {
        pending_ephemeron_[part] = 1;
        return false;
      }
      pending_ephemeron_[part] = 0;
    }
  }
  return true;
}

void RetainerDistances::Bfs(std::vector<uint32_t>* queue, size_t head) {
  while (head < queue->size()) {
    const uint32_t node = (*queue)[head++];
    const uint32_t next = distance_[node] + 1;
    for (uint32_t e = g_.first_edge[node]; e < g_.first_edge[node + 1]; e++) {
      if (g_.EdgeType(e) == Edge::kWeak) continue;
      const uint32_t to = g_.edge_to[e];
      if (to == kNone || distance_[to] != kUnreached) continue;
      if (!Follow(node, e)) continue;
      distance_[to] = next;
      via_edge_[to] = e;
      queue->push_back(to);
    }
  }
}

std::vector<uint32_t> RetainerDistances::EdgesTo(uint32_t node) const {
  std::vector<uint32_t> edges;
  if (distance_[node] == kUnreached) return edges;
  for (uint32_t at = node; at != g_.root && via_edge_[at] != kNone;) {
    const uint32_t e = via_edge_[at];
    edges.push_back(e);
    at = g_.EdgeFrom(e);
    if (edges.size() > g_.node_count) break;  // cannot happen: BFS predecessors form a tree
  }
  std::reverse(edges.begin(), edges.end());
  return edges;
}

}  // namespace allocscope
