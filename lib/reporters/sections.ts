// The content of the text and markdown reports, as blocks: one function per section.
import { momentProfileData } from '../sampler/moments';
import type { Capture } from '../capture/capture';
import type { FragmentationReport } from '../runtime/fragmentation';
import type { GcSummary } from '../runtime/gc';
import type { HeapStats } from '../runtime/heap';
import { bytes, ms, percent } from '../core/format';
import type { MallocStats } from '../runtime/malloc';
import type { NodeBufferPoolInfo, PoolStats } from '../pools';
import { Profile, type GroupBy } from '../profile/profile';
import { liveFiguresNote, topTableColumns } from '../profile/top-text';
import type { Block } from './document';
import { leakBlocks } from './leaks-sections';
import type { ReportOptions } from './reporter';

const count = (n: number) => Math.round(n).toLocaleString('en-US');

export function headerBlocks(c: Capture): Block[] {
  const m = c.meta;
  const seconds = (m.endTimeMs - m.startTimeMs) / 1000;
  return [
    { kind: 'heading', text: `allocscope report · ${m.argv.join(' ')}` },
    { kind: 'line', text: `node ${m.node} (V8 ${m.v8}) · pid ${m.pid} · ${new Date(m.startTimeMs).toISOString()} · ${seconds.toFixed(2)} s · captured at ${m.reason}${m.exitCode !== undefined && m.exitCode !== null ? ` (exit code ${m.exitCode})` : ''}${m.heapLimitBytes ? ` (heap limit ${bytes(m.heapLimitBytes)})` : ''}` },
  ];
}

function topBlocks(profile: Profile, by: GroupBy, n: number): Block[] {
  const totals = profile.totals();
  const d = profile.data;
  const rows = profile.top(n, { by });
  const what = d.mode === 'live' ? 'live (in use)' : 'allocated';
  const native = d.source === 'native';
  const when = d.moment ? `, ${d.moment.isPeak ? 'at the peak, ' : 'at '}${seconds(d.moment.at)} in` : '';
  const title = native
    ? `Native memory by ${by === 'site' ? 'site' : by} (${what}: malloc & co., every thread)`
    : `Top ${by === 'site' ? 'allocation sites' : `allocations by ${by}`} (${what}${when})`;
  const blocks: Block[] = [
    { kind: 'heading', text: title },
    ...(d.moment ? [{ kind: 'line', text: `${bytes(d.moment.usedBytes)} heap used after the GC that called for this moment` } as Block] : []),
    { kind: 'line', text: `${bytes(totals.bytes)} in ${count(totals.objects)} ${native ? 'blocks' : 'objects'}, estimated from ~${count(totals.bytes / d.intervalBytes)} samples at a ${bytes(d.intervalBytes)} interval` },
  ];
  const note = liveFiguresNote(profile);
  if (note) blocks.push({ kind: 'line', text: note });
  if (rows.length === 0) {
    // Live and empty is an answer (everything was freed by then), not a sampling problem.
    const empty = d.mode === 'live' && !native
      ? 'Nothing sampled was alive then: what the program allocated had been freed (report --at peak shows its peak, when the run recorded one).'
      : 'No allocation was sampled: record with a smaller interval.';
    return [...blocks, { kind: 'line', text: empty }];
  }
  blocks.push({ kind: 'table', ...topTableColumns(rows, by, profile.hasLiveFigures) });
  return blocks;
}

export function heapBlocks(h: HeapStats): Block[] {
  return [
    { kind: 'heading', text: 'V8 heap' },
    { kind: 'line', text: `used ${bytes(h.usedHeapSizeBytes)} of ${bytes(h.totalHeapSizeBytes)} committed (${bytes(h.totalPhysicalSizeBytes)} physical), limit ${bytes(h.heapSizeLimitBytes)}` },
    { kind: 'line', text: `external ${bytes(h.externalMemoryBytes)} · V8 malloc ${bytes(h.mallocedMemoryBytes)} (peak ${bytes(h.peakMallocedMemoryBytes)}) · contexts ${h.numberOfNativeContexts} (${h.numberOfDetachedContexts} detached)` },
  ];
}

export function spaceBlocks(f: FragmentationReport): Block[] {
  const rows = f.v8.spaces.filter((x) => x.committedBytes > 0 || x.usedBytes > 0).map((x) => [
    x.name, bytes(x.usedBytes), bytes(x.committedBytes), bytes(x.availableBytes), bytes(x.physicalBytes), percent(x.fragmentation),
  ]);
  const t = f.v8.total;
  rows.push(['total', bytes(t.usedBytes), bytes(t.committedBytes), bytes(t.availableBytes), bytes(t.physicalBytes), percent(t.fragmentation)]);
  return [{ kind: 'heading', text: 'Heap spaces' }, { kind: 'table', header: ['space', 'used', 'committed', 'available', 'physical', 'unused'], rows }];
}

