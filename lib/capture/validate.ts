// One check of a decoded capture before anything reads it: the shapes the
// reporters rely on (columns of equal length, indexes inside their tables, a
// tree whose parents precede their children, sizes finite and ≥ 0, strings that
// are strings, bounded nesting). A capture file is input: a damaged or hostile
// one must give one line naming the first problem, never a stack trace, a hang
// (a varint loop on Infinity) or "-9.09e+287 TiB".
// It runs before the format's own code sees the data, so it looks at JSON values
// only (arrays, plain objects): typed arrays never come out of JSON.parse.

/** Deeper nesting than any capture has (the deepest, a leak report's retainer steps, is ~6). */
export const MAX_CAPTURE_DEPTH = 64;

/** Why a capture is refused: `path` names the value (`profile.nodes.selfBytes[12]`). */
class Problem {
  constructor(readonly path: string, readonly what: string) {}
}

function fail(path: string, what: string): never {
  throw new Problem(path, what);
}

/** The first problem of a decoded capture as "path: what", or null when the capture can be reported. */
export function captureProblem(capture: unknown): string | null {
  try {
    checkNesting(capture);
    checkCapture(capture);
    return null;
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    return error.path ? `${error.path} ${error.what}` : error.what;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `a string`;
  return typeof v === 'object' ? 'an object' : typeof v;
}

/**
 * Every number finite (JSON's 1e309 parses as Infinity) and no deeper than
 * MAX_CAPTURE_DEPTH: iteratively, since a recursive walk of 200,000 levels is
 * the stack overflow this guards against.
 */
function checkNesting(root: unknown): void {
  if (!root || typeof root !== 'object') return;
  // Paths are made only for a problem (from each entry's parent and key): a
  // profile has hundreds of thousands of values, and this runs on every read.
  const stack: Nested[] = [{ value: root, parent: null, key: '', depth: 1 }];
  while (stack.length > 0) {
    const entry = stack.pop()!;
    if (entry.depth > MAX_CAPTURE_DEPTH) fail(shortened(pathOf(entry)), `nests deeper than ${MAX_CAPTURE_DEPTH} levels`);
    if (Array.isArray(entry.value)) {
      const values = entry.value as unknown[];
      for (let i = 0; i < values.length; i++) {
        const child = values[i];
        if (typeof child === 'number') {
          if (child - child !== 0) fail(childPath(pathOf(entry), i), `is ${child} (numbers must be finite)`); // NaN or ±Infinity
        } else if (child !== null && typeof child === 'object') {
          stack.push({ value: child, parent: entry, key: i, depth: entry.depth + 1 });
        }
      }
    } else {
      const values = entry.value as Record<string, unknown>;
      for (const key of Object.keys(values)) {
        const child = values[key];
        if (typeof child === 'number') {
          if (child - child !== 0) fail(childPath(pathOf(entry), key), `is ${child} (numbers must be finite)`);
        } else if (child !== null && typeof child === 'object') {
          stack.push({ value: child, parent: entry, key, depth: entry.depth + 1 });
        }
      }
    }
  }
}

interface Nested { value: object; parent: Nested | null; key: string | number; depth: number }

function pathOf(entry: Nested): string {
  return entry.parent ? childPath(pathOf(entry.parent), entry.key) : '';
}

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
  return path ? `${path}.${name}` : name;
}

