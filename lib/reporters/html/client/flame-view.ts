// The tree the flame graph draws for the page's choices: the profile's call tree,
// focused on a function, merged by function, with the frames the program does not
// own collapsed (the default), in that order. Every step keeps the bytes: the
// root's total is the profile's, or, focused, that of the stacks through the function.
import { collapseInternals, type HiddenRun } from './collapse-internals';
import { buildFlameTree, type FlameTree } from './flame-tree';
import { focusOn } from './focus';
import { functionKey } from './function-ids';
import { mergeByFunction } from './merge-functions';
import type { PageProfile } from './page-data';

export interface FlameOptions {
  /** Show Node's and allocscope's frames instead of collapsing them. */
  internals: boolean;
  merge: boolean;
  /** A function as functionKey() writes it, or null. */
  focus: string | null;
}

export interface FlameView {
  tree: FlameTree;
  /** Markers of collapsed frames: marker k is frame `frames.name.length + k`. */
  markers: HiddenRun[];
  /** The frame at the root when focused; null when not (or when the focus names no function of this profile). */
  focus: number | null;
}

/** The frame of the function `key` names, if this profile has it. */
export function frameOfFunction(P: PageProfile, functionOf: ArrayLike<number>, key: string | null): number | null {
  if (!key) return null;
  for (let f = 0; f < P.frames.name.length; f++) if (functionKey(P.frames, P.strings, f) === key) return functionOf[f]!;
  return null;
}

export function flameView(P: PageProfile, functionOf: ArrayLike<number>, options: FlameOptions): FlameView {
  let nodes = P.nodes;
  let focus = frameOfFunction(P, functionOf, options.focus);
  if (focus !== null) {
    const focused = focusOn(nodes, functionOf, focus);
    if (focused) nodes = focused; else focus = null;
  }
  if (options.merge) nodes = mergeByFunction(nodes, functionOf);
  let markers: HiddenRun[] = [];
  if (!options.internals) ({ tree: nodes, markers } = collapseInternals(nodes, P.frames, P.frames.name.length));
  return { tree: buildFlameTree(nodes), markers, focus };
}
