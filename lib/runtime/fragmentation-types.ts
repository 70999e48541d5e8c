// A fragmentation report, as plain types (formulas in fragmentation.ts). Kept
// apart from fragmentation.ts (which reads the addon), with no Node import, so
// that the HTML report's page (tsconfig.client.json, no Node types) can use
// them; fragmentation.ts re-exports them.

export interface SpaceFragmentation {
  name: string;
  committedBytes: number;
  usedBytes: number;
  availableBytes: number;
  physicalBytes: number;
  /** 1 − used / committed. */
  fragmentation: number;
  /** physical / committed (< 1: committed pages not yet touched). */
  physicalToCommitted: number;
}

export interface FragmentationReport {
  v8: {
    spaces: SpaceFragmentation[];
    /** The same figures over all spaces. */
    total: Omit<SpaceFragmentation, 'name'>;
  };
  glibc: null | {
    arenaBytes: number;
    inUseBytes: number;
    freeBytes: number;
    mmappedBytes: number;
    topPadBytes: number;
    /** free / arena. */
    fragmentation: number;
  };
  jemalloc: null | {
    allocatedBytes: number;
    activeBytes: number;
    residentBytes: number;
    /** (active − allocated) / active. */
    fragmentation: number;
    /** resident / active. */
    residentToActive: number;
  };
  process: {
    rssBytes: number;
    v8PhysicalBytes: number;
    mallocFootprintBytes: number;
    /** v8PhysicalBytes + mallocFootprintBytes. */
    accountedBytes: number;
    /** rssBytes − accountedBytes (may be negative: glibc's arena counts untouched pages). */
    unattributedBytes: number;
    /** unattributedBytes / rssBytes. */
    unattributedShare: number;
  };
}
