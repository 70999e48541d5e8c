// The data the HTML report's page draws, built from a capture: compact columns
// (a string table, frame and node columns), raw numbers (the page formats them).
// Names are data here: the page only ever puts them into the DOM as text.
// The shape is the page's contract, declared on the page's side (client/page-data.ts).
import type { Capture } from '../../capture/capture';
import type { BufferPoolStats, PoolStats } from '../../pools';
import { isOwnFile } from '../../core/own-files';
import { packageOf, shortPath } from '../../profile/frames';
import { Profile, type AttributeTo } from '../../profile/profile';
import type { ReportOptions } from '../reporter';
import { sideBySide } from '../../profile/side-by-side';
import { FRAME_KIND, type PageData, type PageGcEvent, type PageProfile, type PageTop, type PageTopRow, type PageView } from './client/page-data';

function kindOf(file: string, builtin: boolean): number {
  if (builtin) return FRAME_KIND.native;
  const p = packageOf(file);
  if (p === '(node)') return FRAME_KIND.node;
  if (p === '(app)') return FRAME_KIND.app;
  return FRAME_KIND.module;
}

function pageProfile(profile: Profile, cwd: string): PageProfile {
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
  return {
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
}

function pageTop(profile: Profile, options: ReportOptions, cwd: string, attributeTo: AttributeTo): PageTop {
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

export function pageData(capture: Capture, options: ReportOptions): PageData {
  const cwd = capture.meta.cwd ?? process.cwd();
  const profile = capture.profile ? new Profile(capture.profile) : null;
  const view = (p: Profile, source?: PageProfile['source']): PageView => ({
    profile: { ...pageProfile(p, cwd), ...(source ? { source } : {}) },
    top: pageTop(p, options, cwd, 'program'),
    topWithInternals: pageTop(p, options, cwd, 'innermost'),
  });
  let views: PageData['views'];
  if (capture.nativeProfile) {
    const native = new Profile(capture.nativeProfile);
    views = { native: view(native, 'native') };
    if (profile) {
      views.heap = view(profile);
      views.both = view(new Profile(sideBySide([{ label: 'JS heap', data: profile.data }, { label: 'native memory', data: native.data }])), 'both');
    }
  }
  return {
    version: 1,
    meta: capture.meta,
    profile: profile && pageProfile(profile, cwd),
    top: profile && pageTop(profile, options, cwd, 'program'),
    topWithInternals: profile && pageTop(profile, options, cwd, 'innermost'),
    ...(views ? { views } : {}),
    timeline: capture.timeline,
    gcEvents: capture.gc.events.map((e): PageGcEvent => [
      e.timeMs, e.duration, e.type, e.depth, e.usedBeforeBytes, e.usedAfterBytes, e.committedBeforeBytes, e.committedAfterBytes,
      e.externalBeforeBytes, e.externalAfterBytes,
    ]),
    gc: capture.gc.summary,
    heap: capture.heap,
    spaces: capture.spaces,
    malloc: capture.malloc,
    fragmentation: capture.fragmentation,
    pools: Array.isArray(capture.pools) ? capture.pools.map(flattenPool) : [],
    leaks: capture.leaks ?? null,
    poolClasses: Array.isArray(capture.pools) ? capture.pools.filter(isBufferPool).map((p) => ({
      name: p.name,
      classes: p.classes.map((c) => ({
        blockBytes: c.blockBytes, totalBytes: c.blocksTotal * c.blockBytes, inUseBytes: c.handedOutBytes,
        requestedBytes: c.requestedBytes, freeInPartialBytes: c.freeBytesInPartialSlabs,
      })),
    })) : [],
  };
}

/**
 * JSON for a `<script type="application/json">` element: `<` becomes \u003c, so
 * no string in the data can close the element or open a comment; U+2028/2029
 * are escaped too, so the text is also a valid JS literal.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function isBufferPool(pool: unknown): pool is BufferPoolStats {
  return typeof pool === 'object' && pool !== null && (pool as { kind?: string }).kind === 'buffer' && Array.isArray((pool as BufferPoolStats).classes);
}

/** allocscope pool statistics as one flat table row (the histogram stays in the capture). */
function flattenPool(pool: unknown): unknown {
  const p = pool as Partial<PoolStats> | null;
  if (!p || typeof p !== 'object' || !p.recommendation) return pool;
  const r = p.recommendation;
  return {
    name: p.name, kind: p.kind, acquires: p.acquires, hitRate: p.hitRate, inUse: p.inUse, inUseHighWater: p.inUseHighWater,
    capacity: p.capacity,
    // A Buffer pool's recommendation is in bytes (the sum over its size classes).
    [`recommended (${Math.round(r.share * 1000) / 10} %)${p.kind === 'buffer' ? ' bytes' : ''}`]: r.capacity, recommendedMissRate: r.missRate,
    idleObjectsMean: Math.round(r.idleObjectsMean * 10) / 10, idleBytes: r.idleBytesMean,
  };
}
