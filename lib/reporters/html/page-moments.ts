// The live heap's moments as the page reads them (client/page-data.ts's
// PageMoments): one pruned tree, each moment's nodes sparsely, its top tables
// compact (labels once, figures per moment), and the site series for the chart.
// Already bounded by the capture (maxMoments, top N sites), so sent whole.
import type { MemoryOverTime } from '../../capture/memory-over-time';
import type { ProfileData } from '../../profile/data';
import { Profile, type AttributeTo } from '../../profile/profile';
import { momentCount, momentProfileData } from '../../sampler/moments';
import type { ReportOptions } from '../reporter';
import type { PageMoments, PageMomentTop, PageTopLabel } from './client/page-data';
import { pageTree, pageTop } from './page-profile';

/** null when the capture has no moment (no GC ran). */
export function pageMoments(m: MemoryOverTime, startTimeMs: number, options: ReportOptions, cwd: string): PageMoments | null {
  const count = momentCount(m);
  if (count === 0) return null;
  const { page: tree, newIndex } = pageTree(new Profile(everyMomentAtOnce(m)), cwd);
  const offset = [0], node: number[] = [], bytes: number[] = [], objects: number[] = [];
  for (let i = 0; i < count; i++) {
    for (let k = m.offset[i]!; k < m.offset[i + 1]!; k++) {
      const to = newIndex[m.node[k]!]!;
      if (to < 0 || !(m.bytes[k]! > 0)) continue;
      node.push(to);
      bytes.push(Math.round(m.bytes[k]!));
      objects.push(Math.round(m.count[k]! * 10) / 10);
    }
    offset.push(node.length);
  }
  const labels: PageTopLabel[] = [], labelIndex = new Map<string, number>();
  const compact = (profile: Profile, attributeTo: AttributeTo): PageMomentTop => {
    const top = pageTop(profile, options, cwd, attributeTo);
    return {
      total: Math.round(top.total),
      rows: top.rows.map((r) => {
        const label: PageTopLabel = { label: r.label, ...(r.function !== undefined ? { function: r.function, location: r.location } : {}) };
        const key = JSON.stringify(label);
        let k = labelIndex.get(key);
        if (k === undefined) { k = labels.length; labels.push(label); labelIndex.set(key, k); }
        return [k, Math.round(r.bytes), Math.round(r.objects * 10) / 10];
      }),
    };
  };
  const program: PageMomentTop[] = [], innermost: PageMomentTop[] = [];
  for (let i = 0; i < count; i++) {
    const profile = new Profile(momentProfileData(m, i));
    program.push(compact(profile, 'program'));
    innermost.push(compact(profile, 'innermost'));
  }
  const seconds: number[] = [];
  for (let i = 0; i < count; i++) seconds.push((m.startTimeMs + m.atMs[i]! - startTimeMs) / 1000);
  return {
    seconds,
    usedBytes: Array.from(m.usedBytes),
    peakIndex: m.peakIndex,
    tree: { intervalBytes: tree.intervalBytes, strings: tree.strings, frames: tree.frames, nodes: { parent: tree.nodes.parent, frame: tree.nodes.frame } },
    offset, node, bytes, objects,
    top: { by: options.by, labels, program, innermost },
    sites: { labels: m.sites.labels, bytes: m.sites.bytes.map((row) => row.map(Math.round)), otherBytes: m.sites.otherBytes.map(Math.round) },
  };
}

/** The shared tree with each node's largest bytes over the moments: pruning it keeps every node some moment needs. */
function everyMomentAtOnce(m: MemoryOverTime): ProfileData {
  const data = momentProfileData(m, 0);
  delete data.moment;
  const selfBytes = new Float64Array(m.nodes.parent.length);
  for (let k = 0; k < m.node.length; k++) selfBytes[m.node[k]!] = Math.max(selfBytes[m.node[k]!]!, m.bytes[k]!);
  return { ...data, nodes: { ...data.nodes, selfBytes } };
}
