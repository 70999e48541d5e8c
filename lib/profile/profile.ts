// An allocation profile: a call tree of sampled allocations with per-site
// estimates, top tables, filters, diffs and merges. Works on plain data only.
import type picomatchType = require('picomatch');
import { AllocscopeError, typeError } from '../core/errors';
import { resolveOptions } from '../core/options';
import { isOwnFile } from '../core/own-files';
import type { NodeColumns, ProfileData, ProfileMode, ProfileMoment } from './data';
import { frameInfo, frameLabel, packageOf, shortPath, type FrameInfo } from './frames';
import type { TopRow } from './top-row';

export type GroupBy = 'site' | 'function' | 'file' | 'package' | 'stack';
const GROUPS: readonly GroupBy[] = ['site', 'function', 'file', 'package', 'stack'];

/**
 * What a top table ranks by: 'allocated' (the profile's bytes: allocated in
 * allocated mode, in use in live mode), or, for profiles with live figures
 * (`profile.hasLiveFigures`), 'live' (still alive) or 'temporary' (allocated and
 * already collected).
 */
export type SortKey = 'allocated' | 'live' | 'temporary';
const SORT_KEYS: readonly SortKey[] = ['allocated', 'live', 'temporary'];

/**
 * Which frame of a stack a top table charges its bytes to: 'innermost', the
 * innermost JavaScript frame (Node's own node:… frames included); 'program', the
 * innermost frame of the program's own code (its files and its node_modules), so
 * that what Node's JavaScript and allocscope's own frames allocated is charged to
 * the program's function that called them. V8 builtins are counted at their JS
 * caller either way.
 */
export type AttributeTo = 'innermost' | 'program';
const ATTRIBUTE_TO: readonly AttributeTo[] = ['innermost', 'program'];

type HeapSampleType = 'alloc_objects' | 'alloc_space' | 'inuse_objects' | 'inuse_space';

export interface SampleType {
  /** Go's heap profile names; `native_…` for the malloc profiler's profiles. */
  type: HeapSampleType | `native_${HeapSampleType}`;
  unit: 'count' | 'bytes';
}

export type { TopRow } from './top-row';

export interface DiffRow {
  key: string;
  label: string;
  bytes: number;
  olderBytes: number;
  deltaBytes: number;
  objects: number;
  olderObjects: number;
  deltaObjects: number;
  /** Present when both profiles have live figures (`profile.hasLiveFigures`). */
  liveBytes?: number;
  olderLiveBytes?: number;
  deltaLiveBytes?: number;
  liveObjects?: number;
  olderLiveObjects?: number;
  deltaLiveObjects?: number;
}

/** Estimated totals of a profile; the live and temporary ones only with live figures. */
export interface ProfileTotals {
  bytes: number;
  objects: number;
  liveBytes?: number;
  liveObjects?: number;
  temporaryBytes?: number;
  temporaryObjects?: number;
}

interface Group { key: string; label: string; bytes: number; objects: number; liveBytes: number; liveObjects: number; frame?: FrameInfo }

export interface TopOptions {
  /** How to group allocations. Default 'site' (function + file + line + column). */
  by?: GroupBy;
}

export interface TopTableOptions extends TopOptions {
  /**
   * What to rank by. Default 'allocated' (the profile's bytes). 'live' and
   * 'temporary' need a profile with live figures (`profile.hasLiveFigures`:
   * allocated mode on Node ≥ 26); others refuse them (ERR_ALLOCSCOPE_UNSUPPORTED).
   */
  sort?: SortKey;
  /**
   * Which frame of a stack is its site (see AttributeTo). Default: V8 heap
   * profiles 'innermost'; native profiles charge Node's JavaScript to its caller
   * already (a stack with only Node's frames stays at the outermost of them).
   */
  attributeTo?: AttributeTo;
}

