// Dominator tree and retained sizes of a converted heap snapshot, with the edge
// rules of Chrome DevTools (front_end/.../heap_snapshot_worker/HeapSnapshot.ts),
// so that a retained size here is the one DevTools shows:
//  - weak edges are ignored; shortcut edges only count from the root (they mark
//    the user's global objects);
//  - the edge from a WeakMap's table to a value is ignored (the key's edge is kept);
//  - an edge from a node that is not "page owned" to one that is, is ignored
//    (page owned: reachable from a global object through non-weak edges), so
//    that what the debugger or V8's internals also hold does not steal objects
//    from the user's graph.
// The dominators come from Lengauer–Tarjan (path compression) on the filtered
// graph; nodes it cannot reach hang from the root, as in DevTools.
//
// Working memory, freed on return: 53 bytes per node + 4 bytes per edge kept by
// the filter (the predecessor lists). Kept: idom (4 B/node), preorder (4 B/node).
#pragma once

#include <cstdint>
#include <vector>

#include "snapshot_graph.h"

namespace allocscope {

struct DominatorTree {
  std::vector<uint32_t> idom;      // per node; idom[root] == root
  std::vector<uint32_t> preorder;  // DFS preorder of the filtered graph: dominators come first
  std::vector<double> retained;    // retained size per node, bytes
};

// False if `keep_going()` returned false on the way (the caller is giving up).
using KeepGoing = bool (*)(void* data);
bool ComputeDominators(const SnapshotGraph& graph, DominatorTree* tree, KeepGoing keep_going, void* data);

// The class of a node as DevTools' summary groups it: the constructor name for
// objects and native nodes, "(system)", "(compiled code)", "(closure)", "(array)", …
// for the rest. Returns string ids (interning the "(type)" names on first use).
std::vector<uint32_t> ClassIds(SnapshotGraph* graph);

struct ClassAggregates {
  std::vector<double> count, self_bytes, retained_bytes;  // indexed by class (string) id
};

// Count and self size per class over nodes with a non-zero self size, and the
// class retained size: the sum of the retained sizes of the instances that are
// not dominated by another instance of the same class (DevTools' definition).
// Also fills dominator-tree children (`children_first`, `children`) and each
// node's preorder interval in the dominator tree (`dom_enter`, `dom_exit`).
struct DominatorChildren {
  std::vector<uint32_t> first, list;
  std::vector<uint32_t> enter, exit;  // w is dominated by v iff enter[v] <= enter[w] < exit[v]
};
void AggregateClasses(const SnapshotGraph& graph, const DominatorTree& tree, const std::vector<uint32_t>& class_of,
                      ClassAggregates* out, DominatorChildren* children);

}  // namespace allocscope
