// Per-space V8 statistics (new, old, code, large-object, … spaces).
import { heapStatsBinding } from './heap';

/** One V8 heap space. Names are V8's own (`new_space`, `old_space`, …). Sizes in bytes. */
export interface SpaceStats {
  name: string;
  /** Committed memory of the space. */
  committedBytes: number;
  /** Bytes occupied by objects in the space. */
  usedBytes: number;
  /** Bytes still allocatable in the space without growing it. */
  availableBytes: number;
  /** Committed memory backed by physical pages. */
  physicalBytes: number;
}

const layout = heapStatsBinding.layout();
const width = layout.spaceFields.length;
const buffer = new Float64Array(layout.spaceNames.length * width);
const column = (name: string) => layout.spaceFields.indexOf(name);
const COMMITTED = column('spaceSize');
const USED = column('spaceUsedSize');
const AVAILABLE = column('spaceAvailableSize');
const PHYSICAL = column('physicalSpaceSize');

/** V8's space names, in V8's index order. */
export const spaceNames: readonly string[] = Object.freeze([...layout.spaceNames]);

export const spaces = {
  /** Statistics of every heap space of the calling thread's isolate (~1 µs in the addon). */
  stats(): SpaceStats[] {
    heapStatsBinding.readSpaces(buffer);
    return layout.spaceNames.map((name, i) => ({
      name,
      committedBytes: buffer[i * width + COMMITTED]!,
      usedBytes: buffer[i * width + USED]!,
      availableBytes: buffer[i * width + AVAILABLE]!,
      physicalBytes: buffer[i * width + PHYSICAL]!,
    }));
  },
};