export function gcBlocks(g: GcSummary | null): Block[] {
  if (!g || g.count === 0) return [];
  return [
    { kind: 'heading', text: `Garbage collection · ${g.count} GCs in ${ms(g.elapsedMs)} · ${percent(g.gcTimeShare)} of wall time paused` },
    {
      kind: 'table',
      header: ['type', 'count', 'total', 'mean', 'p50', 'p90', 'p99', 'max', 'freed'],
      rows: Object.entries(g.byType).map(([type, x]) => [type, String(x!.count), ms(x!.totalMs), ms(x!.meanMs), ms(x!.p50Ms), ms(x!.p90Ms), ms(x!.p99Ms), ms(x!.maxMs), bytes(x!.freedBytes)]),
    },
    { kind: 'line', text: `promoted ${bytes(g.promotedBytes)} (${percent(g.promotionRatio)} of young-generation bytes, ${bytes(g.promotedBytesPerSecond)}/s)${g.droppedEvents > 0 ? ` · ${g.droppedEvents} events dropped from the buffer` : ''}` },
  ];
}

/**
 * @param native a live native profile of the same moment (run --native --mode live):
 * how much of the C allocator's figure it attributes to sites.
 */
export function allocatorBlocks(f: FragmentationReport, m: MallocStats | null, native?: Profile): Block[] {
  const blocks: Block[] = [{ kind: 'heading', text: `C allocator (${m?.allocator ?? 'unknown'})` }];
  if (f.jemalloc) {
    const j = f.jemalloc;
    blocks.push({ kind: 'line', text: `allocated ${bytes(j.allocatedBytes)} · active ${bytes(j.activeBytes)} · resident ${bytes(j.residentBytes)} · fragmentation ${percent(j.fragmentation)} · resident/active ${j.residentToActive.toFixed(2)}` });
  } else if (f.glibc) {
    const c = f.glibc;
    blocks.push({ kind: 'line', text: `arena ${bytes(c.arenaBytes)} · in use ${bytes(c.inUseBytes)} · free ${bytes(c.freeBytes)} (fragmentation ${percent(c.fragmentation)}) · mmapped ${bytes(c.mmappedBytes)} · top pad ${bytes(c.topPadBytes)}` });
  } else {
    blocks.push({ kind: 'line', text: 'no statistics for this allocator' });
  }
  const inUse = f.jemalloc?.allocatedBytes ?? f.glibc?.inUseBytes;
  const live = native && native.mode === 'live' ? liveNativeBytes(native) : null;
  if (live && inUse) {
    blocks.push({
      kind: 'line',
      // Estimates of blocks malloc & co. handed out and not freed, by stack: "Native memory by site".
      text: `by site (the malloc profiler, live): ${bytes(live.malloc)} of the ${bytes(inUse)} in use (${percent(Math.min(1, live.malloc / inUse))}) · see Native memory by site`,
    });
  }
  const p = f.process;
  blocks.push({ kind: 'heading', text: 'Process' }, {
    kind: 'line',
    text: `RSS ${bytes(p.rssBytes)} = V8 heap ${bytes(p.v8PhysicalBytes)} + C allocator ${bytes(p.mallocFootprintBytes)} + unattributed ${bytes(p.unattributedBytes)} (${percent(p.unattributedShare)})`,
  });
  if (live && live.mmap > 0) {
    // Anonymous mappings made outside malloc are not in the C allocator's figures: they are part of "unattributed".
    blocks.push({ kind: 'line', text: `of the unattributed: anonymous mmap by site (the malloc profiler, live) ~${bytes(Math.min(live.mmap, p.unattributedBytes))}` });
  }
  return blocks;
}

/** A live native profile's bytes by allocator: malloc & co., and anonymous mmap made outside malloc. */
function liveNativeBytes(native: Profile): { malloc: number; mmap: number } {
  const { nodes, frames, strings } = native.data;
  let malloc = 0, mmap = 0;
  for (let i = 1; i < nodes.parent.length; i++) {
    const b = nodes.selfBytes[i]!;
    if (!b) continue;
    const leaf = strings[frames.name[nodes.frame[i]!]!];
    if (leaf === '[native] mmap' || leaf === '[native] mremap') mmap += b;
    else malloc += b;
  }
  return { malloc, mmap };
}

