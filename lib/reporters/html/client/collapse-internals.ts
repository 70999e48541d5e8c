// Frames the program does not own, collapsed: Node's own JavaScript (the module
// loader's Module._load … Module._compile above every stack, node:internal/*,
// node:buffer, …) and allocscope's own files. Each run of such frames on a stack
// becomes one marker frame ("… 6 Node frames") between the program's frames, so
// that the graph still says where Node's code ran (and allocated) without giving
// it a row per frame. Runs under the same parent merge into one marker, and the
// paths below them merge too: no byte is lost or counted twice.
import { CallTreeBuilder, type CallTree } from './call-tree';
import { FRAME_KIND } from './page-data';

/** What one marker stands for. */
export interface HiddenRun {
  /** The frames collapsed into it, each once, outermost first. */
  frames: number[];
  /** The shortest and the longest run of frames it replaces on one stack. */
  fewest: number;
  most: number;
}

export interface CollapsedTree {
  tree: CallTree;
  /** Marker k's frame is `frameCount + k` (past the page's frames). */
  markers: HiddenRun[];
}

/**
 * Collapses runs of frames whose `internal` flag is set. A V8 builtin (or native
 * frame) between two such frames (Reflect.apply inside the module loader) belongs
 * to the run; one the run ends with stays visible below its marker (the
 * allocator's malloc in a native profile, Node's TypedArray constructor), as do
 * those the program's code calls. The root is kept.
 */
export function collapseInternals(tree: CallTree, frames: { internal: ArrayLike<number>; kind: ArrayLike<number> }, frameCount: number): CollapsedTree {
  const { parent, frame, selfBytes, selfObjects } = tree;
  const n = parent.length;
  const internal = (f: number) => frames.internal[f] === 1;
  const builtin = (f: number) => frames.kind[f] === FRAME_KIND.native;
  // leadsOn[i]: some child of i is internal, or a builtin that leads on to one (children follow parents: one backward pass).
  const leadsOn = new Uint8Array(n);
  for (let i = n - 1; i > 0; i--) {
    const f = frame[i]!;
    if (internal(f) || (builtin(f) && leadsOn[i])) leadsOn[parent[i]!] = 1;
  }
  const out = new CallTreeBuilder(frame[0]!);
  const mapped = new Int32Array(n), hidden = new Uint8Array(n), run = new Int32Array(n);
  // Marker nodes of the new tree → their run (frames seen, as a set too).
  const runs = new Map<number, HiddenRun & { seen: Set<number> }>();
  const ends = (node: number, length: number) => {
    const r = runs.get(node)!;
    if (length < r.fewest) r.fewest = length;
    if (length > r.most) r.most = length;
  };
  out.add(0, selfBytes[0]!, selfObjects[0]!);
  for (let i = 1; i < n; i++) {
    const p = parent[i]!, f = frame[i]!;
    const isHidden = internal(f) || (builtin(f) && hidden[p] === 1 && leadsOn[i] === 1);
    if (!isHidden) {
      mapped[i] = out.child(mapped[p]!, f);
      if (hidden[p]) ends(mapped[p]!, run[p]!);
    } else {
      hidden[i] = 1;
      if (hidden[p]) {
        mapped[i] = mapped[p]!;
        run[i] = run[p]! + 1;
      } else {
        // Every run under one parent shares its marker: frameCount stands for "a marker" until numbered below.
        mapped[i] = out.child(mapped[p]!, frameCount);
        run[i] = 1;
        if (!runs.has(mapped[i]!)) runs.set(mapped[i]!, { frames: [], fewest: Infinity, most: 0, seen: new Set() });
      }
      const r = runs.get(mapped[i]!)!;
      if (!r.seen.has(f)) { r.seen.add(f); r.frames.push(f); }
      if (selfBytes[i]! > 0 || selfObjects[i]! > 0) ends(mapped[i]!, run[i]!);
    }
    out.add(mapped[i]!, selfBytes[i]!, selfObjects[i]!);
  }
  const markers: HiddenRun[] = [];
  for (const [node, r] of runs) {
    out.tree.frame[node] = frameCount + markers.length;
    markers.push({ frames: r.frames, fewest: r.fewest === Infinity ? r.most : r.fewest, most: r.most });
  }
  return { tree: out.tree, markers };
}

/** A marker's label: "… 6 Node frames", "… 2–6 allocscope frames". `ownerOf` names a frame's owner (null for a V8 builtin). */
export function hiddenRunLabel(run: HiddenRun, ownerOf: (frame: number) => 'Node' | 'allocscope' | null): string {
  const owners = new Set(run.frames.map(ownerOf).filter((o) => o !== null));
  const whose = owners.size === 1 ? [...owners][0]! : 'Node and allocscope';
  const howMany = run.fewest === run.most ? String(run.most) : `${run.fewest}–${run.most}`;
  return `… ${howMany} ${whose} ${run.most === 1 ? 'frame' : 'frames'}`;
}
