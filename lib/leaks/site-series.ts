// Live bytes per allocation site across a run's points (one live profile per
// point), and for the first and last measured points, per call stack.
import type { Profile } from '../profile/profile';
import type { FrameInfo } from '../profile/frames';
import type { LeakFrame } from './report';

interface SiteTrack {
  frame: FrameInfo;
  label: string;
  /** Live bytes per point; NaN until the site is first seen (filled with 0 at the end). */
  bytes: number[];
  objects: number;
}

/** The frames of a stack key, allocating frame first, cut where allocscope's own frames (the caller of the scenario) begin. */
function parseStackKey(key: string, isOwnFile: (file: string) => boolean): LeakFrame[] {
  const frames: LeakFrame[] = [];
  for (const part of key.split('\n')) {
    const [fn, file, line, column] = part.split('\0');
    if (frames.length > 0 && isOwnFile(file ?? '')) break;
    frames.push({ function: fn ?? '', file: file ?? '', line: Number(line), column: Number(column) });
  }
  return frames;
}

export class SiteSeries {
  readonly #sites = new Map<string, SiteTrack>();
  readonly #isOwnFile: (file: string) => boolean;
  #points = 0;
  #stacksFirst = new Map<string, number>();
  #stacksLast = new Map<string, number>();

  constructor(isOwnFile: (file: string) => boolean) {
    this.#isOwnFile = isOwnFile;
  }

  get points(): number { return this.#points; }

  /**
   * Adds the next point; returns its live bytes (allocscope's own excluded).
   * @param stacks 'first' or 'last' to keep per-stack bytes of this point (the measured run's ends).
   */
  add(profile: Profile, stacks?: 'first' | 'last'): number {
    const at = this.#points++;
    let total = 0;
    for (const row of profile.top(Infinity, { by: 'site' })) {
      if (this.#isOwnFile(row.frame!.file)) continue;
      total += row.bytes;
      let track = this.#sites.get(row.key);
      if (!track) {
        track = { frame: row.frame!, label: row.label, bytes: [], objects: 0 };
        this.#sites.set(row.key, track);
      }
      track.bytes[at] = row.bytes;
      track.objects = row.objects;
    }
    if (stacks) {
      const map = new Map<string, number>();
      for (const row of profile.top(Infinity, { by: 'stack' })) map.set(row.key, row.bytes);
      if (stacks === 'first') this.#stacksFirst = map; else this.#stacksLast = map;
    }
    return total;
  }

  /** Every site with its series (0 where absent) and the stack whose bytes grew the most between the kept ends. */
  sites(): Array<{ key: string; frame: FrameInfo; label: string; bytes: number[]; objects: number; stack: LeakFrame[] }> {
    const bestStack = new Map<string, { key: string; growth: number }>();
    for (const [key, last] of this.#stacksLast) {
      const site = key.slice(0, key.indexOf('\n') >>> 0);
      const growth = last - (this.#stacksFirst.get(key) ?? 0);
      const best = bestStack.get(site);
      if (!best || growth > best.growth) bestStack.set(site, { key, growth });
    }
    return [...this.#sites].map(([key, t]) => {
      const bytes = Array.from({ length: this.#points }, (_, i) => t.bytes[i] ?? 0);
      const stackKey = bestStack.get(key)?.key;
      const stack = stackKey ? parseStackKey(stackKey, this.#isOwnFile) : [{ function: t.frame.function, file: t.frame.file, line: t.frame.line, column: t.frame.column }];
      return { key, frame: t.frame, label: t.label, bytes, objects: t.objects, stack };
    });
  }
}
