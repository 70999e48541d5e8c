// The memory one call holds: peak and retained, above a collected start.
//   peak     = max over the call's GCs (used heap + external before each) and its end
//   retained = used heap + external after the call and a full GC
// each minus the same figure after a full GC before the call. Garbage not yet
// collected counts towards the peak: it is memory the process holds.
import { AllocscopeError } from '../core/errors';
import { ownFileGlobs } from '../core/own-files';
import { openGcWindow, withGcTracker } from '../bench/gc-window';
import { siteLabel } from '../bench/attribution';
import { isThenable, type Operation } from '../bench/operation';
import { gc } from '../runtime/gc';
import { heap } from '../runtime/heap';
import { spaces } from '../runtime/spaces';
import * as profiler from '../sampler/heap-profiler';
import { SAMPLER_DEFAULTS } from '../sampler/options';
import { collectGarbage } from '../runtime/isolate';
import type { Profile } from '../profile/profile';

export interface MemoryFigures {
  peakBytes: number;
  retainedBytes: number;
  /** GCs during the call. */
  gcs: number;
  /** The three sites that allocated the most during the call (sampled every 1 KiB on average). */
  topSites: { label: string; bytes: number }[];
}

/** Mean bytes between samples: small enough to name the sites of small calls. */
const SAMPLE_BYTES = 1024;

/**
 * A full GC, then one turn of the event loop: right after a GC, V8's first
 * allocations jump the used-heap figure by up to ~250 KiB (measured); after the
 * turn its readings are steady to ~1 KiB.
 */
async function collected(): Promise<void> {
  collectGarbage();
  await new Promise((resolve) => setImmediate(resolve));
}

// Code spaces are left out: compiled code (ours included: the harness itself gets
// optimized while tests run) is not memory the tested call holds.
const CODE_SPACES = new Set(['code_space', 'code_large_object_space']);
const held = () => {
  let used = 0;
  for (const s of spaces.stats()) if (!CODE_SPACES.has(s.name)) used += s.usedBytes;
  return used + heap.stats().externalMemoryBytes;
};

export async function measureMemory(fn: Operation, warmup: number): Promise<MemoryFigures> {
  for (let i = 0; i < warmup; i++) {
    const r = fn();
    if (isThenable(r)) await r;
  }
  return withGcTracker(async () => {
    try {
      profiler.start({ intervalBytes: SAMPLE_BYTES, mode: 'allocated', stackDepth: SAMPLER_DEFAULTS.stackDepth, foldIntervalMs: 1000 });
    } catch (error) {
      throw new AllocscopeError('ERR_ALLOCSCOPE_SAMPLER_BUSY', `limitMemory(): ${(error as Error).message.replace(/^allocscope: /, '')}`);
    }
    let peak = 0;
    let base = 0;
    let profile: Profile | undefined;
    let window;
    try {
      // Everything of ours is set up before the baseline: only the call lies between.
      await collected();
      window = openGcWindow();
      const cursor = gc.eventsSince(Number.MAX_SAFE_INTEGER).nextSeq;
      base = held();
      // A sync call runs with no await around it: nothing else runs inside the window.
      const r = fn();
      if (isThenable(r)) await r;
      peak = held();
      const { events } = gc.eventsSince(cursor);
      for (const e of events) if (e.depth === 0) peak = Math.max(peak, e.usedBeforeBytes + e.externalBeforeBytes);
      profile = profiler.profile({ sourceMaps: false });
    } finally {
      profiler.stop();
    }
    const gcs = window!.close().count;
    await collected();
    const retained = held();
    // Sites after `retained`: source maps are parsed and cached on the JS heap.
    const topSites = profiler.withSourceMaps(profile!).filter({ exclude: ownFileGlobs() }).top(3, { by: 'site' }).map((r) => ({ label: siteLabel(r.label), bytes: r.bytes }));
    return { peakBytes: Math.max(0, peak - base), retainedBytes: Math.max(0, retained - base), gcs, topSites };
  });
}

// Allocations whose allocating frame is ours (this harness), not the tested code's.
