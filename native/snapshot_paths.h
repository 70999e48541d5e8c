// Shortest retainer paths, as DevTools' retainers view computes node distances
// (HeapSnapshot.calculateDistances + JSHeapSnapshot's filter): breadth-first
// from the user's global objects first (distance 1), then from the root for
// what they do not reach; weak edges are never followed, and neither are
//  - a NativeContext's "sloppy_function_map" edge,
//  - the descriptor links of "(map descriptors)" arrays (maps share them, so
//    the links are not valid for every map: crbug.com/413608),
//  - the first of the two edges to a WeakMap value (table → value, key →
//    value): the value is reached only when both the key and the table are.
//
// Memory: 8 bytes per node (distance, predecessor edge).
#pragma once

#include <cstdint>
#include <vector>

#include "snapshot_graph.h"

namespace allocscope {

class RetainerDistances {
 public:
  static constexpr uint32_t kUnreached = 0xffffffffu;
  explicit RetainerDistances(const SnapshotGraph& graph);

  uint32_t distance(uint32_t node) const { return distance_[node]; }
  // Edges from the root to `node`, root first; empty if `node` is unreachable.
  std::vector<uint32_t> EdgesTo(uint32_t node) const;

 private:
  void Bfs(std::vector<uint32_t>* queue, size_t head);
  bool Follow(uint32_t from, uint32_t edge);

  const SnapshotGraph& g_;
  std::vector<uint32_t> distance_;
  std::vector<uint32_t> via_edge_;
  std::vector<uint8_t> pending_ephemeron_;  // per string id of an ephemeron part
};

}  // namespace allocscope
