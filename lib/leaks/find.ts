// leaks.find(): runs a scenario repeatedly, takes a live allocation profile
// after a full GC at each point, and reports the sites whose live bytes grow
// steadily; heap snapshots at the ends of the measured run give the growth of
// instance counts per constructor and the retainer chains of the top growers.
import { threadId } from 'node:worker_threads';
import { Progress } from '../core/progress';
import { AllocscopeError, typeError } from '../core/errors';
import { heap } from '../runtime/heap';
import { currentInlining, turnInliningOff, type InliningState } from '../sampler/inlining';
import { startResolved as startSampler } from '../sampler/heap-profiler';
import { MALLOC_MAX_DEPTH, SAMPLER_DEFAULTS, SAMPLER_SCHEMA } from '../sampler/options';
import { malloc } from '../runtime/malloc';
import { resolveOptions } from '../core/options';
import { shortPath } from '../profile/frames';
import { SourceMapResolver } from '../profile/source-maps';
import type { Profile } from '../profile/profile';
import { snapshot, type SnapshotAnalysis } from '../snapshot';
import { constructorGrowth, type ConstructorCounts } from './constructor-growth';
import { fitGrowth, samplingVarianceBytes, turnoverZ } from './growth-fit';
import { isOwnFile } from '../core/own-files';
import type { LeakFrame, LeakReport, LeakRetainer, LeakSite } from './report';
import { DEFAULT_SCENARIO_TIMEOUT_MS, ScenarioStuckError, settleWithin } from './scenario-deadline';
import { ScenarioError, type ScenarioPhase } from './scenario-error';
import { SiteSeries } from './site-series';

/** What leaks.find() runs: called once per iteration with the iteration's index (0-based). May return a promise. */
export type Scenario = (iteration: number) => unknown;

export interface LeakFindOptions {
  /** Times the scenario runs, warm-up included. At least 2. Default 20. */
  iterations?: number;
  /**
   * Iterations run before measuring, so that caches, JIT code and lazily built
   * state settle (a cache that fills up and then stays bounded is not a leak).
   * At most iterations − 2. Default min(5, ⌊iterations / 4⌋).
   */
  warmup?: number;
  /** Runs once before the first iteration (before sampling starts). May return a promise. */
  setup?: () => unknown;
  /** Runs once after the last iteration, also when the scenario threw. May return a promise. */
  teardown?: () => unknown;
  /** Mean bytes between samples of the sampling heap profiler. Smaller finds smaller leaks, costs more. Default 16384 (finer than the sampler's own default). */
  intervalBytes?: number;
  /** Frames kept per sample. Default 64. */
  stackDepth?: number;
  /** A suspect's one-sided p-value of "does not grow" must be below this. Default 0.01. */
  maxPValue?: number;
  /** A suspect's fit must explain at least this share of the variance (R²). Default 0.7. */
  minRSquared?: number;
  /** A suspect must grow in both halves of the measured run: min(half slopes) / slope at least this. Default 0.25. */
  minSteadiness?: number;
  /** No single step between two points may bring more than this share of a suspect's rise. Default 0.5 (checked from 4 measured iterations). */
  maxLargestStepShare?: number;
  /** A suspect must grow by at least this many bytes over the measured run. Default 4 × intervalBytes (a few samples' worth). */
  minGrowthBytes?: number;
  /** Take heap snapshots for per-constructor counts and retainer chains (slow on big heaps: seconds per 100 MB). Default true. */
  snapshots?: boolean;
  /** Retainer chains to find: for this many constructors with the most new instances. Default 3. */
  retainerPaths?: number;
  /** Non-suspect sites with the largest growth to include in the report, for context. Default 5. */
  otherSites?: number;
  /** Progress bar on stderr (drawn only when stderr is a TTY). Default false. */
  progress?: boolean;
  /**
   * Keep V8's inlining. By default find() turns it off for
   * the run (`--no-turbo-inlining --no-maglev-inlining`, process-wide, restored when it returns),
   * so that an inlined function's allocations are not charged to its caller. It
   * applies to code optimized during the run: call find() before the scenario runs
   * hot elsewhere in the process. Default false. See docs/leaks.md.
   */
  keepInlining?: boolean;
  /**
   * Also fit growth on native sites: the malloc profiler runs in live mode beside
   * the heap profiler (same interval), and native sites that grow are reported in
   * `nativeSuspects`/`nativeOthers` (Buffers' backing stores, an addon's memory).
   * It hooks every thread of the process (docs/native-memory.md). Default false.
   */
  native?: boolean;
  /**
   * Most ms one call of the scenario, setup or teardown may take to settle; past
   * it find() rejects with ERR_ALLOCSCOPE_SCENARIO_TIMEOUT. A promise still pending
   * when the event loop runs out of work rejects with ERR_ALLOCSCOPE_SCENARIO_UNSETTLED
   * at once. Default 60000.
   */
  timeoutMs?: number;
}

