// Flame-graph layout (an icicle: the root on top, width = bytes of the subtree):
// which frames to draw, where and how wide, for a zoom and a width in pixels.
// Frames narrower than a minimum are left out with their subtrees (children are
// narrower still), and the minimum doubles until the frame budget holds, so a
// 100,000-node profile still draws in milliseconds.
import type { FlameTree } from './flame-tree';
import { ancestorsOf } from './zoom';

/** Height of one row of frames, px. */
export const ROW_PX = 18;
/** At most this many frames are drawn (beyond the zoomed node's ancestors). */
const FRAME_BUDGET = 12000;
/** The minimum frame width stops doubling here. */
const MAX_MIN_WIDTH_PX = 64;

export interface FlameRect {
  node: number;
  /** Left edge and width, px. */
  x: number;
  width: number;
  /** Row from the top (0 = the root's row). */
  row: number;
  /** An ancestor of the zoomed node (drawn full width, dimmed). */
  ancestor: boolean;
  /** The zoomed node itself. */
  zoomed: boolean;
}

export interface FlameLayout {
  rects: FlameRect[];
  /** Subtrees left out for being narrower than `minWidthPx`. */
  hidden: number;
  minWidthPx: number;
  /** Rows used (the box's height is rows × ROW_PX). */
  rows: number;
}

interface Collected { out: number[]; hidden: number }

/** Depth-first from `zoom`: [node, x, width] triples, leftmost first, stopping once past `budget` frames. */
function collect(tree: FlameTree, zoom: number, scale: number, minWidthPx: number, budget: number): Collected {
  const { total, firstChild, kids } = tree;
  const out: number[] = [], stack: number[] = [zoom, 0];
  let hidden = 0;
  while (stack.length) {
    const x = stack.pop()!, node = stack.pop()!, width = total[node]! * scale;
    if (width < minWidthPx) { hidden++; continue; }
    out.push(node, x, width);
    if (out.length > 3 * budget) break; // too many: the caller retries with a larger minimum width
    // Children left to right, widest first; pushed in reverse so that the leftmost pops first.
    const start = stack.length;
    let pos = x;
    for (let k = firstChild[node]!; k < firstChild[node + 1]!; k++) {
      const child = kids[k]!;
      stack.push(child, pos);
      pos += total[child]! * scale;
    }
    for (let lo = start, hi = stack.length - 2; lo < hi; lo += 2, hi -= 2) {
      const node0 = stack[lo]!, x0 = stack[lo + 1]!;
      stack[lo] = stack[hi]!; stack[lo + 1] = stack[hi + 1]!;
      stack[hi] = node0; stack[hi + 1] = x0;
    }
  }
  return { out, hidden };
}

/** Lays out the flame graph zoomed on `zoom` (0 = the root) across `widthPx`. */
export function layoutFlame(tree: FlameTree, zoom: number, widthPx: number, budget: number = FRAME_BUDGET): FlameLayout {
  const ancestors = ancestorsOf(tree, zoom);
  const base = ancestors.length;
  const scale = tree.total[zoom]! > 0 ? widthPx / tree.total[zoom]! : 0;
  let minWidthPx = 1;
  let got = collect(tree, zoom, scale, minWidthPx, budget);
  while (got.out.length > 3 * budget && minWidthPx < MAX_MIN_WIDTH_PX) {
    minWidthPx *= 2;
    got = collect(tree, zoom, scale, minWidthPx, budget);
  }
  const rects: FlameRect[] = ancestors.map((node, row) => ({ node, x: 0, width: widthPx, row, ancestor: true, zoomed: false }));
  const zoomDepth = tree.depth[zoom]!;
  let rows = base;
  for (let r = 0; r < got.out.length; r += 3) {
    const node = got.out[r]!;
    const row = base + tree.depth[node]! - zoomDepth;
    rects.push({ node, x: got.out[r + 1]!, width: got.out[r + 2]!, row, ancestor: false, zoomed: node === zoom });
    if (row + 1 > rows) rows = row + 1;
  }
  return { rects, hidden: got.hidden, minWidthPx, rows: Math.max(rows, base + 1) };
}
