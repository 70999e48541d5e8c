// The counting pass: V8's sampling heap profiler at one byte per sample in
// allocated mode records every allocation with its exact size and stack (DESIGN:
// "Known V8 facts"). The operation is called from C++ (native/call_loop.cc) so
// it is never inlined into a loop of ours; attribution.ts keeps its samples.
// External bytes: V8's external memory after − before, plus what GCs freed.
import { threadCpuNs } from '../runtime/thread-clock';
import { AllocscopeError } from '../core/errors';
import { Progress } from '../core/progress';
import { heap } from '../runtime/heap';
import * as profiler from '../sampler/heap-profiler';
import { nativeNamespace } from '../core/native';
import { mergeProfiles } from '../profile/merge';
import type { Profile } from '../profile/profile';
import { operationProfile } from './attribution';
import { openGcWindow } from './gc-window';
import { deoptimize, finishPendingCompiles } from './never-optimize';
import type { PreparedOperation } from './operation';

export interface CountingOptions {
  rounds: number;
  /** Ops per round; 0 = as many as fit in `maxAllocationsPerRound`, at most 10,000. */
  opsPerRound: number;
  /** Bound on the samples V8 holds at once (~100 B each) and so on the pass's memory. */
  maxAllocationsPerRound: number;
  stackDepth: number;
  /** Calls through the wrapper before counting. Default 10. */
  warmupOps?: number;
}

export interface CountRound {
  ops: number;
  bytes: number;
  allocs: number;
  externalBytes: number;
}

export interface CountingFigures {
  opsPerRound: number;
  rounds: CountRound[];
  /** The operation's allocations over all rounds, as a profile (for top sites). */
  profile: Profile;
  passMs: number;
}

const AUTO_MAX_OPS = 10_000;
const WARMUP_OPS = 10;
/**
 * Rounds repeated, per pass, because V8 changed the operation's code during them or
 * the round before. V8 12+ tiers a small function up twice (Maglev, then TurboFan
 * some 10,000s of calls later), and a deopt can bring one more cycle: two rounds
 * each, 8 covers those; an operation that keeps deoptimizing is counted as it runs
 * once they are used up.
 */
const MAX_REPEATED_ROUNDS = 8;

/** `native.callLoop`: native/call_loop.cc. */
interface CallLoopBinding {
  /** Calls fn() n times from C++ and returns the last result; a throw stops the loop and propagates. */
  callRepeatedly(fn: () => unknown, n: number): unknown;
}
const callLoop = nativeNamespace<CallLoopBinding>('callLoop');

/** Sync operations: one native loop, no await, so nothing else runs in the window. */
function callOps(op: PreparedOperation, n: number): void | Promise<void> {
  if (!op.async) {
    callLoop.callRepeatedly(op.wrapper, n);
    return;
  }
  return (async () => {
    for (let i = 0; i < n; i++) await callLoop.callRepeatedly(op.wrapper, 1);
  })();
}

/**
 * Code and bytecode V8 holds (walks the code spaces: ~1 ms). It changes when V8
 * compiles or installs code for the operation or a function it calls, which
 * allocates V8's own objects in that function's frame. It also changes now and then
 * for other reasons (code flushed by a GC): that round is repeated for nothing.
 */
function codeBytes(): number {
  const c = heap.codeStats();
  return c.codeAndMetadataBytes + c.bytecodeAndMetadataBytes;
}

interface RoundResult {
  round: CountRound;
  profile: Profile;
  /** V8 installed code for the operation or what it calls (tier-up, deopt) during the round: its counts hold V8's own objects. */
  codeChanged: boolean;
}

async function countRound(op: PreparedOperation, n: number, stackDepth: number): Promise<RoundResult> {
  // Code that background compile jobs have ready (the operation's or ours) would be
  // installed at the next interrupt, maybe inside the window: install it now.
  finishPendingCompiles();
  const window = openGcWindow();
  const external0 = heap.stats().externalMemoryBytes;
  try {
    profiler.start({ intervalBytes: 1, mode: 'allocated', stackDepth, foldIntervalMs: 0 });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_ALLOCSCOPE_ALREADY_STARTED' || (error as { code?: string }).code === 'ERR_ALLOCSCOPE_SAMPLER_BUSY') {
      throw new AllocscopeError('ERR_ALLOCSCOPE_SAMPLER_BUSY',
        "measure(): the counting pass needs V8's sampling heap profiler, which is already running (heap.start(), an inspector or --heap-prof); stop it, or pass { count: false }");
    }
    throw error;
  }
  let data;
  let external1: number;
  let gcs;
  let code0: number, code1: number;
  try {
    code0 = codeBytes();
    const pending = callOps(op, n);
    if (pending) await pending;
    code1 = codeBytes();
    // Read before collecting: the profile's own typed arrays are external memory too.
    external1 = heap.stats().externalMemoryBytes;
    gcs = window.close();
    data = profiler.profile({ sourceMaps: false }).data;
  } finally {
    profiler.stop();
  }
  // An async operation resumes from microtasks: samples outside any frame of ours are
  // its own then. A sync one runs inside the wrapper only.
  const profile = operationProfile(data, op.async);
  const totals = profile.totals();
  return {
    round: { ops: n, bytes: totals.bytes, allocs: totals.objects, externalBytes: Math.max(0, external1 - external0 + gcs.externalFreedBytes) },
    profile,
    codeChanged: code1 !== code0,
  };
}