type Resolved = Required<Omit<LeakFindOptions, 'warmup' | 'setup' | 'teardown' | 'minGrowthBytes'>> & {
  warmup: number | undefined; setup: (() => unknown) | undefined; teardown: (() => unknown) | undefined; minGrowthBytes: number | undefined;
};

const DEFAULTS: Resolved = {
  iterations: 20, warmup: undefined, setup: undefined, teardown: undefined, intervalBytes: 16 * 1024, stackDepth: SAMPLER_DEFAULTS.stackDepth,
  maxPValue: 0.01, minRSquared: 0.7, minSteadiness: 0.25, maxLargestStepShare: 0.5, minGrowthBytes: undefined,
  snapshots: true, retainerPaths: 3, otherSites: 5, progress: false, keepInlining: false, native: false, timeoutMs: DEFAULT_SCENARIO_TIMEOUT_MS,
};
const SCHEMA = {
  iterations: { kind: 'integer', min: 2, max: 1_000_000 },
  warmup: { kind: 'integer', min: 0, max: 1_000_000 },
  setup: { kind: 'any' },
  teardown: { kind: 'any' },
  intervalBytes: SAMPLER_SCHEMA.intervalBytes,
  stackDepth: SAMPLER_SCHEMA.stackDepth,
  maxPValue: { kind: 'number', min: 0, max: 1 },
  minRSquared: { kind: 'number', min: 0, max: 1 },
  minSteadiness: { kind: 'number', min: 0, max: 1 },
  maxLargestStepShare: { kind: 'number', min: 0, max: 1 },
  minGrowthBytes: { kind: 'integer', min: 0, max: 2 ** 50 },
  snapshots: { kind: 'boolean' },
  retainerPaths: { kind: 'integer', min: 0, max: 100 },
  otherSites: { kind: 'integer', min: 0, max: 10_000 },
  progress: { kind: 'boolean' },
  keepInlining: { kind: 'boolean' },
  native: { kind: 'boolean' },
  // setTimeout's longest delay.
  timeoutMs: { kind: 'integer', min: 1, max: 2 ** 31 - 1 },
} as const;


function checkHook(name: 'setup' | 'teardown', value: unknown): void {
  if (value !== undefined && typeof value !== 'function') {
    throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `leaks.find() option "${name}" must be a function, got ${value === null ? 'null' : typeof value}`);
  }
}

function resolve(scenario: unknown, options: LeakFindOptions | undefined): Resolved & { warmup: number; minGrowthBytes: number } {
  if (typeof scenario !== 'function') {
    throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `leaks.find() takes the scenario function first, got ${scenario === null ? 'null' : typeof scenario}`);
  }
  const o = resolveOptions('leaks.find()', options, DEFAULTS, SCHEMA as never) as Resolved;
  checkHook('setup', o.setup);
  checkHook('teardown', o.teardown);
  const warmup = o.warmup ?? Math.min(5, Math.floor(o.iterations / 4));
  if (warmup > o.iterations - 2) {
    throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION',
      `leaks.find() option "warmup" must leave at least 2 measured iterations: at most ${o.iterations - 2} for ${o.iterations} iterations, got ${warmup}`);
  }
  return { ...o, warmup, minGrowthBytes: o.minGrowthBytes ?? 4 * o.intervalBytes };
}

