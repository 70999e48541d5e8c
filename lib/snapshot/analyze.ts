// snapshot.analyze(): a heap snapshot taken and analysed in the addon.
import { typeError } from '../core/errors';
import { nativeNamespace } from '../core/native';
import { resolveOptions } from '../core/options';
import { toRetainerPath } from './retainer-path';
import type { ConstructorStats, RetainerPath, SnapshotAnalysis } from './types';

export interface AnalyzeOptions {
  /** Constructor names to find a shortest retainer path for (the instance closest to a GC root). */
  retainerPathsFor?: string[];
  /** How many constructors to return in `constructors`, largest retained size first. Default 50. */
  topConstructors?: number;
  /** Draw a progress bar on stderr while the snapshot is taken and analysed, when stderr is a TTY. Default true. */
  progress?: boolean;
}

const DEFAULTS: Required<AnalyzeOptions> = { retainerPathsFor: [], topConstructors: 50, progress: true };

/** One step of a retainer path, from the snapshot's root to the instance. */
export interface RawRetainerStep {
  node: string;
  nodeType: string;
  edge: string;
  edgeType: string;
}

interface RawSnapshotTarget {
  retainedBytes: number;
  selfBytes: number;
  deepBytes?: number;
  name: string;
  nodeType: string;
  top: Array<{ path: string; name: string; retainedBytes: number }>;
}

interface RawSnapshotAnalysis {
  nodeCount: number;
  edgeCount: number;
  totalBytes: number;
  graphBytes: number;
  takeMs: number;
  analyzeMs: number;
  phases: {
    convertMs: number; dominatorsMs: number; classesMs: number; pathsMs: number;
    /** CPU time of the thread (without preemption), for benchmarks. */
    takeCpuMs: number; convertCpuMs: number; analyzeCpuMs: number;
    /** Bytes the conversion held beside the graph (node index, name cache). */
    conversionBytes: number;
    /** How V8's node pointers were mapped to ordinals: 'runs' (fast path) or 'hash' (fallback). */
    nodeIndex: 'runs' | 'hash';
    /** The process' peak RSS (MiB) after V8 took the snapshot, after the conversion, at the end. */
    peakAfterTakeMB: number; peakAfterConvertMB: number; peakEndMB: number;
  };
  classes: { names: string[]; count: Float64Array; selfBytes: Float64Array; retainedBytes: Float64Array };
  retainerPaths: Array<RawRetainerStep[] | null>;
  /** Present when a target was passed; null when it was not found in the snapshot. */
  target?: RawSnapshotTarget | null;
}

/** `native.snapshot`: native/snapshot.cc (analyze.ts and size-of.ts call it). */
interface SnapshotBinding {
  /** `forcePointerHash` (tests only): map node pointers with the fallback hash. */
  analyze(progress: boolean, retainerPathsFor: string[], target: object | undefined, targetTop: number, targetDeep: boolean,
    forcePointerHash?: boolean): RawSnapshotAnalysis;
  constants: { nodeTypes: string[]; edgeTypes: string[]; nodeBytes: number; edgeBytes: number };
}
export const snapshotBinding = nativeNamespace<SnapshotBinding>('snapshot');

/** Whether a progress bar may be drawn: a TTY, and not in CI (as lib/cli/progress.ts). */
export function progressWanted(requested: boolean): boolean {
  return requested && Boolean(process.stderr.isTTY) && !process.env.CI;
}

function checkNames(where: string, names: unknown): string[] {
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string' || n === '')) {
    throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `${where} option "retainerPathsFor" must be an array of constructor names`);
  }
  return [...new Set(names as string[])];
}

export function analyze(options?: AnalyzeOptions): SnapshotAnalysis {
  const o = resolveOptions('snapshot.analyze()', options, DEFAULTS, {
    retainerPathsFor: { kind: 'any' },
    topConstructors: { kind: 'integer', min: 0, max: 1_000_000 },
    progress: { kind: 'boolean' },
  });
  const names = checkNames('snapshot.analyze()', o.retainerPathsFor);
  const raw = snapshotBinding.analyze(progressWanted(o.progress), names, undefined, 0, false);

  const all: ConstructorStats[] = [];
  const counts: Record<string, { count: number; selfBytes: number }> = {};
  const { names: classNames, count, selfBytes, retainedBytes } = raw.classes;
  for (let i = 0; i < classNames.length; i++) {
    const name = classNames[i]!;
    all.push({ name, count: count[i]!, selfBytes: selfBytes[i]!, retainedBytes: retainedBytes[i]! });
    counts[name] = { count: count[i]!, selfBytes: selfBytes[i]! };
  }
  all.sort((a, b) => b.retainedBytes - a.retainedBytes || a.name.localeCompare(b.name));

  const retainerPaths: Record<string, RetainerPath | null> = {};
  names.forEach((name, i) => {
    const steps = raw.retainerPaths[i];
    retainerPaths[name] = steps ? toRetainerPath(steps) : null;
  });
  return {
    nodeCount: raw.nodeCount,
    edgeCount: raw.edgeCount,
    totalBytes: raw.totalBytes,
    takeMs: raw.takeMs,
    analyzeMs: raw.analyzeMs,
    graphBytes: raw.graphBytes,
    constructors: all.slice(0, o.topConstructors),
    counts,
    retainerPaths,
  };
}
