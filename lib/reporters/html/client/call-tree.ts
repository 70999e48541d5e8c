// A call tree as the page's node columns, and a builder that merges identical
// paths: the flame graph's transforms (focus, merge by function, collapsed
// internals) map each node of a tree to a node of a new one, and two stacks that
// end up with the same frames under the same parent become one node whose bytes
// are the sum of theirs.
import type { PageProfile } from './page-data';

/** Node 0 is the root (parent −1); parents precede their children. */
export type CallTree = PageProfile['nodes'];

export class CallTreeBuilder {
  readonly tree: CallTree;
  // (parent, frame) → child, keyed as one number: parent × 2^32 + frame stays below 2^53 for 2^21 nodes.
  readonly #children = new Map<number, number>();

  constructor(rootFrame: number) {
    this.tree = { parent: [-1], frame: [rootFrame], selfBytes: [0], selfObjects: [0] };
  }

  /** The child of `parent` with `frame`, created (after its parent, so the order holds) on first use. */
  child(parent: number, frame: number): number {
    const key = parent * 0x100000000 + frame;
    let node = this.#children.get(key);
    if (node === undefined) {
      const t = this.tree;
      node = t.parent.length;
      t.parent.push(parent);
      t.frame.push(frame);
      t.selfBytes.push(0);
      t.selfObjects.push(0);
      this.#children.set(key, node);
    }
    return node;
  }

  /** Adds a node's own bytes and objects to `node`. */
  add(node: number, bytes: number, objects: number): void {
    const t = this.tree;
    t.selfBytes[node] = t.selfBytes[node]! + bytes;
    t.selfObjects[node] = t.selfObjects[node]! + objects;
  }
}