/** Snapshot names that are V8 internals rather than constructors a program defines or uses. */
function isProgramConstructor(name: string): boolean {
  return name !== '' && !name.startsWith('(') && !name.startsWith('system /');
}
/** JS's own constructors: their shortest path usually ends at a prototype, so the program's own classes get chains first. */
const BUILTIN_CONSTRUCTORS = new Set(['Object', 'Array', 'Function', 'String', 'Number', 'Boolean', 'Symbol', 'Map', 'Set', 'WeakMap', 'WeakSet',
  'Promise', 'Error', 'RegExp', 'Date', 'ArrayBuffer', 'Uint8Array', 'Buffer', 'WeakRef']);

/**
 * Runs `scenario` `iterations` times and reports the allocation sites whose live
 * bytes grow steadily. Resolves to a LeakReport; rejects with
 * ERR_ALLOCSCOPE_SCENARIO_FAILED (sampling stopped, teardown run) when the
 * scenario or a hook throws, ERR_ALLOCSCOPE_SCENARIO_TIMEOUT or _UNSETTLED when
 * one does not settle.
 */
export async function find(scenario: Scenario, options?: LeakFindOptions): Promise<LeakReport> {
  const o = resolve(scenario, options);
  if (heap.running) {
    throw new AllocscopeError('ERR_ALLOCSCOPE_SAMPLER_BUSY',
      'leaks.find() needs the sampling heap profiler, which heap.start() runs already on this thread; call heap.stop() first');
  }
  // V8 charges an inlined function's allocations to its caller: inlining off (Turbofan
  // and Maglev) for the code optimized during the run (V8's flags are process-wide), back on afterwards.
  const restoreInlining = !o.keepInlining && currentInlining() === 'on' ? turnInliningOff() : undefined;
  const inlining = currentInlining();
  const startTimeMs = Date.now();
  const snapshotsPlanned = o.snapshots ? 3 : 0;
  const progress = new Progress(o.iterations + 1 + snapshotsPlanned, o.progress && Boolean(process.stderr.isTTY) && !process.env.CI);
  // Own allocations are matched on the allocating frame only: every scenario allocation has find() below it.
  const series = new SiteSeries(isOwnFile);
  const nativeSeries = o.native ? new SiteSeries(isOwnFile) : undefined;
  const heapUsedBytes: number[] = [];
  const sampledLiveBytes: number[] = [];
  const nativeLiveBytes: number[] = [];
  const analyses: SnapshotAnalysis[] = [];
  let countsBefore: ConstructorCounts | undefined;
  let countsAfter: ConstructorCounts | undefined;
  let retainers: LeakRetainer[] | null = null;
  let constructors: LeakReport['constructors'] = null;

  const analyze = (retainerPathsFor?: string[]): SnapshotAnalysis => {
    const a = snapshot.analyze(retainerPathsFor ? { retainerPathsFor } : undefined);
    analyses.push(a);
    return a;
  };
  const point = (done: number): void => {
    // Source maps are applied once at the end: reading them here would leave the
    // resolver's caches in the live profiles as allocscope's growth.
    const profile: Profile = heap.profile({ gcFirst: true, sourceMaps: false });
    heapUsedBytes.push(heap.stats().usedHeapSizeBytes);
    const ends = done === o.warmup ? 'first' : done === o.iterations ? 'last' : undefined;
    sampledLiveBytes.push(series.add(profile, ends));
    // After the full GC above: Buffers that died have freed their backing stores.
    if (nativeSeries) nativeLiveBytes.push(nativeSeries.add(malloc.profile(), ends));
    if (o.snapshots && done === o.warmup) {
      progress.step('heap snapshot (first measured point)');
      countsBefore = analyze().counts;
    }
  };

  // One call of the scenario or a hook: its failure as a ScenarioError, a promise that does not settle as a ScenarioStuckError.
  const call = async (phase: ScenarioPhase, iteration: number | null, fn: () => unknown): Promise<void> => {
    try {
      await settleWithin(fn(), o.timeoutMs, phase, iteration, o.iterations);
    } catch (error) {
      throw error instanceof ScenarioStuckError ? error : new ScenarioError(phase, iteration, o.iterations, error);
    }
  };

  let failure: unknown;
  try {
    if (o.setup) await call('setup', null, o.setup);
    startSampler({ intervalBytes: o.intervalBytes, stackDepth: o.stackDepth, mode: 'live', foldIntervalMs: 0 });
    if (o.native) malloc.start({ intervalBytes: o.intervalBytes, stackDepth: Math.min(o.stackDepth, MALLOC_MAX_DEPTH), mode: 'live' });
    progress.step('baseline');
    point(0);
    for (let i = 0; i < o.iterations; i++) {
      progress.step(`iteration ${i + 1}/${o.iterations}${i < o.warmup ? ' (warm-up)' : ''}`);
      await call('scenario', i, () => scenario(i));
      point(i + 1);
    }
    if (o.snapshots) {
      progress.step('heap snapshot (last point)');
      countsAfter = analyze().counts;
      constructors = constructorGrowth(countsBefore!, countsAfter);
      const measured = o.iterations - o.warmup;
      // Constructors that gained about one instance per measured iteration or more.
      const candidates = constructors.filter((c) => isProgramConstructor(c.name) && c.countDelta >= measured);
      const growers = [...candidates.filter((c) => !BUILTIN_CONSTRUCTORS.has(c.name)), ...candidates.filter((c) => BUILTIN_CONSTRUCTORS.has(c.name))]
        .slice(0, o.retainerPaths).map((c) => c.name);
      progress.step('retainer chains');
      if (growers.length > 0) {
        const paths = analyze(growers).retainerPaths;
        retainers = growers.map((name) => ({ constructor: name, text: paths[name]?.text ?? null, steps: paths[name]?.steps ?? [] }));
      } else {
        retainers = [];
      }
    }
  } catch (error) {
    failure = error;
  } finally {
    progress.done();
    heap.stop();
    if (o.native) malloc.stop();
    restoreInlining?.();
  }
  // Teardown runs whatever happened; when the run failed already, that failure is the one reported.
  if (o.teardown) {
    try { await call('teardown', null, o.teardown); } catch (error) { failure ??= error; }
  }
  if (failure !== undefined) throw failure;
  const report = buildReport(o, series, { startTimeMs, inlining, heapUsedBytes, sampledLiveBytes, constructors, retainers, analyses });
  if (nativeSeries) {
    const native = fitSites(o, nativeSeries, nativeLiveBytes, new SourceMapResolver());
    Object.assign(report, { nativeSampledLiveBytes: nativeLiveBytes.map(Math.round), nativeSuspects: native.suspects, nativeOthers: native.others });
  }
  return report;
}

