// One fragmentation report over V8's spaces, the C allocator and the process.
// Formulas (also in docs/fragmentation.md):
//   V8 space:  fragmentation = 1 − used / committed    (0 when nothing is committed)
//              physicalToCommitted = physical / committed
//   glibc:     fragmentation = free / arena             (fordblks / arena)
//   jemalloc:  fragmentation = (active − allocated) / active
//              residentToActive = resident / active
//   process:   accounted = V8 physical heap + C allocator footprint
//              (jemalloc: resident; glibc: arena + mmapped)
//              unattributed = RSS − accounted (binary, libraries, stacks, other mmaps)
import { heap } from './heap';
import { malloc, type MallocStats } from './malloc';
import { spaces, type SpaceStats } from './spaces';
import type { FragmentationReport, SpaceFragmentation } from './fragmentation-types';

export type { FragmentationReport, SpaceFragmentation } from './fragmentation-types';

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : 0);

function space(name: string, committed: number, used: number, available: number, physical: number): SpaceFragmentation {
  return {
    name, committedBytes: committed, usedBytes: used, availableBytes: available, physicalBytes: physical,
    fragmentation: committed > 0 ? Math.max(0, 1 - used / committed) : 0,
    physicalToCommitted: ratio(physical, committed),
  };
}

/** The readings a fragmentation report is computed from. */
export interface FragmentationReadings {
  spaces: readonly SpaceStats[];
  malloc: MallocStats;
  rssBytes: number;
  v8PhysicalBytes: number;
}

/** Builds the report from fresh readings (reads malloc statistics: ~ms on big heaps). */
export function fragmentation(): FragmentationReport {
  return fragmentationFrom({ spaces: spaces.stats(), malloc: malloc.stats(), rssBytes: process.memoryUsage.rss(), v8PhysicalBytes: heap.stats().totalPhysicalSizeBytes });
}

/** The same report from readings the caller took (the metrics reuse one set of readings per scrape). */
export function fragmentationFrom(readings: FragmentationReadings): FragmentationReport {
  const perSpace = readings.spaces.map((s) => space(s.name, s.committedBytes, s.usedBytes, s.availableBytes, s.physicalBytes));
  const sum = (key: 'committedBytes' | 'usedBytes' | 'availableBytes' | 'physicalBytes') => perSpace.reduce((a, s) => a + s[key], 0);
  const { name: _name, ...total } = space('total', sum('committedBytes'), sum('usedBytes'), sum('availableBytes'), sum('physicalBytes'));

  const m = readings.malloc;
  const glibc = m.glibc && {
    arenaBytes: m.glibc.arenaBytes,
    inUseBytes: m.glibc.inUseBytes,
    freeBytes: m.glibc.freeBytes,
    mmappedBytes: m.glibc.mmappedBytes,
    topPadBytes: m.glibc.topPadBytes,
    fragmentation: ratio(m.glibc.freeBytes, m.glibc.arenaBytes),
  };
  const je = m.jemalloc;
  const jemalloc = je && je.allocatedBytes !== null && je.activeBytes !== null && je.residentBytes !== null ? {
    allocatedBytes: je.allocatedBytes,
    activeBytes: je.activeBytes,
    residentBytes: je.residentBytes,
    fragmentation: ratio(je.activeBytes - je.allocatedBytes, je.activeBytes),
    residentToActive: ratio(je.residentBytes, je.activeBytes),
  } : null;

  const { rssBytes, v8PhysicalBytes } = readings;
  const mallocFootprintBytes = jemalloc ? jemalloc.residentBytes : glibc ? glibc.arenaBytes + glibc.mmappedBytes : 0;
  const accountedBytes = v8PhysicalBytes + mallocFootprintBytes;
  return {
    v8: { spaces: perSpace, total },
    glibc,
    jemalloc,
    process: {
      rssBytes, v8PhysicalBytes, mallocFootprintBytes, accountedBytes,
      unattributedBytes: rssBytes - accountedBytes,
      unattributedShare: ratio(rssBytes - accountedBytes, rssBytes),
    },
  };
}
