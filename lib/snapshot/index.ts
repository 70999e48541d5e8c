// Heap snapshot analysis: dominators, retained sizes, per-constructor counts,
// retainer paths (snapshot.analyze) and the retained size of a value (sizeOf).
import { analyze } from './analyze';

export const snapshot = { analyze } as const;
export { sizeOf, type SizeOfOptions } from './size-of';
export type { AnalyzeOptions } from './analyze';
export type { SnapshotAnalysis, ConstructorStats, RetainerPath, RetainerStep, SizeOfResult } from './types';
