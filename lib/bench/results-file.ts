// The JSON that `allocscope bench --json/--out` writes and `--compare` reads.
import * as os from 'node:os';
import { AllocscopeError } from '../core/errors';
import type { MeasureResult } from './measure';

export const BENCH_FORMAT = 'allocscope-bench';
export const BENCH_VERSION = 1;

export interface BenchRecord {
  file: string;
  suite: string;
  name: string;
  /** "suite/name": what --compare matches on. */
  id: string;
  result: MeasureResult | null;
  /** The operation's error message when it threw (result is then null). */
  error?: string;
}

export interface BenchResults {
  format: typeof BENCH_FORMAT;
  version: typeof BENCH_VERSION;
  createdAt: string;
  environment: { node: string; v8: string; platform: string; arch: string; cpus: number; cpuModel: string };
  benchmarks: BenchRecord[];
}

export function environment(): BenchResults['environment'] {
  const cpus = os.cpus();
  return { node: process.version, v8: process.versions.v8, platform: process.platform, arch: process.arch, cpus: cpus.length, cpuModel: cpus[0]?.model ?? '' };
}

const corrupt = (name: string, why: string) => new AllocscopeError('ERR_ALLOCSCOPE_BENCH_FILE', `${name}: not an allocscope bench results file (${why})`);

/** Parses and checks a results file's shape (not every field: what --compare reads). */
export function parseBenchResults(text: string, name: string): BenchResults {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw corrupt(name, 'not JSON');
  }
  const v = value as Partial<BenchResults>;
  if (!v || typeof v !== 'object' || v.format !== BENCH_FORMAT) throw corrupt(name, `no "format": "${BENCH_FORMAT}"`);
  if (v.version !== BENCH_VERSION) throw new AllocscopeError('ERR_ALLOCSCOPE_BENCH_FILE', `${name}: bench results version ${String(v.version)}; this allocscope reads version ${BENCH_VERSION}`);
  if (!Array.isArray(v.benchmarks)) throw corrupt(name, 'no "benchmarks" array');
  for (const b of v.benchmarks) {
    if (!b || typeof b.id !== 'string' || (b.result !== null && typeof b.result !== 'object')) throw corrupt(name, 'a benchmark without "id" or "result"');
  }
  return v as BenchResults;
}