/** A suspect's net rise is at least this many standard deviations of sampling turnover (one-sided p ≈ 0.0013). */
const MIN_TURNOVER_Z = 3;

/** The sites of one series with their growth fits: the suspects, and the other growing ones. */
function fitSites(o: ReturnType<typeof resolve>, series: SiteSeries, sampledLiveBytes: number[], resolver: SourceMapResolver): { suspects: LeakSite[]; others: LeakSite[] } {
  const measured = o.iterations - o.warmup;
  const original = (f: LeakFrame): LeakFrame => {
    const p = resolver.position(f.file, f.line, f.column);
    return p ? { function: p.name || f.function, file: p.file, line: p.line, column: p.column } : f;
  };
  // The live total must grow too: when V8 (de)optimizes mid-run, allocations move
  // between sites (an inlined constructor is counted at its caller), and one site
  // then "grows" as another shrinks while nothing leaks. A leak raises the total by
  // about its own slope; such a shift leaves it flat. Half the site's slope is asked.
  const totalPoints = sampledLiveBytes.slice(o.warmup);
  const totalSlope = totalPoints.length >= 2 ? fitGrowth(totalPoints).slopeBytesPerIteration : Infinity;
  const sites: LeakSite[] = series.sites().map((s) => {
    const points = s.bytes.slice(o.warmup);
    const fit = fitGrowth(points);
    // Beyond what samples coming and going move it by: a bounded cache whose entries are
    // replaced read as a leak in ~0.8 % of runs on the t-test alone (its points share samples).
    const lastBytes = s.bytes[s.bytes.length - 1]!;
    const noiseZ = turnoverZ(points, samplingVarianceBytes(s.objects > 0 ? lastBytes / s.objects : 0, o.intervalBytes));
    const steady = fit.pValue !== null && fit.pValue < o.maxPValue && fit.rSquared >= o.minRSquared && fit.steadiness >= o.minSteadiness &&
      (measured < 4 || fit.largestStepShare <= o.maxLargestStepShare) && fit.growthBytes >= o.minGrowthBytes && fit.growthBytes > 0 &&
      totalSlope >= 0.5 * fit.slopeBytesPerIteration;
    const suspect = steady && noiseZ >= MIN_TURNOVER_Z;
    const at = original({ function: s.frame.function, file: s.frame.file, line: s.frame.line, column: s.frame.column });
    const site = s.frame.builtin ? `${at.function} (native)` : `${at.function} (${shortPath(at.file)}:${at.line}:${at.column})`;
    return {
      site, ...at, stack: s.stack.map(original), liveBytes: s.bytes.map(Math.round), liveObjects: Math.round(s.objects), suspect, withinTurnover: steady && !suspect, ...fit, noiseZ,
    };
  });
  const bySlope = (a: LeakSite, b: LeakSite) => b.slopeBytesPerIteration - a.slopeBytesPerIteration || (a.site < b.site ? -1 : 1);
  const suspects = sites.filter((s) => s.suspect).sort(bySlope);
  const others = sites.filter((s) => !s.suspect && s.growthBytes > 0).sort(bySlope).slice(0, o.otherSites);
  return { suspects, others };
}

