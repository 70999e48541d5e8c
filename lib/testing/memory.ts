// The memory one call holds: peak and retained, above a collected start.
//   peak     = the most the heap held (used heap + external) as the call's GCs began
//              and at its end, minus what it held right before it
//   retained = what it held as a full GC after the call ended, minus the same for a
//              full GC before it
// Garbage not yet collected counts towards the peak: it is memory the process holds.
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

/** Used heap (code spaces left out) + external memory, as a GC event saw it before or after. */
function heldAt(e: GcEvent, when: 'before' | 'after'): number {
  let held = when === 'before' ? e.externalBeforeBytes : e.externalAfterBytes;
  for (const [name, s] of Object.entries(e.spaces)) if (!CODE_SPACES.has(name)) held += when === 'before' ? s.usedBeforeBytes : s.usedAfterBytes;
  return held;
}

/** The top-level GC events since `cursor`. */
function gcsSince(cursor: number): GcEvent[] {
  return gc.eventsSince(cursor).events.filter((e) => e.depth === 0);
}

const nextSeq = () => gc.eventsSince(Number.MAX_SAFE_INTEGER).nextSeq;

/** Used heap (code spaces left out) + external memory (heap statistics' figure), read now. */
function heldNow(): number {
  let held = heap.stats().externalMemoryBytes;
  for (const s of spaces.stats()) if (!CODE_SPACES.has(s.name)) held += s.usedBytes;
  return held;
}

/**
 * A full GC now: what the heap held as it ended, read in the GC. A reading taken
 * while the program runs moves by whole allocation buffers (V8 counts a buffer handed
 * out as used), so readings taken back to back differ by up to ~400 KiB (measured on
 * Node 24 and 26: an 8 MB retained array read 7.58–7.94 MB that way, 8.01–8.04 MB as
 * the GCs ended, when no buffer is out). Also what it held as it began, and the offset
 * that turns GC events' external figure (V8's external counter) into heap statistics'
 * (~1.8 MiB more on Node 24; the two move alike with Buffers).
 */
function fullGc(): { before: number; after: number; externalOffset: number } {
  const cursor = nextSeq();
  collectGarbage();
  const external = heap.stats().externalMemoryBytes;
  const events = gcsSince(cursor);
  if (events.length === 0) { // dropped by the tracker: a reading taken now will do
    const held = heldNow();
    return { before: held, after: held, externalOffset: 0 };
  }
  const last = events[events.length - 1]!;
  const externalOffset = external - last.externalAfterBytes;
  return { before: heldAt(events[0]!, 'before') + externalOffset, after: heldAt(last, 'after') + externalOffset, externalOffset };
}

export async function measureMemory(fn: Operation, warmup: number): Promise<MemoryFigures> {
  for (let i = 0; i < warmup; i++) {
    const r = fn();
    if (isThenable(r)) await r;
  }
  return withGcTracker(async () => {
    const start = fullGc();
    // One turn: what the GC leaves for later (finalizers, V8's first allocations
    // after it) happens before the call, not in it, and not in its profile.
    await new Promise((resolve) => setImmediate(resolve));
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
      const window = openGcWindow();
      const cursor = nextSeq();
      // The peak's baseline is a reading like its own: what our set-up allocated since
      // the GC is held before the call as during it.
      const before = heldNow();
      // A sync call runs with no await around it: nothing else runs inside the window.
      const r = fn();
      if (isThenable(r)) await r;
      const atEnd = heldNow();
      let highest = 0;
      for (const e of gcsSince(cursor)) highest = Math.max(highest, heldAt(e, 'before') + start.externalOffset);
      gcs = window.close().count;
      const end = fullGc();
      // The end of the call, read twice: right after it, and as the GC after it began.
      // Either can only read high (a buffer out, our few reads between): the lower one.
      peak = Math.max(highest, Math.min(atEnd, end.before)) - before;
      retained = end.after - start.after;
      // The profile after the readings, so it is not part of what the call retained; before
      // any turn of the event loop, so nothing else has run. Our own allocations since the
      // call are filtered out of its sites below.
      profile = profiler.profile({ sourceMaps: false });
    } finally {
      profiler.stop();
    }
    // Sites after the readings: source maps are parsed and cached on the JS heap.
    const topSites = profiler.withSourceMaps(profile).filter({ exclude: ownFileGlobs() }).top(3, { by: 'site' }).map((r) => ({ label: siteLabel(r.label), bytes: r.bytes }));
    return { peakBytes: Math.max(0, peak), retainedBytes: Math.max(0, retained), gcs, topSites };
  });
}

// Allocations whose allocating frame is ours (this harness), not the tested code's.
