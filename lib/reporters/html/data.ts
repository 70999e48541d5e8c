// The data the HTML report's page draws, built from a capture: compact columns
// (page-profile.ts, page-moments.ts), raw numbers (the page formats them).
// Names are data here: the page only ever puts them into the DOM as text.
// The shape is the page's contract, declared on the page's side (client/page-data.ts).
import type { Capture } from '../../capture/capture';
import type { BufferPoolStats, PoolStats } from '../../pools';
import { Profile } from '../../profile/profile';
import type { ReportOptions } from '../reporter';
import { sideBySide } from '../../profile/side-by-side';
import type { PageData, PageGcEvent, PageProfile, PageView } from './client/page-data';
import { pageMoments } from './page-moments';
import { pageProfile, pageTop } from './page-profile';

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
  const moments = capture.memoryOverTime && pageMoments(capture.memoryOverTime, capture.meta.startTimeMs, options, cwd);
  return {
    version: 1,
    meta: capture.meta,
    profile: profile && pageProfile(profile, cwd),
    top: profile && pageTop(profile, options, cwd, 'program'),
    topWithInternals: profile && pageTop(profile, options, cwd, 'innermost'),
    ...(views ? { views } : {}),
    ...(moments ? { moments } : {}),
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