export function poolBlocks(pools: unknown[]): Block[] {
  const stats = pools.filter((p): p is PoolStats => typeof p === 'object' && p !== null && 'recommendation' in p);
  const engine = pools.filter((p): p is NodeBufferPoolInfo => typeof p === 'object' && p !== null && (p as { kind?: string }).kind === 'engine');
  if (stats.length === 0 && engine.length === 0) return [];
  const blocks: Block[] = [{ kind: 'heading', text: 'Pools' }];
  if (stats.length > 0) {
    const share = stats[0]!.recommendation.share;
    blocks.push({
      kind: 'table',
      header: ['pool', 'kind', 'acquires', 'hit rate', 'in use', 'high water', 'capacity', `recommended (${percent(share)})`, 'its miss rate', 'its idle'],
      rows: stats.map((p) => {
        const buffer = p.kind === 'buffer';
        const capacity = p.capacity === null ? '–' : buffer ? bytes(p.capacity) : count(p.capacity);
        const recommended = buffer ? bytes(p.recommendedBytes) : count(p.recommendation.capacity);
        const idle = p.recommendation.idleBytesMean === null ? `${p.recommendation.idleObjectsMean.toFixed(1)} objects` : bytes(p.recommendation.idleBytesMean);
        return [p.name, buffer ? `buffer (${p.mode})` : p.kind, count(p.acquires), p.hitRate === null ? '–' : percent(p.hitRate), count(p.inUse),
          count(p.inUseHighWater), capacity, recommended, percent(p.recommendation.missRate), idle];
      }),
    });
  }
  for (const p of stats) {
    if (p.kind !== 'buffer' || p.classes.length === 0) continue;
    blocks.push({ kind: 'line', text: `${p.name}: size classes · slabs ${bytes(p.slabBytesTotal)}${p.tooBig ? ` · ${p.tooBig} requests too big` : ''}${p.overCap ? ` · ${p.overCap} over the cap` : ''}${p.writesAfterRelease ? ` · ${p.writesAfterRelease} WRITES AFTER RELEASE` : ''}` });
    blocks.push({
      kind: 'table',
      header: ['class', 'slabs', 'in use', 'free', 'peak', 'internal frag.', 'free in partial slabs', 'allocs', 'hits', 'misses', 'GC reclaimed', 'recommended'],
      rows: p.classes.map((c) => [bytes(c.blockBytes), count(c.slabs), count(c.blocksInUse), count(c.blocksFree), count(c.peakInUse),
        percent(c.internalFragmentation), bytes(c.freeBytesInPartialSlabs), count(c.allocs), count(c.hits), count(c.misses), count(c.gcReclaimed),
        `${count(c.recommendation.capacity)} blocks`]),
    });
  }
  for (const e of engine) {
    blocks.push({ kind: 'line', text: `engine: Node's Buffer pool (${e.name}): ${bytes(e.slabBytes)} slabs, requests up to ${bytes(e.maxPooledRequestBytes)} are carved from them; V8's paged spaces: see Heap spaces` });
  }
  return blocks;
}

/** "12.34 s" from milliseconds. */
function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/**
 * Column headings for sites: "name (file.js:line:col)" without the directories, so the
 * table fits a terminal (the full labels are in the table of the peak above it). Full
 * labels when two would read the same.
 */
function siteHeadings(labels: string[]): string[] {
  const short = labels.map((l) => l.replace(/ \((?:[^()]*[/\\])?([^/\\()]+)\)$/, ' ($1)'));
  return new Set(short).size === short.length ? short : labels;
}

/**
 * The live heap at the peak (when the report shows another moment, or the end), and
 * the top sites over time at up to 12 moments (evenly spread, the peak's among them).
 */
function overTimeBlocks(c: Capture, o: ReportOptions): Block[] {
  const m = c.memoryOverTime;
  if (!m || m.atMs.length === 0) return [];
  const blocks: Block[] = [];
  if (!c.profile?.moment?.isPeak && m.peakIndex >= 0) blocks.push(...topBlocks(new Profile(momentProfileData(m, m.peakIndex)), o.by, Math.min(o.top, 10)));
  const n = m.atMs.length;
  const picks = new Set<number>([m.peakIndex, n - 1]);
  for (let k = 0; k < 12 && picks.size < 12; k++) picks.add(Math.round((k * (n - 1)) / 11));
  const rows = [...picks].filter((i) => i >= 0).sort((a, b) => a - b);
  const shown = Math.min(3, m.sites.keys.length);
  blocks.push({ kind: 'heading', text: 'Live heap over time (top sites at moments after GCs)' });
  blocks.push({
    kind: 'table',
    header: ['time', 'heap used', ...siteHeadings(m.sites.labels.slice(0, shown)), 'other sites'],
    rows: rows.map((i) => [`${seconds(m.atMs[i]!)}${i === m.peakIndex ? ' (peak)' : ''}`, bytes(m.usedBytes[i]!),
      ...m.sites.bytes.slice(0, shown).map((b) => bytes(b[i]!)),
      bytes(m.sites.otherBytes[i]! + m.sites.bytes.slice(shown).reduce((sum, b) => sum + b[i]!, 0))]),
  });
  return blocks;
}

/** The whole report of a capture. */
export function captureBlocks(c: Capture, o: ReportOptions): Block[] {
  return [
    ...headerBlocks(c),
    ...(c.leaks ? leakBlocks(c.leaks) : []),
    ...(c.profile ? topBlocks(new Profile(c.profile), o.by, o.top) : c.leaks ? [] : [{ kind: 'line', text: 'No allocation profile in this capture.' } as Block]),
    ...overTimeBlocks(c, o),
    ...(c.nativeProfile ? topBlocks(new Profile(c.nativeProfile), o.by, o.top) : []),
    ...gcBlocks(c.gc.summary),
    ...heapBlocks(c.heap),
    ...(c.fragmentation ? [...spaceBlocks(c.fragmentation), ...allocatorBlocks(c.fragmentation, c.malloc, c.nativeProfile ? new Profile(c.nativeProfile) : undefined)] : []),
    ...poolBlocks(c.pools),
  ];
}
