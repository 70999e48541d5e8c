// The shapes snapshot.analyze() and sizeOf() return.

/** One step of a retainer path: the node reached and the edge that reached it. */
export interface RetainerStep {
  /** The node's name: a constructor name, `name()` for a function, `system / Context`, `(root)`, … */
  node: string;
  /** The node's type as in a `.heapsnapshot`: `object`, `closure`, `hidden`, `synthetic`, … */
  nodeType: string;
  /** The edge from the previous step: a property or variable name, or an index. Empty for the first step. */
  edge: string;
  /** The edge's type as in a `.heapsnapshot`: `property`, `element`, `context`, `internal`, `shortcut`, … Empty for the first step. */
  edgeType: string;
}

/** The shortest chain of strong references from the snapshot's root to one instance. */
export interface RetainerPath {
  /** Root first, the instance last. */
  steps: RetainerStep[];
  /** One line: `(GC roots) → global → cache (Map) → table (…) → [3] (Session)`. */
  text: string;
}

/** One constructor (DevTools' "class") of the summary view. */
export interface ConstructorStats {
  name: string;
  /** Instances with a non-zero self size. */
  count: number;
  /** Sum of the instances' own sizes. Bytes. */
  selfBytes: number;
  /** Sum of the retained sizes of the instances not dominated by another instance of the same class. Bytes. */
  retainedBytes: number;
}

export interface SnapshotAnalysis {
  nodeCount: number;
  edgeCount: number;
  /** Sum of every node's self size (the snapshot's total, as DevTools shows it). Bytes. */
  totalBytes: number;
  /** Time V8 took to build the snapshot, including its full GC. Milliseconds. */
  takeMs: number;
  /** Time of our conversion and analysis. Milliseconds. */
  analyzeMs: number;
  /** Bytes of the compact copy of the graph the analysis worked on (its working memory comes on top). */
  graphBytes: number;
  /** The `topConstructors` largest constructors by retained size. */
  constructors: ConstructorStats[];
  /** Every constructor (name → count and self bytes), for show_growth-style comparisons between two analyses. */
  counts: Record<string, { count: number; selfBytes: number }>;
  /** Per name in `retainerPathsFor`: the path to the instance closest to a root, or null if none is reachable. */
  retainerPaths: Record<string, RetainerPath | null>;
}

/** A value's size and what inside it weighs most. */
export interface SizeOfResult {
  /** Retained size (default), or the deep size with `retained: false`. Bytes. */
  bytes: number;
  /** The value's own size. Bytes. */
  selfBytes: number;
  /** The largest objects the value alone keeps alive (its children in the dominator tree), largest first. */
  top: Array<{ path: string; name: string; retainedBytes: number }>;
}
