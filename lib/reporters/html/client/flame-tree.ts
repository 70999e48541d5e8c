// The call tree behind the flame graph: subtree totals, depths and each node's
// children, widest first, as flat typed arrays (a profile can have 100,000 nodes).
import type { PageProfile } from './page-data';

export interface FlameTree {
  /** Number of nodes; node 0 is the root. */
  size: number;
  parent: readonly number[];
  frame: readonly number[];
  selfBytes: readonly number[];
  selfObjects: readonly number[];
  /** Bytes of the node and everything under it. */
  total: Float64Array;
  totalObjects: Float64Array;
  /** 0 for the root. */
  depth: Int32Array;
  /** The children of node i are kids[firstChild[i]] … kids[firstChild[i + 1] − 1], widest first. */
  firstChild: Int32Array;
  kids: Int32Array;
}

/** Builds the tree from the page's node columns (parents precede their children). */
export function buildFlameTree(nodes: PageProfile['nodes']): FlameTree {
  const { parent, frame, selfBytes, selfObjects } = nodes;
  const size = parent.length;
  const total = new Float64Array(size), totalObjects = new Float64Array(size), depth = new Int32Array(size);
  // Parents precede children: one backward pass adds each subtree into its parent.
  for (let i = size - 1; i >= 0; i--) {
    total[i] = total[i]! + selfBytes[i]!;
    totalObjects[i] = totalObjects[i]! + selfObjects[i]!;
    if (i > 0) {
      const p = parent[i]!;
      total[p] = total[p]! + total[i]!;
      totalObjects[p] = totalObjects[p]! + totalObjects[i]!;
    }
  }
  for (let i = 1; i < size; i++) depth[i] = depth[parent[i]!]! + 1;
  // Children as one array sliced per node (counting sort by parent), each slice sorted widest first.
  const firstChild = new Int32Array(size + 1), kids = new Int32Array(Math.max(size - 1, 0)), fill = new Int32Array(size);
  for (let i = 1; i < size; i++) firstChild[parent[i]! + 1] = firstChild[parent[i]! + 1]! + 1;
  for (let i = 0; i < size; i++) firstChild[i + 1] = firstChild[i + 1]! + firstChild[i]!;
  for (let i = 1; i < size; i++) {
    const p = parent[i]!;
    kids[firstChild[p]! + fill[p]!] = i;
    fill[p] = fill[p]! + 1;
  }
  for (let i = 0; i < size; i++) {
    const from = firstChild[i]!, to = firstChild[i + 1]!;
    if (to - from > 1) kids.set(Array.from(kids.subarray(from, to)).sort((a, b) => total[b]! - total[a]!), from);
  }
  return { size, parent, frame, selfBytes, selfObjects, total, totalObjects, depth, firstChild, kids };
}

/** The children of `node`, widest first. */
export function childrenOf(tree: FlameTree, node: number): number[] {
  return Array.from(tree.kids.subarray(tree.firstChild[node]!, tree.firstChild[node + 1]!));
}
