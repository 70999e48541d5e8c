// objgraph's show_growth: instance counts per constructor between two heap
// snapshots, the ones that gained instances first.
import type { ConstructorGrowth } from './report';

export type ConstructorCounts = Record<string, { count: number; selfBytes: number }>;

export function constructorGrowth(before: ConstructorCounts, after: ConstructorCounts): ConstructorGrowth[] {
  const rows: ConstructorGrowth[] = [];
  for (const [name, a] of Object.entries(after)) {
    const b = before[name] ?? { count: 0, selfBytes: 0 };
    if (a.count <= b.count) continue;
    rows.push({
      name, countBefore: b.count, countAfter: a.count, countDelta: a.count - b.count,
      selfBytesBefore: b.selfBytes, selfBytesAfter: a.selfBytes, selfBytesDelta: a.selfBytes - b.selfBytes,
    });
  }
  return rows.sort((x, y) => y.countDelta - x.countDelta || y.selfBytesDelta - x.selfBytesDelta || (x.name < y.name ? -1 : 1));
}
