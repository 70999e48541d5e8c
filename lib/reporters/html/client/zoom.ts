// Zooming the flame graph: the zoomed node spans the full width, its ancestors
// are drawn above it as full-width bars, and a click on the zoomed frame goes
// back up one level.
import type { FlameTree } from './flame-tree';

/** The ancestors of `node`, root first (empty for the root). */
export function ancestorsOf(tree: FlameTree, node: number): number[] {
  const chain: number[] = [];
  for (let q = tree.parent[node]!; q >= 0; q = tree.parent[q]!) chain.push(q);
  return chain.reverse();
}

/** The node to zoom to after a click on `clicked` while `zoom` is zoomed. */
export function zoomAfterClick(tree: FlameTree, clicked: number, zoom: number): number {
  return clicked === zoom && clicked !== 0 ? tree.parent[clicked]! : clicked;
}

/** The breadcrumb trail: the root, …, the zoomed node; empty when not zoomed. */
export function breadcrumbs(tree: FlameTree, zoom: number): number[] {
  return zoom === 0 ? [] : [...ancestorsOf(tree, zoom), zoom];
}

/** The share of the zoomed node's bytes under `node`, or null when `node` is not strictly inside the zoom. */
export function shareOfZoom(tree: FlameTree, node: number, zoom: number): number | null {
  if (zoom === 0 || node === zoom || !(tree.total[zoom]! > 0) || tree.depth[node]! <= tree.depth[zoom]!) return null;
  return tree.total[node]! / tree.total[zoom]!;
}
