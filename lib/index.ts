// allocscope: memory profiling for Node.js. The API is grouped by concern.
export { heap, type HeapStats, type CodeStats } from './heap';
export type { HeapStartOptions, HeapProfileOptions } from './heap-profiler';
export { Profile, type TopRow, type DiffRow, type TopOptions, type FilterOptions, type GroupBy, type SampleType } from './profile/profile';
export { mergeProfiles } from './profile/merge';
export type { ProfileData, ProfileMode, OriginalPosition } from './profile/data';
export type { FrameInfo } from './profile/frames';
export { spaces, spaceNames, type SpaceStats } from './spaces';
export { malloc, type MallocStats, type MallocStatsOptions, type GlibcStats, type JemallocStats } from './malloc';
export { memory, type MemorySnapshot } from './memory';
export { gc, type GcEvent, type GcSummary, type GcTypeSummary, type GcStartOptions, type GcTypeName, type GcSpaceDelta } from './gc';
export { fragmentation, type FragmentationReport, type SpaceFragmentation } from './fragmentation';
export { pools, BufferPool, ObjectPool, TrackedPool, type BufferPoolOptions, type BufferPoolStats, type SizeClassStats, type PoolStats, type ObjectPoolOptions, type ObjectPoolStats, type TrackOptions, type TrackedPoolStats, type NodeBufferPoolInfo } from './pools';
export type { PoolRecommendation, PoolUsageStats } from './pools/usage';
export { AllocscopeError, type CodedError, type ErrorCode } from './errors';
export { continuous, ContinuousSession, type ContinuousOptions, type ContinuousStats, type ExporterSpec, type Collection, type CollectionFigures, type Exporter, type ExporterStats, type FileExporterOptions, type HttpExporterOptions } from './continuous';
export { metrics, type MetricsRegisterOptions, type MetricsRegistration, type WorkerReportOptions, type WorkerReporter, type FamilyDefinition, type ContinuousFigures, type LeakWatchFigures } from './metrics';
