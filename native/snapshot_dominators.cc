#include "snapshot_dominators.h"

#include <string>

namespace allocscope {

namespace {

constexpr uint32_t kNone = SnapshotStrings::kNone;
using Edge = v8::HeapGraphEdge;
using Node = v8::HeapGraphNode;

template <typename T>
void Release(std::vector<T>* v) {
  std::vector<T>().swap(*v);
}

// DevTools' markPageOwnedNodes: everything reachable through non-weak edges
// from the targets of the root's shortcut edges (the user's global objects).
std::vector<uint8_t> PageOwned(const SnapshotGraph& g) {
  std::vector<uint8_t> page(g.node_count, 0);
  std::vector<uint32_t> stack;
  for (uint32_t e = g.first_edge[g.root]; e < g.first_edge[g.root + 1]; e++) {
    if (g.EdgeType(e) != Edge::kShortcut) continue;
    const uint32_t to = g.edge_to[e];
    if (to == kNone || page[to]) continue;
    page[to] = 1;
    stack.push_back(to);
  }
  while (!stack.empty()) {
    const uint32_t node = stack.back();
    stack.pop_back();
    for (uint32_t e = g.first_edge[node]; e < g.first_edge[node + 1]; e++) {
      const uint32_t to = g.edge_to[e];
      if (to == kNone || page[to] || g.EdgeType(e) == Edge::kWeak) continue;
      page[to] = 1;
      stack.push_back(to);
    }
  }
  return page;
}

struct EssentialEdges {
  const SnapshotGraph& g;
  const std::vector<uint8_t>& page;
  bool operator()(uint32_t from, uint32_t e) const {
    const uint8_t raw = g.edge_type[e];
    if (raw & kEdgeFromWeakMapTable) return false;
    const uint8_t type = raw & kEdgeTypeMask;
    if (type == Edge::kWeak) return false;
    if (type == Edge::kShortcut && from != g.root) return false;
    const uint32_t to = g.edge_to[e];
    if (to == kNone) return false;
    return from == g.root || !page[to] || page[from];
  }
};

}  // namespace

bool ComputeDominators(const SnapshotGraph& g, DominatorTree* tree, KeepGoing keep_going, void* data) {
  const uint32_t n = g.node_count;
  std::vector<uint8_t> page = PageOwned(g);
  const EssentialEdges essential{g, page};

  // Predecessor lists of the filtered graph.
  std::vector<uint32_t> pred_first(n + 1, 0);
  for (uint32_t from = 0; from < n; from++) {
    for (uint32_t e = g.first_edge[from]; e < g.first_edge[from + 1]; e++) {
      if (essential(from, e)) pred_first[g.edge_to[e] + 1]++;
    }
  }
  for (uint32_t i = 0; i < n; i++) pred_first[i + 1] += pred_first[i];
  std::vector<uint32_t> preds(pred_first[n]);
  {
    std::vector<uint32_t> fill(pred_first.begin(), pred_first.end() - 1);
    for (uint32_t from = 0; from < n; from++) {
      for (uint32_t e = g.first_edge[from]; e < g.first_edge[from + 1]; e++) {
        if (essential(from, e)) preds[fill[g.edge_to[e]]++] = from;
      }
    }
  }
  if (!keep_going(data)) return false;

  // Depth-first numbering (preorder) from the root; then from every node the
  // root does not reach, as if the root had an edge to it (DevTools: orphans
  // hang from the root).
  std::vector<uint32_t> dfnum(n, kNone), vertex(n), parent(n);
  uint32_t count = 0;
  {
    std::vector<uint32_t> stack_node, stack_edge;
    auto visit = [&](uint32_t start, uint32_t parent_dfnum) {
      dfnum[start] = count;
      vertex[count] = start;
      parent[count] = parent_dfnum;
      count++;
      stack_node.push_back(start);
      stack_edge.push_back(g.first_edge[start]);
      while (!stack_node.empty()) {
        const uint32_t node = stack_node.back();
        uint32_t& e = stack_edge.back();
        if (e == g.first_edge[node + 1]) {
          stack_node.pop_back();
          stack_edge.pop_back();
          continue;
        }
        const uint32_t edge = e++;
        if (!essential(node, edge)) continue;
        const uint32_t to = g.edge_to[edge];
        if (dfnum[to] != kNone) continue;
        dfnum[to] = count;
        vertex[count] = to;
        parent[count] = dfnum[node];
        count++;
        stack_node.push_back(to);
        stack_edge.push_back(g.first_edge[to]);
      }
    };
    visit(g.root, kNone);
    // Nodes with no retainer in the filtered graph first, then whatever is left
    // (cycles only reachable from each other).
    for (uint32_t node = 0; node < n; node++) {
      if (dfnum[node] == kNone && pred_first[node] == pred_first[node + 1]) visit(node, 0);
    }
    for (uint32_t node = 0; node < n; node++) {
      if (dfnum[node] == kNone) visit(node, 0);
    }
  }
  if (!keep_going(data)) return false;

  // Lengauer–Tarjan in depth-first-number space (Appel's formulation, with
  // path compression); `samedom` defers idoms that equal another node's idom.
  std::vector<uint32_t> semi(n, kNone), ancestor(n, kNone), best(n), idom(n, kNone);
  std::vector<uint32_t> bucket_head(n, kNone), bucket_next(n, kNone), samedom(n, kNone);
  std::vector<uint32_t> path;
  for (uint32_t i = 0; i < n; i++) best[i] = i;
  auto lowest_semi = [&](uint32_t v) {
    path.clear();
    uint32_t u = v;
    while (ancestor[ancestor[u]] != kNone) {
      path.push_back(u);
      u = ancestor[u];
    }
    while (!path.empty()) {
      u = path.back();
      path.pop_back();
      const uint32_t a = ancestor[u];
      if (semi[best[a]] < semi[best[u]]) best[u] = best[a];
      ancestor[u] = ancestor[a];
    }
    return best[v];
  };
  for (uint32_t i = n - 1; i >= 1; i--) {
    if ((i & 0xfffff) == 0 && !keep_going(data)) return false;
    const uint32_t p = parent[i];
    uint32_t s = p;
    const uint32_t node = vertex[i];
    for (uint32_t k = pred_first[node]; k < pred_first[node + 1]; k++) {
      const uint32_t d = dfnum[preds[k]];
      const uint32_t candidate = d <= i ? d : semi[lowest_semi(d)];
      if (candidate < s) s = candidate;
    }
    semi[i] = s;
    bucket_next[i] = bucket_head[s];
    bucket_head[s] = i;
    ancestor[i] = p;  // link(p, i)
    for (uint32_t v = bucket_head[p]; v != kNone; v = bucket_next[v]) {
      const uint32_t y = lowest_semi(v);
      if (semi[y] == semi[v]) {
        idom[v] = p;
      } else {
        samedom[v] = y;
      }
    }
    bucket_head[p] = kNone;
  }
  for (uint32_t i = 1; i < n; i++) {
    if (samedom[i] != kNone) idom[i] = idom[samedom[i]];
  }
  Release(&semi); Release(&ancestor); Release(&best); Release(&bucket_head); Release(&bucket_next);
  Release(&samedom); Release(&path); Release(&preds); Release(&pred_first); Release(&page); Release(&parent);

  // Back to node ordinals; retained sizes summed bottom-up (reverse preorder).
  tree->idom.assign(n, g.root);
  for (uint32_t i = 1; i < n; i++) tree->idom[vertex[i]] = vertex[idom[i]];
  tree->idom[g.root] = g.root;
  Release(&idom);
  Release(&dfnum);
  tree->retained.resize(n);
  for (uint32_t node = 0; node < n; node++) tree->retained[node] = g.SelfSize(node);
  for (uint32_t i = n - 1; i >= 1; i--) {
    const uint32_t node = vertex[i];
    tree->retained[tree->idom[node]] += tree->retained[node];
  }
  tree->preorder.swap(vertex);
  return true;
}

std::vector<uint32_t> ClassIds(SnapshotGraph* graph) {
  uint32_t type_class[kNodeTypeCount];
  for (uint8_t t = 0; t < kNodeTypeCount; t++) {
    if (t == Node::kHidden) {
      type_class[t] = graph->strings.Intern("(system)");
    } else if (t == Node::kCode) {
      type_class[t] = graph->strings.Intern("(compiled code)");
    } else {
      type_class[t] = graph->strings.Intern(std::string("(") + NodeTypeName(t) + ")");
    }
  }
  std::vector<uint32_t> class_of(graph->node_count);
  for (uint32_t node = 0; node < graph->node_count; node++) {
    const uint8_t type = graph->node_type[node];
    if (type == Node::kObject || type == Node::kNative) {
      class_of[node] = graph->node_name[node];
    } else {
      class_of[node] = type < kNodeTypeCount ? type_class[type] : type_class[Node::kHidden];
    }
  }
  return class_of;
}

void AggregateClasses(const SnapshotGraph& g, const DominatorTree& tree, const std::vector<uint32_t>& class_of,
                      ClassAggregates* out, DominatorChildren* children) {
  const uint32_t n = g.node_count;
  const uint32_t classes = g.strings.size();
  out->count.assign(classes, 0);
  out->self_bytes.assign(classes, 0);
  out->retained_bytes.assign(classes, 0);
  for (uint32_t node = 0; node < n; node++) {
    if (g.self_size[node] == 0) continue;
    out->count[class_of[node]] += 1;
    out->self_bytes[class_of[node]] += g.SelfSize(node);
  }

  // Dominator-tree children, in preorder of the filtered graph.
  children->first.assign(n + 1, 0);
  for (uint32_t node = 0; node < n; node++) {
    if (node != g.root) children->first[tree.idom[node] + 1]++;
  }
  for (uint32_t i = 0; i < n; i++) children->first[i + 1] += children->first[i];
  children->list.resize(n ? n - 1 : 0);
  {
    std::vector<uint32_t> fill(children->first.begin(), children->first.end() - 1);
    for (uint32_t node : tree.preorder) {
      if (node != g.root) children->list[fill[tree.idom[node]]++] = node;
    }
  }

  // Walk the dominator tree keeping, per class, how many instances are on the
  // current path: an instance adds its retained size only if none is.
  children->enter.assign(n, 0);
  children->exit.assign(n, 0);
  std::vector<uint32_t> on_path(classes, 0);
  std::vector<uint32_t> stack_node{g.root}, stack_child{children->first[g.root]};
  std::vector<uint8_t> counted{0};
  uint32_t clock = 0;
  children->enter[g.root] = clock++;
  while (!stack_node.empty()) {
    const uint32_t node = stack_node.back();
    uint32_t& k = stack_child.back();
    if (k == children->first[node + 1]) {
      children->exit[node] = clock;
      if (counted.back()) on_path[class_of[node]]--;
      stack_node.pop_back();
      stack_child.pop_back();
      counted.pop_back();
      continue;
    }
    const uint32_t child = children->list[k++];
    children->enter[child] = clock++;
    const uint32_t cls = class_of[child];
    const bool count = g.self_size[child] != 0 && on_path[cls] == 0;
    if (count) {
      out->retained_bytes[cls] += tree.retained[child];
      on_path[cls]++;
    }
    stack_node.push_back(child);
    stack_child.push_back(children->first[child]);
    counted.push_back(count ? 1 : 0);
  }
}

}  // namespace allocscope