function buildReport(o: ReturnType<typeof resolve>, series: SiteSeries,
  r: { startTimeMs: number; inlining: InliningState; heapUsedBytes: number[]; sampledLiveBytes: number[]; constructors: LeakReport['constructors']; retainers: LeakRetainer[] | null; analyses: SnapshotAnalysis[] }): LeakReport {
  const measured = o.iterations - o.warmup;
  const { suspects, others } = fitSites(o, series, r.sampledLiveBytes, new SourceMapResolver());
  return {
    format: 'allocscope-leaks',
    version: 1,
    iterations: o.iterations,
    warmup: o.warmup,
    points: measured + 1,
    intervalBytes: o.intervalBytes,
    startTimeMs: r.startTimeMs,
    durationMs: Date.now() - r.startTimeMs,
    inlining: r.inlining,
    heapUsedBytes: r.heapUsedBytes,
    sampledLiveBytes: r.sampledLiveBytes.map(Math.round),
    criteria: { maxPValue: o.maxPValue, minRSquared: o.minRSquared, minSteadiness: o.minSteadiness, maxLargestStepShare: o.maxLargestStepShare, minGrowthBytes: o.minGrowthBytes, minNoiseZ: MIN_TURNOVER_Z },
    suspects,
    others,
    constructors: r.constructors,
    retainers: r.retainers,
    snapshots: o.snapshots ? {
      taken: r.analyses.length,
      takeMs: r.analyses.reduce((t, a) => t + a.takeMs, 0),
      analyzeMs: r.analyses.reduce((t, a) => t + a.analyzeMs, 0),
      nodeCount: r.analyses.at(-1)?.nodeCount ?? 0,
    } : null,
    threadId,
  };
}
