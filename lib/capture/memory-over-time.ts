// Memory over time in a capture: the live heap's moments (lib/sampler/moments.ts)
// with allocscope's own frames left out, and the live bytes of the top sites at
// each moment (top N + "other"), for the stacked-area chart and `report --at`.
import { Profile, type FilterOptions } from '../profile/profile';
import { momentCount, momentProfileData, type MomentsData } from '../sampler/moments';

/** Live bytes per site over the moments: the N largest sites (by their largest value) and the rest. */
export interface SiteSeries {
  /** Group keys (Profile.top's `key`) and labels of the sites, largest first. */
  keys: string[];
  labels: string[];
  /** bytes[s][i]: site s's live bytes at moment i. */
  bytes: number[][];
  /** Every other site's live bytes at each moment. */
  otherBytes: number[];
}

export interface MemoryOverTime extends MomentsData {
  sites: SiteSeries;
}

/** Sites kept in the series by default. */
export const DEFAULT_SERIES_SITES = 8;

/**
 * What a capture stores: `m` without the nodes `filter` drops (allocscope's own
 * allocations), and the top `sites` sites' series.
 */
export function memoryOverTime(m: MomentsData, filter: FilterOptions, sites = DEFAULT_SERIES_SITES): MemoryOverTime {
  const kept = keptNodes(m, filter);
  const offset: number[] = [0], node: number[] = [], bytes: number[] = [], count: number[] = [];
  for (let i = 0; i < momentCount(m); i++) {
    for (let k = m.offset[i]!; k < m.offset[i + 1]!; k++) {
      if (!kept[m.node[k]!]) continue;
      node.push(m.node[k]!);
      bytes.push(m.bytes[k]!);
      count.push(m.count[k]!);
    }
    offset.push(node.length);
  }
  const filtered: MomentsData = { ...m, offset, node, bytes, count, atMs: Array.from(m.atMs), usedBytes: Array.from(m.usedBytes), major: Array.from(m.major) };
  return { ...filtered, sites: siteSeries(filtered, sites) };
}

/** Per node of the shared tree: 1 when `filter` keeps what is allocated there. */
function keptNodes(m: MomentsData, filter: FilterOptions): Uint8Array {
  const n = m.nodes.parent.length;
  // Every node counts once, so that the filter judges every stack.
  const ones = new Float64Array(n).fill(1);
  const probe = new Profile({
    version: 1, mode: 'live', intervalBytes: m.intervalBytes, stackDepth: m.stackDepth, startTimeMs: m.startTimeMs, endTimeMs: m.startTimeMs,
    threadIds: m.threadIds, strings: m.strings, frames: m.frames, nodes: { parent: m.nodes.parent, frame: m.nodes.frame, selfBytes: ones, selfCount: ones },
  }).filter(filter);
  const kept = new Uint8Array(n);
  for (let i = 0; i < n; i++) kept[i] = probe.data.nodes.selfCount[i]! > 0 ? 1 : 0;
  return kept;
}

function siteSeries(m: MomentsData, n: number): SiteSeries {
  const count = momentCount(m);
  const perSite = new Map<string, { label: string; bytes: number[] }>();
  const totals: number[] = [];
  for (let i = 0; i < count; i++) {
    const profile = new Profile(momentProfileData(m, i));
    totals.push(profile.totals().bytes);
    for (const row of profile.top(Infinity)) {
      let s = perSite.get(row.key);
      if (!s) perSite.set(row.key, (s = { label: row.label, bytes: new Array<number>(count).fill(0) }));
      s.bytes[i] = row.bytes;
    }
  }
  const largest = [...perSite.entries()]
    .map(([key, s]) => ({ key, ...s, max: Math.max(...s.bytes) }))
    .sort((a, b) => b.max - a.max || (a.key < b.key ? -1 : 1))
    .slice(0, n);
  const otherBytes = totals.map((total, i) => Math.max(0, total - largest.reduce((sum, s) => sum + s.bytes[i]!, 0)));
  return { keys: largest.map((s) => s.key), labels: largest.map((s) => s.label), bytes: largest.map((s) => s.bytes), otherBytes };
}

/** Which moment `--at` names: 'peak', 'end' (null: the capture's own profile) or seconds since the start. */
export type MomentChoice = 'peak' | 'end' | number;

/** The moment index for `at`, null for 'end'; −1 when the capture has no moment to show. */
export function momentIndex(m: MemoryOverTime | undefined, at: MomentChoice): number | null {
  if (at === 'end') return null;
  if (!m || momentCount(m) === 0) return -1;
  if (at === 'peak') return m.peakIndex;
  // The last moment at or before the time; before the first moment, the first.
  let best = 0;
  for (let i = 0; i < momentCount(m); i++) if (m.atMs[i]! <= at * 1000) best = i;
  return best;
}
