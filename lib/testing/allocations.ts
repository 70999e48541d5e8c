// What one call allocates: the counting pass of measure() with one counted round.
import { siteLabel } from '../bench/attribution';
import { countingPass } from '../bench/counting-pass';
import { withGcTracker } from '../bench/gc-window';
import type { PreparedOperation } from '../bench/operation';
import { withSourceMaps } from '../sampler/heap-profiler';
import { applyExactCountingFlags } from '../bench/v8-flags';

export interface AllocationFigures {
  ops: number;
  bytesPerOp: number;
  allocsPerOp: number;
  externalBytesPerOp: number;
  /** The three sites that allocated the most bytes. */
  topSites: { label: string; bytesPerOp: number; allocsPerOp: number }[];
}

export async function measureAllocations(op: PreparedOperation, ops: number, warmup: number): Promise<AllocationFigures> {
  applyExactCountingFlags();
  const c = await withGcTracker(() => countingPass(op, { rounds: 1, opsPerRound: ops, maxAllocationsPerRound: 0, stackDepth: 512, warmupOps: warmup }));
  const round = c.rounds[0]!;
  return {
    ops,
    bytesPerOp: round.bytes / ops,
    allocsPerOp: round.allocs / ops,
    externalBytesPerOp: round.externalBytes / ops,
    topSites: withSourceMaps(c.profile).top(3, { by: 'site' }).map((r) => ({ label: siteLabel(r.label), bytesPerOp: r.bytes / (ops * c.rounds.length), allocsPerOp: r.objects / (ops * c.rounds.length) })),
  };
}
