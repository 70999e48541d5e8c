// The live heap at one of its moments, as the flame graph and the top table read
// a profile: built from the moments' shared tree and the moment's entries, its
// table from the figures the server side computed (same attribution as the
// whole run's table); and how a moment is named, in words and in the URL's hash.
import { bytes } from './numbers';
import type { PageMoments, PageProfile, PageTop, PageTopRow } from './page-data';

export function momentProfile(M: PageMoments, i: number): PageProfile {
  const n = M.tree.nodes.parent.length;
  const selfBytes = new Array<number>(n).fill(0), selfObjects = new Array<number>(n).fill(0);
  let totalBytes = 0, totalObjects = 0;
  for (let k = M.offset[i]!; k < M.offset[i + 1]!; k++) {
    selfBytes[M.node[k]!] = M.bytes[k]!;
    selfObjects[M.node[k]!] = M.objects[k]!;
    totalBytes += M.bytes[k]!;
    totalObjects += M.objects[k]!;
  }
  return {
    mode: 'live', intervalBytes: M.tree.intervalBytes, totalBytes, totalObjects, prunedNodes: 0,
    strings: M.tree.strings, frames: M.tree.frames,
    nodes: { parent: M.tree.nodes.parent, frame: M.tree.nodes.frame, selfBytes, selfObjects },
  };
}

/** Moment i's top table, the rows' shares as Profile.top computes them (of the moment's total). */
export function momentTop(M: PageMoments, i: number, internals: boolean): PageTop {
  const { rows, total } = (internals ? M.top.innermost : M.top.program)[i]!;
  let cumulative = 0;
  return {
    by: M.top.by,
    total,
    rows: rows.map(([label, b, objects]): PageTopRow => {
      cumulative += b;
      return {
        ...M.top.labels[label]!, bytes: b, objects, averageSize: objects > 0 ? b / objects : 0,
        share: total > 0 ? b / total : 0, cumulativeShare: total > 0 ? cumulative / total : 0,
      };
    }),
  };
}

/** The moment closest in time to `seconds`. */
export function nearestMoment(M: PageMoments, seconds: number): number {
  let best = 0;
  for (let i = 1; i < M.seconds.length; i++) if (Math.abs(M.seconds[i]! - seconds) < Math.abs(M.seconds[best]! - seconds)) best = i;
  return best;
}

/** The hash's `at` ('peak' or a moment's index) as a moment; null (the end of the run) for anything else. */
export function momentOfHash(M: PageMoments, at: string | null): number | null {
  if (at === 'peak') return M.peakIndex >= 0 ? M.peakIndex : null;
  if (at === null || !/^\d+$/.test(at)) return null;
  const i = Number(at);
  return i < M.seconds.length ? i : null;
}

/**
 * Where the page opens without at= in its hash: at the peak when what was alive at the
 * end is under half of the peak's (a batch job that freed its work: memray opens at
 * the high-water mark too), else at the end of the run (null). Half, not less: both
 * totals are sampled, and a small end read from ~16 samples swings by ±50 %, which
 * flipped a tenth's choice between runs of the same program.
 */
export function openingMoment(M: PageMoments, endBytes: number): number | null {
  if (M.peakIndex < 0) return null;
  return endBytes < 0.5 * momentProfile(M, M.peakIndex).totalBytes ? M.peakIndex : null;
}

/** What the hash keeps for moment i: 'peak' for the peak, so that a link to it says so. */
export function hashOfMoment(M: PageMoments, i: number | null): string | null {
  return i === null ? null : i === M.peakIndex ? 'peak' : String(i);
}

/** "live heap at 1.85 s — the peak — 269 MiB used". */
export function momentLabel(M: PageMoments, i: number): string {
  return `live heap at ${M.seconds[i]!.toFixed(2)} s${i === M.peakIndex ? ' — the peak —' : ' —'} ${bytes(M.usedBytes[i]!)} used`;
}
