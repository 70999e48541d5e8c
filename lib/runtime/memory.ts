// Everything allocscope can read about memory without stacks, in one object.
import { heap, type HeapStats } from './heap';
import { malloc, type MallocStats, type MallocStatsOptions } from './malloc';
import { spaces, type SpaceStats } from './spaces';

export interface MemorySnapshot {
  /** `Date.now()` at the reading. */
  timestampMs: number;
  heap: HeapStats;
  spaces: SpaceStats[];
  malloc: MallocStats;
  /** `process.memoryUsage()` at the same moment. */
  process: NodeJS.MemoryUsage;
}

export const memory = {
  /** Heap, spaces, allocator and process figures taken together. */
  snapshot(options?: MallocStatsOptions): MemorySnapshot {
    return {
      timestampMs: Date.now(),
      heap: heap.stats(),
      spaces: spaces.stats(),
      malloc: malloc.stats(options),
      process: process.memoryUsage(),
    };
  },
};
