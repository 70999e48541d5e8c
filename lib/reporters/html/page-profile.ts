// A profile as the page reads it: the call tree as compact columns (a string
// table, frame and node columns) and its top tables, built with the same Profile
// code as the other formats, so that the page's figures are theirs.
import { isOwnFile } from '../../core/own-files';
import { packageOf, shortPath } from '../../profile/frames';
import type { AttributeTo, Profile } from '../../profile/profile';
import type { ReportOptions } from '../reporter';
import { FRAME_KIND, type PageProfile, type PageTop, type PageTopRow } from './client/page-data';

function kindOf(file: string, builtin: boolean): number {
  if (builtin) return FRAME_KIND.native;
  const p = packageOf(file);
  if (p === '(node)') return FRAME_KIND.node;
  if (p === '(app)') return FRAME_KIND.app;
  return FRAME_KIND.module;
}

/**
 * A profile as the page's columns, and where each of the profile's nodes went
 * (−1: pruned, nothing sampled under it), for data that names the profile's nodes.
 */
export function pageTree(profile: Profile, cwd: string): { page: PageProfile; newIndex: Int32Array } {
  const { nodes } = profile.data;
  const n = nodes.parent.length;
  // Subtree totals: parents precede children, so one backward pass adds each node into its parent.
  const total = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    total[i] = total[i]! + nodes.selfBytes[i]!;
    const p = nodes.parent[i]!;
    if (p >= 0 && i > 0) total[p] = total[p]! + total[i]!;
  }
  // Keep the root and every node with something sampled under it; renumber.
  const newIndex = new Int32Array(n).fill(-1);
  const parent: number[] = [], frame: number[] = [], selfBytes: number[] = [], selfObjects: number[] = [];
  const frameIndex = new Map<number, number>();
  const strings: string[] = [], stringIndex = new Map<string, number>();
  const str = (s: string) => {
    let k = stringIndex.get(s);
    if (k === undefined) { k = strings.length; strings.push(s); stringIndex.set(s, k); }
    return k;
  };
  const frames: PageProfile['frames'] = { name: [], file: [], line: [], column: [], kind: [], internal: [] };
  let totalObjects = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0 && !(total[i]! > 0)) continue;
    const p = i === 0 ? -1 : newIndex[nodes.parent[i]!]!;
    if (i > 0 && p < 0) continue; // orphan (parent pruned): cannot happen when totals are consistent
    const raw = nodes.frame[i]!;
    let f = frameIndex.get(raw);
    if (f === undefined) {
      const info = profile.frame(raw);
      f = frames.name.length;
      frameIndex.set(raw, f);
      frames.name.push(str(i === 0 ? 'all' : info.function));
      frames.file.push(str(info.builtin ? '' : shortPath(info.file, cwd)));
      frames.line.push(info.line);
      frames.column.push(info.column);
      frames.kind.push(kindOf(info.file, info.builtin));
      frames.internal.push(i > 0 && !info.builtin && (info.file.startsWith('node:') || isOwnFile(info.file)) ? 1 : 0);
    }
    newIndex[i] = parent.length;
    parent.push(p);
    frame.push(f);
    selfBytes.push(Math.round(nodes.selfBytes[i]!));
    selfObjects.push(Math.round(nodes.selfCount[i]! * 10) / 10);
    totalObjects += nodes.selfCount[i]!;
  }
  const totals = profile.totals();
  const page: PageProfile = {
    mode: profile.mode,
    intervalBytes: profile.data.intervalBytes,
    totalBytes: total[0] ?? 0,
    totalObjects,
    ...(totals.liveBytes !== undefined ? { totalLiveBytes: totals.liveBytes, totalTemporaryBytes: totals.temporaryBytes } : {}),
    prunedNodes: n - parent.length,
    strings,
    frames,
    nodes: { parent, frame, selfBytes, selfObjects },
  };
  return { page, newIndex };
}

export function pageProfile(profile: Profile, cwd: string): PageProfile {
  return pageTree(profile, cwd).page;
}

export function pageTop(profile: Profile, options: ReportOptions, cwd: string, attributeTo: AttributeTo): PageTop {
  const rows = profile.top(options.top, { by: options.by, attributeTo }).map((r): PageTopRow => {
    const row: PageTopRow = {
      label: r.label, bytes: r.bytes, objects: r.objects, averageSize: r.averageSize, share: r.share, cumulativeShare: r.cumulativeShare,
    };
    if (r.liveBytes !== undefined) {
      Object.assign(row, { liveBytes: r.liveBytes, liveObjects: r.liveObjects, temporaryBytes: r.temporaryBytes, temporaryObjects: r.temporaryObjects });
    }
    if (r.frame && (options.by === 'site' || options.by === 'function')) {
      row.function = r.frame.function;
      row.location = r.frame.builtin ? '(native)'
        : options.by === 'site' ? `${shortPath(r.frame.file, cwd)}:${r.frame.line}:${r.frame.column}` : shortPath(r.frame.file, cwd);
    }
    return row;
  });
  return { by: options.by, rows, total: profile.totals().bytes };
}
