// "Focus on this frame" (DevTools' and speedscope's): a call tree re-rooted at one
// function. Every stack that goes through it contributes the part from its
// outermost call of that function down, and identical paths merge: the root's
// bytes are those of all the stacks containing the function, each counted once
// (a recursive call inside it stays below it, not beside it). Zooming, by
// contrast, shows one node's subtree: one of the function's call paths.
import { CallTreeBuilder, type CallTree } from './call-tree';

/**
 * The tree re-rooted at function `target` (an id from functionIds), whose frame
 * becomes the root's; null when no stack goes through it.
 */
export function focusOn(tree: CallTree, functionOf: ArrayLike<number>, target: number): CallTree | null {
  const { parent, frame, selfBytes, selfObjects } = tree;
  const out = new CallTreeBuilder(target);
  // Each node → its node in the focused tree, or −1 while no call of `target` is above it.
  const mapped = new Int32Array(parent.length).fill(-1);
  let found = false;
  for (let i = 1; i < parent.length; i++) {
    const above = mapped[parent[i]!]!;
    if (above >= 0) mapped[i] = out.child(above, frame[i]!);
    else if (functionOf[frame[i]!] === target) { mapped[i] = 0; found = true; } else continue;
    out.add(mapped[i]!, selfBytes[i]!, selfObjects[i]!);
  }
  return found ? out.tree : null;
}