async function timedRound(op: PreparedOperation, n: number, stackDepth: number): Promise<number> {
  const t0 = threadCpuNs();
  await countRound(op, n, stackDepth);
  return (threadCpuNs() - t0) / 1e6;
}

/**
 * The recorded cost of one call. One call's share of a one-call round is exact
 * enough when it is large (an op allocating millions of objects: no more calls
 * are made to find it out). A cheap call is lost in the round's fixed cost, and
 * a round's first calls cost more (each new stack is added to the profile's
 * tree), so it is the difference between rounds of 10 and of 100 calls.
 */
async function msPerCall(op: PreparedOperation, n: number, oneCallMs: number, stackDepth: number): Promise<number> {
  if (oneCallMs >= 10 || n < 20) return Math.max(0, oneCallMs);
  const many = Math.min(n, 100);
  const few = Math.ceil(many / 10);
  const fewMs = await timedRound(op, few, stackDepth);
  return Math.max(0, (await timedRound(op, many, stackDepth) - fewMs) / (many - few));
}

/** A pass expected to take longer than this (CPU) shows progress, on a terminal. */
const PROGRESS_PASS_MS = 3000;
/**
 * One expected to take longer warns once. The default pass of a cheap op (200,000
 * recorded allocations per round, 6 rounds) costs ~5 s: that is not worth a warning.
 */
const SLOW_PASS_MS = 10_000;

export async function countingPass(op: PreparedOperation, options: CountingOptions): Promise<CountingFigures> {
  const t0 = process.hrtime.bigint();
  deoptimize(op.fn as never); // compiled before the exact-counting flags (warmed by the caller, or by the timing pass)
  // Warm the wrapper (its feedback vector is allocated on early calls, in its frame).
  const warming = callOps(op, options.warmupOps ?? WARMUP_OPS);
  if (warming) await warming;
  let n = options.opsPerRound;
  // One op first: an operation that allocates millions of objects per call costs
  // seconds per call here (every allocation is recorded), so probe with the least.
  const fixedMs = await timedRound(op, 0, options.stackDepth); // starting, collecting, stopping
  // Estimated on this thread's CPU clock: wall time on a busy machine is mostly waiting.
  const probeStart = threadCpuNs();
  const probe = await countRound(op, 1, options.stackDepth);
  const probeMs = (threadCpuNs() - probeStart) / 1e6;
  if (n === 0) n = Math.max(1, Math.min(AUTO_MAX_OPS, Math.floor(options.maxAllocationsPerRound / Math.max(probe.round.allocs, 1))));
  const expectedMs = (options.rounds + 1) * (fixedMs + n * await msPerCall(op, n, probeMs - fixedMs, options.stackDepth));
  const progress = expectedMs > PROGRESS_PASS_MS ? new Progress(options.rounds + 1) : undefined;
  if (expectedMs > SLOW_PASS_MS) {
    process.emitWarning(`measure(): one call allocates ${Math.round(probe.round.allocs).toLocaleString('en-US')} objects (${(probe.round.bytes / 1048576).toFixed(1)} MiB); ` +
      `the counting pass records every allocation and will take about ${Math.ceil(expectedMs / 1000)} s of CPU (${options.rounds + 1} rounds of ${n} calls). ` +
      'Pass { count: false } to skip it, or fewer countRounds.', { code: 'ALLOCSCOPE_SLOW_COUNTING_PASS' });
    // A warning is emitted on the next tick, and the rounds of a sync op run as one
    // chain of microtasks: let it out (printed, heard by listeners) before they start.
    await new Promise((resolve) => setImmediate(resolve));
  }
  // One discarded round at full size: one-time work (code installed after a GC's
  // pretenuring decisions, the young generation growing) lands in the first round.
  progress?.step(`counting pass: warm-up round (${n} calls)`);
  let changedBefore = (await countRound(op, n, options.stackDepth)).codeChanged;
  const rounds: CountRound[] = [];
  const profiles: Profile[] = [];
  let repeats = 0;
  for (let r = 0; r < options.rounds; r++) {
    progress?.step(`counting pass: round ${r + 1} of ${options.rounds} (${n} calls)`);
    const { round, profile, codeChanged } = await countRound(op, n, options.stackDepth);
    // Code installed in one round is entered in the next (at a call, or mid-loop at a
    // back edge), and that round can miss an allocation: limitAllocations counted 499
    // of 500 objects after a round that installed the op's code (14 of 400 loaded runs).
    const unsettled = codeChanged || changedBefore;
    changedBefore = codeChanged;
    if (unsettled && repeats < MAX_REPEATED_ROUNDS) {
      repeats++;
      r--;
      continue;
    }
    rounds.push(round);
    profiles.push(profile);
  }
  progress?.done();
  const profile = mergeProfiles(profiles);
  return { opsPerRound: n, rounds, profile, passMs: Number(process.hrtime.bigint() - t0) / 1e6 };
}