export interface FilterOptions {
  /** Keep only allocations whose allocating frame's file matches one of these globs. */
  include?: string | string[];
  /** Drop allocations whose allocating frame's file matches one of these globs. */
  exclude?: string | string[];
  /** Keep allocations made by Node's own JS (node:internal/…). Default true. */
  nodeInternals?: boolean;
  /** Keep allocations made by code under node_modules. Default true. */
  nodeModules?: boolean;
  /**
   * Match include/exclude against every frame of the stack, not only the
   * allocating one (tracemalloc's `all_frames`): `exclude` then drops whatever a
   * matching function allocated through its callees too. Default false.
   */
  allFrames?: boolean;
}

function globs(where: string, name: string, value: unknown): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((g) => typeof g === 'string' && g.length > 0)) {
    throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `${where} option "${name}" must be a glob or a non-empty array of globs, got ${JSON.stringify(value)}`);
  }
  return list as string[];
}

/** Code-unit order: deterministic, locale-free, and no ICU start-up on the first sort. */
const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class Profile {
  readonly data: ProfileData;
  #frames: FrameInfo[] = [];
  #groupOf = new Map<AttributeTo | 'default', Int32Array>(); // node → node whose frame the allocation is attributed to

  constructor(data: ProfileData) {
    this.data = data;
  }

  get mode(): ProfileMode { return this.data.mode; }
  /** For heap.peakProfile(): the used heap at the peak and when (ms since start). */
  get peak(): { usedBytes: number; at: number } | undefined {
    const m = this.data.moment;
    return m?.isPeak ? { usedBytes: m.usedBytes, at: m.at } : undefined;
  }
  /** A moment of the live heap (see ProfileData.moment); undefined for profiles collected on demand. */
  get moment(): ProfileMoment | undefined { return this.data.moment; }
  get nodeCount(): number { return this.data.nodes.parent.length; }

  /**
   * Whether the profile tells live from temporary allocations: an allocated-mode
   * profile recorded where V8 marks each sample live or collected (Node ≥ 26).
   */
  get hasLiveFigures(): boolean {
    return hasLiveColumns(this.data);
  }

  /** pprof sample types this profile carries (objects first, then bytes, for each figure). */
  get sampleTypes(): SampleType[] {
    // A native profile's types are its own (native_inuse_space, …): a backend that
    // stores both profiles of a process keeps them apart.
    const prefix = this.data.source === 'native' ? 'native_' : '';
    const type = (t: HeapSampleType, unit: SampleType['unit']): SampleType => ({ type: `${prefix}${t}` as SampleType['type'], unit });
    if (this.mode === 'live') return [type('inuse_objects', 'count'), type('inuse_space', 'bytes')];
    const allocated: SampleType[] = [type('alloc_objects', 'count'), type('alloc_space', 'bytes')];
    return this.hasLiveFigures ? [...allocated, type('inuse_objects', 'count'), type('inuse_space', 'bytes')] : allocated;
  }

  /** Estimated bytes and objects over the whole profile (and live/temporary ones with live figures). */
  totals(): ProfileTotals {
    const { selfBytes, selfCount, liveBytes: liveB, liveCount: liveC } = this.data.nodes;
    let bytes = 0, objects = 0;
    for (let i = 0; i < selfBytes.length; i++) { bytes += selfBytes[i]!; objects += selfCount[i]!; }
    if (!this.hasLiveFigures) return { bytes, objects };
    let liveBytes = 0, liveObjects = 0;
    for (let i = 0; i < selfBytes.length; i++) { liveBytes += liveB![i]!; liveObjects += liveC![i]!; }
    return { bytes, objects, liveBytes, liveObjects, temporaryBytes: Math.max(0, bytes - liveBytes), temporaryObjects: Math.max(0, objects - liveObjects) };
  }

  /** The frame of node `index`'s own function. */
  frame(frameIndex: number): FrameInfo {
    let f = this.#frames[frameIndex];
    if (!f) {
      const { strings, frames, original } = this.data;
      f = frameInfo(strings[frames.name[frameIndex]!]!, strings[frames.script[frameIndex]!]!, frames.line[frameIndex]!,
        frames.column[frameIndex]!, frames.scriptId[frameIndex]!, original?.[frameIndex]);
      this.#frames[frameIndex] = f;
    }
    return f;
  }

  /**
   * The top `n` groups by estimated bytes (tracemalloc's `statistics()`), or by
   * live or temporary bytes (`sort`) where the profile has live figures.
   * Allocations made inside V8 builtins (Array.prototype.push, …) are attributed
   * to the JS function that called the builtin.
   */
  top(n = 10, options?: TopTableOptions): TopRow[] {
    const { by, sort, attributeTo } = resolveOptions('profile.top()', options,
      { by: 'site' as GroupBy, sort: 'allocated' as SortKey, attributeTo: undefined as AttributeTo | undefined },
      { by: { kind: 'enum', values: GROUPS }, sort: { kind: 'enum', values: SORT_KEYS }, attributeTo: { kind: 'enum', values: ATTRIBUTE_TO } });
    if (!(n === Infinity || (Number.isInteger(n) && n >= 0))) {
      throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `profile.top() takes a row count (an integer ≥ 0 or Infinity), got ${JSON.stringify(n)}`);
    }
    const live = this.hasLiveFigures;
    if (sort !== 'allocated' && !live) {
      throw new AllocscopeError('ERR_ALLOCSCOPE_UNSUPPORTED', `profile.top() option "sort": "${sort}" needs live figures, which this profile does not have: ${this.mode === 'live'
        ? 'it is a live-mode profile, whose bytes are the live set already (sort "allocated")'
        : 'they come from allocated-mode profiles recorded on Node ≥ 26 (V8 14), see heap.capabilities()'}`);
    }
    const value = sort === 'live' ? (g: Group) => g.liveBytes : sort === 'temporary' ? (g: Group) => Math.max(0, g.bytes - g.liveBytes) : (g: Group) => g.bytes;
    const groups = this.#group(by, attributeTo);
    let total = 0;
    for (const g of groups.values()) total += value(g);
    const rows = [...groups.values()].sort((a, b) => value(b) - value(a) || byKey(a.key, b.key));
    let cumulative = 0;
    return rows.slice(0, n).map((g) => {
      cumulative += value(g);
      return {
        key: g.key, label: g.label, bytes: g.bytes, objects: g.objects,
        averageSize: g.objects > 0 ? g.bytes / g.objects : 0,
        share: total > 0 ? value(g) / total : 0,
        cumulativeShare: total > 0 ? cumulative / total : 0,
        ...(live ? {
          liveBytes: g.liveBytes, liveObjects: g.liveObjects,
          temporaryBytes: Math.max(0, g.bytes - g.liveBytes), temporaryObjects: Math.max(0, g.objects - g.liveObjects),
        } : {}),
        ...(g.frame ? { frame: g.frame } : {}),
      };
    });
  }

  /** Every allocation site, largest first (a flat profile). */
  sites(): TopRow[] {
    return this.top(Infinity, { by: 'site' });
  }

  /** A profile with only the allocations whose allocating frame passes the filters. */
  filter(options: FilterOptions): Profile {
    const o = resolveOptions('profile.filter()', options, { include: undefined, exclude: undefined, nodeInternals: true, nodeModules: true, allFrames: false } as FilterOptions,
      { include: { kind: 'any' }, exclude: { kind: 'any' }, nodeInternals: { kind: 'boolean' }, nodeModules: { kind: 'boolean' }, allFrames: { kind: 'boolean' } });
    const include = globs('profile.filter()', 'include', o.include);
    const exclude = globs('profile.filter()', 'exclude', o.exclude);
    const isIncluded = include.length ? globMatcher(include) : () => true;
    const isExcluded = exclude.length ? globMatcher(exclude) : () => false;
    const memo = new Map<number, { included: boolean; excluded: boolean; kept: boolean }>();
    const judge = (frameIndex: number) => {
      let v = memo.get(frameIndex);
      if (!v) {
        const file = this.frame(frameIndex).file;
        const kept = (o.nodeInternals || packageOf(file) !== '(node)') && (o.nodeModules || !/[\\/]node_modules[\\/]/.test(file));
        v = { included: isIncluded(file), excluded: isExcluded(file), kept };
        memo.set(frameIndex, v);
      }
      return v;
    };
    const groupOf = this.#attribution();
    const { nodes } = this.data;
    const n = nodes.parent.length;
    // With allFrames, a stack is included if any of its frames is, and excluded
    // if any is: propagate from parents (which precede their children).
    const stackIncluded = new Uint8Array(n);
    const stackExcluded = new Uint8Array(n);
    if (o.allFrames) {
      for (let i = 1; i < n; i++) {
        const p = nodes.parent[i]!;
        const v = judge(nodes.frame[i]!);
        stackIncluded[i] = (p > 0 && stackIncluded[p]) || v.included ? 1 : 0;
        stackExcluded[i] = (p > 0 && stackExcluded[p]) || v.excluded ? 1 : 0;
      }
    }
    const kept = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (nodes.selfBytes[i] === 0 && nodes.selfCount[i] === 0) continue;
      const v = judge(nodes.frame[groupOf[i]!]!);
      kept[i] = v.kept && (o.allFrames ? stackIncluded[i] === 1 && stackExcluded[i] === 0 : v.included && !v.excluded) ? 1 : 0;
    }
    return new Profile({ ...this.data, nodes: keepNodeValues(nodes, kept) });
  }

  /** Per-group growth from `older` to this profile, largest growth first (tracemalloc's `compare_to`). */
  diff(older: Profile, options?: TopOptions): DiffRow[] {
    if (!(older instanceof Profile)) throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', 'profile.diff() takes another Profile');
    const { by } = resolveOptions('profile.diff()', options, { by: 'site' as GroupBy }, { by: { kind: 'enum', values: GROUPS } });
    const now = this.#group(by);
    const before = older.#group(by);
    const live = this.hasLiveFigures && older.hasLiveFigures;
    const rows: DiffRow[] = [];
    for (const key of new Set([...now.keys(), ...before.keys()])) {
      const a = now.get(key);
      const b = before.get(key);
      const bytes = a?.bytes ?? 0, olderBytes = b?.bytes ?? 0, objects = a?.objects ?? 0, olderObjects = b?.objects ?? 0;
      const row: DiffRow = { key, label: (a ?? b)!.label, bytes, olderBytes, deltaBytes: bytes - olderBytes, objects, olderObjects, deltaObjects: objects - olderObjects };
      if (live) {
        const liveBytes = a?.liveBytes ?? 0, olderLiveBytes = b?.liveBytes ?? 0, liveObjects = a?.liveObjects ?? 0, olderLiveObjects = b?.liveObjects ?? 0;
        Object.assign(row, { liveBytes, olderLiveBytes, deltaLiveBytes: liveBytes - olderLiveBytes, liveObjects, olderLiveObjects, deltaLiveObjects: liveObjects - olderLiveObjects });
      }
      rows.push(row);
    }
    return rows.sort((x, y) => y.deltaBytes - x.deltaBytes || byKey(x.key, y.key));
  }

  /** Plain JSON-safe data (typed arrays become arrays). */
  toJSON(): ProfileData {
    const d = this.data;
    const arr = (a: ArrayLike<number>) => Array.from(a);
    return {
      ...d,
      frames: { name: arr(d.frames.name), script: arr(d.frames.script), line: arr(d.frames.line), column: arr(d.frames.column), scriptId: arr(d.frames.scriptId) },
      nodes: {
        parent: arr(d.nodes.parent), frame: arr(d.nodes.frame), selfBytes: arr(d.nodes.selfBytes), selfCount: arr(d.nodes.selfCount),
        ...(hasLiveColumns(d) ? { liveBytes: arr(d.nodes.liveBytes!), liveCount: arr(d.nodes.liveCount!) } : {}),
      },
    };
  }

  static fromJSON(data: ProfileData): Profile {
    return new Profile(data);
  }

  /**
   * Attribution: each node → the nearest node at or above it that is not a builtin
   * (for a native profile, nor Node's own JavaScript: a Buffer's memory is charged
   * to the program's function that asked for it, not to node:buffer). With
   * `attributeTo`, the rule it names (see AttributeTo).
   */
  #attribution(attributeTo?: AttributeTo): Int32Array {
    const cached = this.#groupOf.get(attributeTo ?? 'default');
    if (cached) return cached;
    const { parent, frame } = this.data.nodes;
    const native = this.data.source === 'native';
    const n = parent.length;
    const out = new Int32Array(n);
    if (attributeTo === undefined) {
      for (let i = 0; i < n; i++) {
        // Parents come before children (the addon appends children after parents).
        const p = parent[i]!;
        const f = this.frame(frame[i]!);
        out[i] = p > 0 && (f.builtin || (native && f.file.startsWith('node:'))) ? out[p]! : i;
      }
    } else {
      // innermost[i]: the nearest non-builtin node; program[i]: the nearest node of
      // the program's own code, or -1 when the stack has none (it then keeps innermost[i]).
      const innermost = new Int32Array(n), program = new Int32Array(n).fill(-1);
      const passes = new Map<number, boolean>();
      for (let i = 0; i < n; i++) {
        const p = parent[i]!;
        const f = this.frame(frame[i]!);
        innermost[i] = p > 0 && f.builtin ? innermost[p]! : i;
        if (attributeTo === 'program' && i > 0) {
          let notProgram = passes.get(frame[i]!);
          if (notProgram === undefined) {
            notProgram = f.builtin || f.file.startsWith('node:') || isOwnFile(f.file);
            passes.set(frame[i]!, notProgram);
          }
          program[i] = notProgram ? (p > 0 ? program[p]! : -1) : i;
        }
        out[i] = program[i]! >= 0 ? program[i]! : innermost[i]!;
      }
    }
    this.#groupOf.set(attributeTo ?? 'default', out);
    return out;
  }

  #group(by: GroupBy, attributeTo?: AttributeTo): Map<string, Group> {
    const { nodes } = this.data;
    const groupOf = this.#attribution(attributeTo);
    const groups = new Map<string, Group>();
    // Live columns, or zeros (read only when the profile has live figures).
    const liveB: ArrayLike<number> = nodes.liveBytes && nodes.liveCount ? nodes.liveBytes : new Float64Array(nodes.parent.length);
    const liveC: ArrayLike<number> = nodes.liveBytes && nodes.liveCount ? nodes.liveCount : liveB;
    const add = (key: string, label: string, bytes: number, objects: number, liveBytes: number, liveObjects: number, frame: FrameInfo | undefined) => {
      let g = groups.get(key);
      if (!g) { g = { key, label, bytes: 0, objects: 0, liveBytes: 0, liveObjects: 0, ...(frame ? { frame } : {}) }; groups.set(key, g); }
      g.bytes += bytes;
      g.objects += objects;
      g.liveBytes += liveBytes;
      g.liveObjects += liveObjects;
    };
    if (by === 'stack') {
      const stackKeys = new Map<number, { key: string; label: string }>();
      for (let i = 0; i < nodes.parent.length; i++) {
        const bytes = nodes.selfBytes[i]!, objects = nodes.selfCount[i]!;
        if (bytes === 0 && objects === 0) continue;
        const at = groupOf[i]!;
        const { key, label } = this.#stack(at, stackKeys);
        add(key, label, bytes, objects, liveB[i]!, liveC[i]!, this.frame(nodes.frame[at]!));
      }
      return groups;
    }
    // Every other grouping depends only on the attributed frame: sum per frame
    // first (numbers), then key the few distinct frames (strings).
    const frameCount = this.data.frames.name.length;
    const bytesPerFrame = new Float64Array(frameCount);
    const objectsPerFrame = new Float64Array(frameCount);
    const liveBytesPerFrame = new Float64Array(frameCount);
    const liveObjectsPerFrame = new Float64Array(frameCount);
    for (let i = 0; i < nodes.parent.length; i++) {
      const f = nodes.frame[groupOf[i]!]!;
      bytesPerFrame[f]! += nodes.selfBytes[i]!;
      objectsPerFrame[f]! += nodes.selfCount[i]!;
      liveBytesPerFrame[f]! += liveB[i]!;
      liveObjectsPerFrame[f]! += liveC[i]!;
    }
    for (let fi = 0; fi < frameCount; fi++) {
      const bytes = bytesPerFrame[fi]!, objects = objectsPerFrame[fi]!, lb = liveBytesPerFrame[fi]!, lo = liveObjectsPerFrame[fi]!;
      if (bytes === 0 && objects === 0) continue;
      const f = this.frame(fi);
      switch (by) {
        case 'site': add(`${f.function}\0${f.file}\0${f.line}\0${f.column}`, frameLabel(f), bytes, objects, lb, lo, f); break;
        case 'function': add(`${f.function}\0${f.file}`, frameLabel(f).replace(/:\d+:\d+\)$/, ')'), bytes, objects, lb, lo, f); break;
        case 'file': add(f.file, f.builtin ? '(native)' : shortPath(f.file), bytes, objects, lb, lo, undefined); break;
        case 'package': { const p = packageOf(f.file); add(p, p, bytes, objects, lb, lo, undefined); break; }
      }
    }
    return groups;
  }

  #stack(node: number, cache: Map<number, { key: string; label: string }>): { key: string; label: string } {
    const hit = cache.get(node);
    if (hit) return hit;
    const { parent, frame } = this.data.nodes;
    const labels: string[] = [];
    const keys: string[] = [];
    for (let n = node; n > 0; n = parent[n]!) {
      const f = this.frame(frame[n]!);
      if (f.builtin && n !== node) continue;
      keys.push(`${f.function}\0${f.file}\0${f.line}\0${f.column}`);
      labels.push(frameLabel(f));
    }
    const value = { key: keys.join('\n'), label: labels.length > 4 ? `${labels.slice(0, 4).join(' ← ')} ← … (${labels.length - 4} more)` : labels.join(' ← ') };
    cache.set(node, value);
    return value;
  }
}

