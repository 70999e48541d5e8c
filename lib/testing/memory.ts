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
import type { GcEvent } from '../runtime/gc-types';

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

// Code spaces are left out: compiled code (ours included: the harness itself gets
// optimized while tests run) is not memory the tested call holds.
const CODE_SPACES = new Set(['code_space', 'code_large_object_space']);
const held = () => {
  let used = 0;
  for (const s of spaces.stats()) if (!CODE_SPACES.has(s.name)) used += s.usedBytes;
  return used + heap.stats().externalMemoryBytes;
};

const heldBy = (e: GcEvent, when: 'usedBeforeBytes' | 'usedAfterBytes') => {
  let used = 0;
  for (const [name, s] of Object.entries(e.spaces)) if (!CODE_SPACES.has(name)) used += s[when];
  return used;
};

/**
 * A full GC, then one turn of the event loop. The heap's figure is its
 * epilogue's: a reading taken later moves by whole allocation buffers (V8 counts
 * a buffer handed out as used), so readings taken back to back after a GC differ
 * by up to ~400 KiB (measured on Node 24 and 26: an 8 MB retained array read
 * 7.58–7.94 MB that way, 8.01–8.04 MB from the epilogues). No buffer is out when
 * a GC ends. `gcExternalOffset` turns the external figure GC events carry (V8's
 * external counter) into heap statistics' (which adds ~1.8 MiB of its own on
 * Node 24; both move alike with Buffers).
 */
async function collected(): Promise<{ held: number; gcExternalOffset: number }> {
  const cursor = gc.eventsSince(Number.MAX_SAFE_INTEGER).nextSeq;
  collectGarbage();
  const external = heap.stats().externalMemoryBytes;
  let last: GcEvent | undefined;
  for (const e of gc.eventsSince(cursor).events) if (e.depth === 0) last = e;
  const figures = last === undefined
    ? { held: held(), gcExternalOffset: 0 } // the event was dropped: the later reading will do
    : { held: heldBy(last, 'usedAfterBytes') + external, gcExternalOffset: external - last.externalAfterBytes };
  await new Promise((resolve) => setImmediate(resolve));
  return figures;
}

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
    let peak: number;
    let retained: number;
    let gcs: number;
    let profile: Profile;
    try {
      // Everything of ours is set up before the baselines: only the call lies between.
      const start = await collected();
      const window = openGcWindow();
      const cursor = gc.eventsSince(Number.MAX_SAFE_INTEGER).nextSeq;
      // The peak's baseline is a reading like its own: what our set-up allocated
      // since the GC is held before the call as during it.
      const before = held();
      // A sync call runs with no await around it: nothing else runs inside the window.
      const r = fn();
      if (isThenable(r)) await r;
      peak = held();
      for (const e of gc.eventsSince(cursor).events) {
        if (e.depth === 0) peak = Math.max(peak, heldBy(e, 'usedBeforeBytes') + e.externalBeforeBytes + start.gcExternalOffset);
      }
      peak -= before;
      gcs = window.close().count;
      retained = (await collected()).held - start.held;
      // The profile after the reading, so it is not part of what the call retained.
      // Our own allocations since the call are filtered out of its sites below.
      profile = profiler.profile({ sourceMaps: false });
    } finally {
      profiler.stop();
    }
    // Sites after `retained`: source maps are parsed and cached on the JS heap.
    const topSites = profiler.withSourceMaps(profile).filter({ exclude: ownFileGlobs() }).top(3, { by: 'site' }).map((r) => ({ label: siteLabel(r.label), bytes: r.bytes }));
    return { peakBytes: Math.max(0, peak), retainedBytes: Math.max(0, retained), gcs, topSites };
  });
}

// Allocations whose allocating frame is ours (this harness), not the tested code's.
