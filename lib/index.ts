// allocscope: memory profiling for Node.js. The API is grouped by concern.
//
// What every profiled process needs loads with the package: the addon and the
// runtime readers (heap, spaces, malloc, memory, gc, fragmentation). Everything
// else (profiles and source maps, pools, bench, continuous, metrics, leaks,
// snapshots) loads the first time its export is read: see core/lazy.ts.
import { defineLazy } from './core/lazy';

export { heap, type HeapStats, type CodeStats } from './runtime/heap';
export type { HeapStartOptions, HeapProfileOptions, HeapCapabilities } from './sampler/heap-profiler';
export { spaces, spaceNames, type SpaceStats } from './runtime/spaces';
export { malloc, type MallocStats, type MallocStatsOptions, type GlibcStats, type JemallocStats } from './runtime/malloc';
export type { MallocStartOptions, MallocProfileOptions, MallocProfileFigures } from './sampler/native-profiler';
export { memory, type MemorySnapshot } from './runtime/memory';
export { gc, type GcEvent, type GcSummary, type GcTypeSummary, type GcStartOptions, type GcTypeName, type GcSpaceDelta } from './runtime/gc';
export { fragmentation, type FragmentationReport, type SpaceFragmentation } from './runtime/fragmentation';
export { AllocscopeError, type CodedError, type ErrorCode } from './core/errors';

export type { TopRow, DiffRow, TopOptions, TopTableOptions, AttributeTo, SortKey, ProfileTotals, FilterOptions, GroupBy, SampleType } from './profile/profile';
export type { ProfileData, ProfileMode, OriginalPosition } from './profile/data';
export type { FrameInfo } from './profile/frames';
export type { BufferPoolOptions, BufferPoolStats, SizeClassStats, PoolStats, ObjectPoolOptions, ObjectPoolStats, TrackOptions, TrackedPoolStats, NodeBufferPoolInfo } from './pools';
export type { PoolRecommendation, PoolUsageStats } from './pools/usage';
export type { MeasureOptions, MeasureResult, SiteFigures } from './bench/measure';
export type { Spread } from './bench/statistics';
export type { CompareOptions, Comparison, CompareRow, MemoryAfter } from './bench/compare';
export type { ContinuousOptions, ContinuousStats, ExporterSpec, Collection, CollectionFigures, Exporter, ExporterStats, FileExporterOptions, HttpExporterOptions } from './continuous';
export type { MetricsRegisterOptions, MetricsRegistration, WorkerReportOptions, WorkerReporter, FamilyDefinition, ContinuousFigures, LeakWatchFigures, MeterLike, OpenTelemetryRegistration } from './metrics';
export type { LeakWatchOptions, LeakWatchEvent, LeakWatchSite, LeakFindOptions, Scenario, LeakReport, LeakSite, LeakFrame, ConstructorGrowth, LeakRetainer, GrowthFit, ScenarioPhase, NearHeapLimitOptions, NearHeapLimitCapture, NearHeapLimitState } from './leaks';
export type { SizeOfOptions, AnalyzeOptions, SnapshotAnalysis, ConstructorStats, RetainerPath, RetainerStep, SizeOfResult } from './snapshot';

// Loaded on first use. Each `export let` compiles to `exports.name = void 0`, which
// Node's ESM loader reads as a named export; defineLazy() then puts a getter there.
/* eslint-disable prefer-const */
export let Profile: typeof import('./profile/profile').Profile;
export let mergeProfiles: typeof import('./profile/merge').mergeProfiles;
export let pools: typeof import('./pools').pools;
export let BufferPool: typeof import('./pools').BufferPool;
export let ObjectPool: typeof import('./pools').ObjectPool;
export let TrackedPool: typeof import('./pools').TrackedPool;
export let measure: typeof import('./bench/measure').measure;
export let compare: typeof import('./bench/compare').compare;
export let continuous: typeof import('./continuous').continuous;
export let ContinuousSession: typeof import('./continuous').ContinuousSession;
export let metrics: typeof import('./metrics').metrics;
export let leaks: typeof import('./leaks').leaks;
export let ScenarioError: typeof import('./leaks').ScenarioError;
export let LeakWatch: typeof import('./leaks').LeakWatch;
export let snapshot: typeof import('./snapshot').snapshot;
export let sizeOf: typeof import('./snapshot').sizeOf;

const LAZY: Record<string, () => Record<string, unknown>> = {
  Profile: () => require('./profile/profile'),
  mergeProfiles: () => require('./profile/merge'),
  pools: () => require('./pools'), BufferPool: () => require('./pools'), ObjectPool: () => require('./pools'), TrackedPool: () => require('./pools'),
  measure: () => require('./bench/measure'),
  compare: () => require('./bench/compare'),
  continuous: () => require('./continuous'), ContinuousSession: () => require('./continuous'),
  metrics: () => require('./metrics'),
  leaks: () => require('./leaks'), ScenarioError: () => require('./leaks'), LeakWatch: () => require('./leaks'),
  snapshot: () => require('./snapshot'), sizeOf: () => require('./snapshot'),
};
for (const [name, load] of Object.entries(LAZY)) defineLazy(exports, name, () => load()[name]);
