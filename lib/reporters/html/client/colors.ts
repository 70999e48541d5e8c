// Flame-graph colours: one hue family per frame kind, the shade from a hash of
// the frame's name and file, so that a frame keeps its colour across reports.
import type { FrameKind } from './page-data';

/** Legend labels, indexed by frame kind. */
export const KIND_NAMES = ['your code', 'Node internals', 'node_modules', 'V8 builtins / native'] as const;

export const ROOT_COLOR = 'hsl(0,0%,80%)';

/** FNV-1a of the string, as a number in [0, 1). */
function hashUnit(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return ((h >>> 0) % 1000) / 1000;
}

/** The colour of a frame of `kind`, shaded by `shade` in [0, 1). */
export function kindColor(kind: FrameKind | number, shade: number): string {
  const light = (base: number, range: number) => (base + shade * range).toFixed(0);
  if (kind === 0) return `hsl(${(8 + shade * 36).toFixed(0)},88%,${light(60, 10)}%)`;
  if (kind === 1) return `hsl(${(150 + shade * 30).toFixed(0)},42%,${light(60, 10)}%)`;
  if (kind === 2) return `hsl(${(205 + shade * 30).toFixed(0)},62%,${light(66, 10)}%)`;
  return `hsl(0,0%,${light(74, 9)}%)`;
}

/** A frame's colour from its kind, name and file. */
export function frameColor(kind: number, name: string, file: string): string {
  return kindColor(kind, hashUnit(`${name}\u0000${file}`));
}

/** Markers of collapsed frames (Node's, allocscope's): neutral, so that the program's frames stand out. */
export const MARKER_COLOR = 'hsl(210,12%,88%)';
