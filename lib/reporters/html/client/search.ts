// Flame-graph search: which frames match a query (a substring of the function
// name or the file, case-insensitive), which drawn frames light up, and how many
// bytes sit under the matches.
import type { FlameTree } from './flame-tree';
import { bytes, count, percent } from './numbers';

/** Per frame, the text a query is matched against: "name\0file", lower-cased. */
export function searchKeys(names: readonly string[], files: readonly string[]): string[] {
  return names.map((name, f) => `${name.toLowerCase()}\u0000${(files[f] ?? '').toLowerCase()}`);
}

/** Per frame, 1 when it matches `query`; null for an empty query (no search). The root's frame never matches. */
export function matchFrames(keys: readonly string[], query: string, rootFrame: number): Uint8Array | null {
  const q = query.trim().toLowerCase();
  if (!q) return null;
  const hit = new Uint8Array(keys.length);
  for (let f = 0; f < keys.length; f++) if (keys[f]!.includes(q)) hit[f] = 1;
  hit[rootFrame] = 0;
  return hit;
}

/** Whether the frame drawn for `node` is highlighted by the search. */
export function isHit(tree: FlameTree, hit: Uint8Array | null, node: number): boolean {
  return hit !== null && node !== 0 && hit[tree.frame[node]!] === 1;
}

export interface SearchSummary {
  /** Nodes whose frame matches. */
  nodes: number;
  /** Bytes under matching nodes, each byte once (a match inside a match adds nothing). */
  bytes: number;
}

export function summarizeMatches(tree: FlameTree, hit: Uint8Array): SearchSummary {
  const under = new Uint8Array(tree.size);
  let nodes = 0, sum = 0;
  for (let k = 1; k < tree.size; k++) {
    const h = hit[tree.frame[k]!]!, up = under[tree.parent[k]!]!;
    if (h) {
      nodes++;
      if (!up) sum += tree.total[k]!;
    }
    under[k] = up | h;
  }
  return { nodes, bytes: sum };
}

/** "3 frames · 1.20 MiB (12.5 % of all)", or "no match". */
export function matchesText(summary: SearchSummary, totalBytes: number): string {
  if (!summary.nodes) return 'no match';
  return `${count(summary.nodes)}${summary.nodes === 1 ? ' frame' : ' frames'} · ${bytes(summary.bytes)} (${percent(totalBytes > 0 ? summary.bytes / totalBytes : 0)} of all)`;
}