/** A path of 64 levels is no help: its first few, then "…". */
function shortened(path: string): string {
  const parts = path.match(/(^|\.)[^.[]+|\[\d+\]/g) ?? [path];
  return parts.length <= 4 ? path : `${parts.slice(0, 4).join('')}…`;
}

// ---- shapes ----

type Obj = Record<string, unknown>;

function object(v: unknown, path: string): Obj {
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail(path, `must be an object, got ${describe(v)}`);
  return v as Obj;
}

function array(v: unknown, path: string, length?: number, lengthOf?: string): unknown[] {
  if (!Array.isArray(v)) fail(path, `must be an array, got ${describe(v)}`);
  if (length !== undefined && v.length !== length) fail(path, `has ${v.length} entries, ${lengthOf} has ${length}`);
  return v;
}

function string(v: unknown, path: string): string {
  if (typeof v !== 'string') fail(path, `must be a string, got ${describe(v)}`);
  return v;
}

/** A number ≥ min (−Infinity: any); integers only when asked. Finite already (checkNesting). */
function number(v: unknown, path: string, min = 0, integer = false): number {
  if (typeof v !== 'number') fail(path, `must be a number, got ${describe(v)}`);
  if (v < min) fail(path, `is ${v} (must be ≥ ${min})`);
  if (integer && !Number.isInteger(v)) fail(path, `is ${v} (must be an integer)`);
  return v;
}

function optional<T>(v: unknown, check: (v: unknown) => T): T | undefined {
  return v === undefined ? undefined : check(v);
}

/** A column of numbers ≥ min; integers in [min, below) for indexes. Loops in place: columns have millions of entries. */
function numbers(v: unknown, path: string, o: { length?: number; lengthOf?: string; min?: number; below?: number; integer?: boolean } = {}): number[] {
  const column = array(v, path, o.length, o.lengthOf) as number[];
  const min = o.min ?? 0;
  const below = o.below ?? Infinity;
  const integer = o.integer === true;
  for (let i = 0; i < column.length; i++) {
    const x = column[i];
    if (typeof x !== 'number' || !(x >= min) || !(x < below) || (integer && !Number.isInteger(x))) {
      const range = o.below === undefined ? `a number ≥ ${min}` : `an index in [${min}, ${o.below})`;
      fail(`${path}[${i}]`, `is ${describe(x)} (must be ${range})`);
    }
  }
  return column;
}

function strings(v: unknown, path: string, length?: number, lengthOf?: string): string[] {
  const column = array(v, path, length, lengthOf);
  for (let i = 0; i < column.length; i++) if (typeof column[i] !== 'string') fail(`${path}[${i}]`, `must be a string, got ${describe(column[i])}`);
  return column as string[];
}

// ---- the capture ----

function checkCapture(v: unknown): void {
  const c = object(v, '');
  checkMeta(object(c.meta, 'meta'));
  if (c.profile !== null) checkProfile(c.profile, 'profile');
  if (c.nativeProfile !== undefined && c.nativeProfile !== null) checkProfile(c.nativeProfile, 'nativeProfile');
  optional(c.nativePeakProfile, (p) => checkProfile(p, 'nativePeakProfile'));
  optional(c.memoryOverTime, (m) => checkMemoryOverTime(m, 'memoryOverTime'));
  checkGc(object(c.gc, 'gc'));
  checkTimeline(object(c.timeline, 'timeline'));
  checkSizes(object(c.heap, 'heap'), 'heap');
  array(c.spaces, 'spaces').forEach((s, i) => {
    const space = checkSizes(object(s, `spaces[${i}]`), `spaces[${i}]`);
    string(space.name, `spaces[${i}].name`);
  });
  if (c.malloc !== null) object(c.malloc, 'malloc');
  if (c.fragmentation !== null) object(c.fragmentation, 'fragmentation');
  array(c.pools, 'pools');
  optional(c.leaks, (l) => checkLeaks(object(l, 'leaks')));
}

function checkMeta(m: Obj): void {
  for (const key of ['node', 'v8', 'platform', 'arch', 'cwd', 'reason'] as const) string(m[key], `meta.${key}`);
  strings(m.argv, 'meta.argv');
  number(m.pid, 'meta.pid');
  number(m.startTimeMs, 'meta.startTimeMs');
  number(m.endTimeMs, 'meta.endTimeMs');
  optional(m.heapLimitBytes, (x) => number(x, 'meta.heapLimitBytes'));
  optional(m.initialHeapLimitBytes, (x) => number(x, 'meta.initialHeapLimitBytes'));
  object(m.options, 'meta.options');
}

/** Strings, frames and the tree's parent/frame columns: what a profile and memoryOverTime share. Returns the node count. */
function checkTree(p: Obj, path: string): number {
  const table = strings(p.strings, `${path}.strings`);
  const frames = object(p.frames, `${path}.frames`);
  const name = array(frames.name, `${path}.frames.name`);
  const frameCount = name.length;
  const same = { length: frameCount, lengthOf: `${path}.frames.name` };
  numbers(frames.name, `${path}.frames.name`, { below: table.length, integer: true });
  numbers(frames.script, `${path}.frames.script`, { ...same, below: table.length, integer: true });
  numbers(frames.line, `${path}.frames.line`, same);
  numbers(frames.column, `${path}.frames.column`, same);
  numbers(frames.scriptId, `${path}.frames.scriptId`, same);
  const nodes = object(p.nodes, `${path}.nodes`);
  const parent = array(nodes.parent, `${path}.nodes.parent`);
  // Node 0 is the root (parent −1); every other node's parent precedes it, so the tree has no cycle.
  for (let i = 0; i < parent.length; i++) {
    const x = parent[i];
    const ok = typeof x === 'number' && Number.isInteger(x) && (i === 0 ? x === -1 : x >= 0 && x < i);
    if (!ok) fail(`${path}.nodes.parent[${i}]`, `is ${describe(x)} (${i === 0 ? 'the root\'s parent must be -1' : `a parent must precede its child: an index in [0, ${i})`})`);
  }
  numbers(nodes.frame, `${path}.nodes.frame`, { length: parent.length, lengthOf: `${path}.nodes.parent`, below: frameCount, integer: true });
  return parent.length;
}

function checkProfile(v: unknown, path: string): void {
  const p = object(v, path);
  if (p.mode !== 'live' && p.mode !== 'allocated') fail(`${path}.mode`, `must be "live" or "allocated", got ${describe(p.mode)}`);
  for (const key of ['intervalBytes', 'stackDepth', 'startTimeMs', 'endTimeMs'] as const) number(p[key], `${path}.${key}`);
  numbers(p.threadIds, `${path}.threadIds`);
  const count = checkTree(p, path);
  const nodes = p.nodes as Obj;
  const same = { length: count, lengthOf: `${path}.nodes.parent` };
  numbers(nodes.selfBytes, `${path}.nodes.selfBytes`, same);
  numbers(nodes.selfCount, `${path}.nodes.selfCount`, same);
  if ((nodes.liveBytes === undefined) !== (nodes.liveCount === undefined)) fail(`${path}.nodes`, 'has one of liveBytes and liveCount without the other');
  optional(nodes.liveBytes, (x) => numbers(x, `${path}.nodes.liveBytes`, same));
  optional(nodes.liveCount, (x) => numbers(x, `${path}.nodes.liveCount`, same));
  checkOriginal(p, path);
}

/** Source-mapped positions, one per frame (or null), where a profile or memoryOverTime has them. */
function checkOriginal(p: Obj, path: string): void {
  optional(p.original, (x) => array(x, `${path}.original`, ((p.frames as Obj).name as unknown[]).length, `${path}.frames.name`)
    .forEach((o, i) => {
      if (o === null) return;
      const at = `${path}.original[${i}]`;
      const position = object(o, at);
      string(position.file, `${at}.file`);
      number(position.line, `${at}.line`);
      number(position.column, `${at}.column`);
      if (position.name !== null) string(position.name, `${at}.name`);
    }));
}

function checkMemoryOverTime(v: unknown, path: string): void {
  const m = object(v, path);
  const nodeCount = checkTree(m, path);
  checkOriginal(m, path);
  const moments = array(m.atMs, `${path}.atMs`).length;
  const perMoment = { length: moments, lengthOf: `${path}.atMs` };
  numbers(m.atMs, `${path}.atMs`);
  numbers(m.usedBytes, `${path}.usedBytes`, perMoment);
  numbers(m.major, `${path}.major`, perMoment);
  // Moment i's entries are [offset[i], offset[i + 1]): one more offset than moments, never decreasing, inside the entries.
  const node = array(m.node, `${path}.node`);
  const offset = numbers(m.offset, `${path}.offset`, { length: moments + 1, lengthOf: `${path}.atMs (plus one)`, integer: true });
  for (let i = 0; i < offset.length; i++) {
    if (offset[i]! < (i === 0 ? 0 : offset[i - 1]!) || offset[i]! > node.length) {
      fail(`${path}.offset[${i}]`, `is ${offset[i]} (offsets must not decrease and must stay within the ${node.length} entries)`);
    }
  }
  numbers(m.node, `${path}.node`, { below: nodeCount, integer: true });
  const perEntry = { length: node.length, lengthOf: `${path}.node` };
  numbers(m.bytes, `${path}.bytes`, perEntry);
  numbers(m.count, `${path}.count`, perEntry);
  const peak = number(m.peakIndex, `${path}.peakIndex`, -1, true);
  if (peak >= moments) fail(`${path}.peakIndex`, `is ${peak} (must be −1 or a moment index below ${moments})`);
  object(m.figures, `${path}.figures`);
  for (const key of ['startTimeMs', 'intervalBytes', 'stackDepth'] as const) number(m[key], `${path}.${key}`);
  numbers(m.threadIds, `${path}.threadIds`);
  const sites = object(m.sites, `${path}.sites`);
  const keys = strings(sites.keys, `${path}.sites.keys`);
  strings(sites.labels, `${path}.sites.labels`, keys.length, `${path}.sites.keys`);
  array(sites.bytes, `${path}.sites.bytes`, keys.length, `${path}.sites.keys`)
    .forEach((s, i) => numbers(s, `${path}.sites.bytes[${i}]`, perMoment));
  numbers(sites.otherBytes, `${path}.sites.otherBytes`, perMoment);
}

function checkGc(gc: Obj): void {
  array(gc.events, 'gc.events').forEach((e, i) => {
    const at = `gc.events[${i}]`;
    const event = object(e, at);
    string(event.type, `${at}.type`);
    string(event.startNs, `${at}.startNs`);
    for (const key of ['duration', 'pauseNs', 'timeMs', 'usedBeforeBytes', 'usedAfterBytes'] as const) number(event[key], `${at}.${key}`);
    object(event.spaces, `${at}.spaces`);
  });
  if (gc.summary !== null) object(gc.summary, 'gc.summary');
}

function checkTimeline(t: Obj): void {
  number(t.periodMs, 'timeline.periodMs');
  const samples = numbers(t.timeMs, 'timeline.timeMs').length;
  for (const key of ['heapUsedBytes', 'heapCommittedBytes', 'externalBytes', 'rssBytes'] as const) {
    numbers(t[key], `timeline.${key}`, { length: samples, lengthOf: 'timeline.timeMs' });
  }
  optional(t.rss, (r) => {
    const rss = object(r, 'timeline.rss');
    const n = numbers(rss.timeMs, 'timeline.rss.timeMs').length;
    numbers(rss.bytes, 'timeline.rss.bytes', { length: n, lengthOf: 'timeline.rss.timeMs' });
  });
}

/** Heap and space figures: every number in them is a size or a count. */
function checkSizes(o: Obj, path: string): Obj {
  for (const [key, x] of Object.entries(o)) if (typeof x === 'number') number(x, `${path}.${key}`);
  return o;
}

function checkLeaks(l: Obj): void {
  numbers(l.heapUsedBytes, 'leaks.heapUsedBytes');
  numbers(l.sampledLiveBytes, 'leaks.sampledLiveBytes');
  for (const key of ['suspects', 'others'] as const) {
    array(l[key], `leaks.${key}`).forEach((s, i) => {
      const at = `leaks.${key}[${i}]`;
      const site = object(s, at);
      string(site.site, `${at}.site`);
      numbers(site.liveBytes, `${at}.liveBytes`);
      array(site.stack, `${at}.stack`);
    });
  }
}