/** Whether profile data carries live columns (both of them, one value per node). */
export function hasLiveColumns(data: ProfileData): boolean {
  const { liveBytes, liveCount, parent } = data.nodes;
  return data.mode === 'allocated' && liveBytes !== undefined && liveCount !== undefined &&
    liveBytes.length === parent.length && liveCount.length === parent.length;
}

/** The node columns with the self values (and live ones, where present) of nodes not kept set to 0. */
export function keepNodeValues(nodes: NodeColumns, kept: Uint8Array): NodeColumns {
  const masked = (column: ArrayLike<number>) => {
    const out = Float64Array.from(column);
    for (let i = 0; i < out.length; i++) if (!kept[i]) out[i] = 0;
    return out;
  };
  const out: NodeColumns = { ...nodes, selfBytes: masked(nodes.selfBytes), selfCount: masked(nodes.selfCount) };
  if (nodes.liveBytes && nodes.liveCount) { out.liveBytes = masked(nodes.liveBytes); out.liveCount = masked(nodes.liveCount); }
  return out;
}

/** picomatch, loaded on the first filter() with globs: `require('allocscope')` stays light for programs that never filter. */
function globMatcher(globs: string[]): (file: string) => boolean {
  const picomatch = require('picomatch') as typeof picomatchType;
  return picomatch(globs, { dot: true });
}
