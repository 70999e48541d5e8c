// "Merge by function": a call tree where a function appears at most once on any
// stack. A call of a function already on the stack (recursion, direct or through
// others) folds back into its first call, so A → B → A → B → C reads A → B → C;
// and frames of the same function (same name and location) are one frame.
import { CallTreeBuilder, type CallTree } from './call-tree';

/** The merged tree; its frames are function ids (functionIds: the first frame of each function). */
export function mergeByFunction(tree: CallTree, functionOf: ArrayLike<number>): CallTree {
  const { parent, frame, selfBytes, selfObjects } = tree;
  const out = new CallTreeBuilder(functionOf[frame[0]!]!);
  const newParent = out.tree.parent, newFrame = out.tree.frame;
  const mapped = new Int32Array(parent.length);
  out.add(0, selfBytes[0]!, selfObjects[0]!);
  for (let i = 1; i < parent.length; i++) {
    const above = mapped[parent[i]!]!, fn = functionOf[frame[i]!]!;
    // The function's call already on the new stack, if any (stacks are at most a few hundred deep);
    // the root counts too: a focused tree's root is a function.
    let q = above;
    while (q >= 0 && newFrame[q] !== fn) q = newParent[q]!;
    mapped[i] = q >= 0 ? q : out.child(above, fn);
    out.add(mapped[i]!, selfBytes[i]!, selfObjects[i]!);
  }
  return out.tree;
}
