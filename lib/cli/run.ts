// allocscope run [options] <script.js> [args…]  |  allocscope run [options] -- node [node options] script.js [args…]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCapture } from '../capture/file';
import type { Capture } from '../capture/capture';
import { bytes, ms, percent } from '../core/format';
import { Profile } from '../profile/profile';
import { momentIndex } from '../capture/memory-over-time';
import { momentProfileData } from '../sampler/moments';
import { parseArgs, parseChoice, parseCount } from './args';
import type { EnvVariable, SettingSource } from '../continuous/env';
import type { ContinuousOptions } from '../continuous/options';
import { AllocscopeError, isCodedError } from '../core/errors';
import { outputProblem } from '../core/output-target';
import { SAMPLER_DEFAULTS, SAMPLER_SCHEMA } from '../sampler/options';
import { byteSizeText, parseInterval, parseSamplerFlags, SAMPLER_FLAGS } from './sampler-flags';
import { profilingNodeOptions } from '../sampler/inlining';
import { exitStatusOf, scriptOf, spawnWithPreload } from './run-with-preload';
import { usageError } from './usage-error';

export const RUN_HELP = `Usage: allocscope run [options] <script.js> [args…]
       allocscope run [options] -- node [node options] <script.js> [args…]

Runs the program with allocscope preloaded (CommonJS, ESM, or TypeScript compiled
with source maps): the sampling heap profiler, GC tracking and a heap/RSS
timeline from its first line. When it ends (also on SIGINT/SIGTERM) the capture
is written and a summary printed; the program's exit code passes through.
Send SIGUSR2 to write a numbered snapshot (<output>.usr2-N.allocscope) without
stopping it.

Options:
  -o, --output <file>        capture file (default: allocscope-<script>-<time>.allocscope)
  --mode <m>                 live (default): what is alive, at the end, at the peak
                             and over time; allocated: every allocation, freed or not
                             (allocation rate, GC pressure)
  --interval <n>             mean bytes between samples, e.g. ${byteSizeText(SAMPLER_DEFAULTS.intervalBytes)} (default), 64k
  --depth <n>                stack frames per sample, ${SAMPLER_SCHEMA.stackDepth.min}–${SAMPLER_SCHEMA.stackDepth.max} (default ${SAMPLER_DEFAULTS.stackDepth})
  --timeline-period <ms>     heap/RSS timeline period (default 100)
  --include <glob>           keep only allocations whose file matches
  --exclude <glob>           drop allocations whose file matches
  --keep-inlining            keep V8's inlining. It is turned off by
                             default (Turbofan and Maglev), so that an inlined function's
                             allocations are not charged to its caller (docs/reports.md)
  --capture-at <when>        on SIGINT/SIGTERM: signal (default) writes the capture
                             when the signal arrives; exit waits for the program's
                             own handler to finish and exit (its shutdown is then in
                             the capture; a program without a handler is captured at
                             the signal either way)
  --no-peak                  do not record what was alive at the peak and the top
                             sites over time (recorded by default in live mode)
  --native                   also sample native memory (malloc & co., operator new,
                             mmap) on every thread, by JS and native stack, with the
                             same --mode, --interval and --depth (docs/native-memory.md)
  -q, --quiet                no summary
  -h, --help                 this text

Continuous mode (production): instead of one capture at the end, export a pprof
profile every period to Pyroscope and/or a directory, workers included. The same
as node --require allocscope/continuous with ALLOCSCOPE_* variables: these options
take the place of their variables, the others still apply (see docs/production.md):
  --continuous               turn it on
  --push <url>               Pyroscope base URL, e.g. http://localhost:4040
  --out-dir <dir>            directory for rotated pprof files
  --period <ms>              collection period (default 60000)
  --service <name>           service name (default: package name)
  --labels <k=v,…>           extra labels on every profile
  (--mode and --interval apply; --mode defaults to live here)

Then: allocscope report <capture> --format text|html|pprof|…`;

/**
 * The file at `file` (device, inode, modification time), or undefined if there is
 * none. The capture is renamed into place from a new file, so a capture written by
 * this run always has another identity than the one found before it.
 */
function fileIdentity(file: string): string | undefined {
  try {
    const s = fs.statSync(file, { bigint: true });
    return `${s.dev}:${s.ino}:${s.mtimeNs}`;
  } catch {
    return undefined;
  }
}

function defaultOutput(program: string[]): string {
  const name = path.basename(scriptOf(program)).replace(/\.[cm]?[jt]s$/, '').replace(/[^\w.-]+/g, '_') || 'node';
  const time = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `allocscope-${name}-${time}.allocscope`;
}

export async function runRun(argv: string[]): Promise<number> {
  const { options: o, program } = parseArgs('run', argv, {
    output: { type: 'string', short: 'o' }, ...SAMPLER_FLAGS,
    'timeline-period': { type: 'string' }, include: { type: 'string' }, exclude: { type: 'string' }, quiet: { type: 'boolean', short: 'q' },
    continuous: { type: 'boolean' }, push: { type: 'string' }, 'out-dir': { type: 'string' }, period: { type: 'string' },
    service: { type: 'string' }, labels: { type: 'string' }, 'keep-inlining': { type: 'boolean' }, native: { type: 'boolean' },
    'no-peak': { type: 'boolean' }, 'capture-at': { type: 'string' },
  });
  if (o.continuous) {
    if (o.native) throw usageError('run: option "--native" does not apply to --continuous (yet)');
    if (o['no-peak']) throw usageError('run: option "--no-peak" does not apply to --continuous');
    if (o['capture-at'] !== undefined) throw usageError('run: option "--capture-at" does not apply to --continuous');
    return runContinuous(o, program);
  }
  for (const name of ['push', 'out-dir', 'period', 'service', 'labels']) {
    if (o[name] !== undefined) throw usageError(`run: option "--${name}" needs --continuous`);
  }
  const sampler = parseSamplerFlags('run', o, { mode: 'live' });
  const timelinePeriodMs = o['timeline-period'] === undefined ? 100 : parseCount('run', 'timeline-period', String(o['timeline-period']), 1, 3_600_000);
  if (program.length === 0) throw usageError('run: no script given (see allocscope run --help)');
  const output = path.resolve(o.output === undefined ? defaultOutput(program) : String(o.output));
  const problem = outputProblem(output);
  if (problem) throw new AllocscopeError('ERR_ALLOCSCOPE_OUTPUT', `run: cannot write ${o.output ?? output}: ${problem}`);
  const previous = fileIdentity(output);
  const filter = o.include !== undefined || o.exclude !== undefined
    ? { ...(o.include !== undefined ? { include: String(o.include) } : {}), ...(o.exclude !== undefined ? { exclude: String(o.exclude) } : {}) }
    : undefined;

  const captureAt = o['capture-at'] === undefined ? 'signal' : parseChoice('run', 'capture-at', String(o['capture-at']), ['signal', 'exit'] as const);
  const exit = await spawnWithPreload('run', program, {
    out: output,
    captureAt,
    capture: { ...sampler, timelinePeriodMs, ...(o.native ? { native: true } : {}), ...(o['no-peak'] ? { peak: false } : {}), ...(filter ? { filter } : {}) },
  }, profilingNodeOptions(Boolean(o['keep-inlining'])));
  const written = fileIdentity(output);
  if (written === undefined || written === previous) {
    const ended = exit.signal ?? `exit code ${exit.status}`;
    const stale = written === undefined ? '' : `; ${path.relative(process.cwd(), output) || output} is from an earlier run, left as it was`;
    console.error(`allocscope: run: no capture of this run was written (${scriptOf(program)} ended: ${ended})${stale}`);
    return exitStatusOf(exit);
  }
  if (!o.quiet) console.error(summary(readCapture(output), output));
  return exitStatusOf(exit);
}

function summary(capture: Capture, file: string): string {
  const lines = [`allocscope: wrote ${path.relative(process.cwd(), file) || file} (${bytes(fs.statSync(file).size)})`];
  const peak = Math.max(capture.heap.usedHeapSizeBytes, ...capture.timeline.heapUsedBytes, ...capture.gc.events.map((e) => e.usedBeforeBytes));
  const g = capture.gc.summary;
  const rssPeak = Math.max(...capture.timeline.rssBytes, ...(capture.timeline.rss?.bytes ?? []));
  const facts = [`peak heap ${bytes(peak)}`, `RSS ${bytes(rssPeak)} max`];
  if (g) facts.push(`GC ${percent(g.gcTimeShare)} of wall time (${g.count} GCs, longest ${ms(Math.max(0, ...Object.values(g.byType).map((t) => t!.maxMs)))})`);
  if (capture.profile) {
    const profile = new Profile(capture.profile);
    facts.push(`${bytes(profile.totals().bytes)} ${profile.mode === 'live' ? 'live' : 'allocated'}`);
    if (capture.meta.inlining === 'off') facts.push('V8 inlining off');
    lines.push(`  ${facts.join(' · ')}`);
    const top = profile.top(5);
    if (top.length) lines.push('  top sites:', ...top.map((r) => `    ${percent(r.share).padStart(7)}  ${bytes(r.bytes).padStart(9)}  ${r.label}`));
    lines.push(...peakLines(capture));
  } else {
    lines.push(`  ${facts.join(' · ')}`);
  }
  if (capture.nativeProfile) {
    const native = new Profile(capture.nativeProfile);
    lines.push(`  native: ${bytes(native.totals().bytes)} ${native.mode === 'live' ? 'live' : 'allocated'} (malloc & co.)`);
    const top = native.top(3);
    if (top.length) lines.push('  top native sites:', ...top.map((r) => `    ${percent(r.share).padStart(7)}  ${bytes(r.bytes).padStart(9)}  ${r.label}`));
    const peak = capture.nativePeakProfile ? new Profile(capture.nativePeakProfile) : undefined;
    if (peak?.peak) {
      lines.push(`  native at its peak, ${(peak.peak.at / 1000).toFixed(2)} s in: ${bytes(peak.peak.usedBytes)} sampled live; top sites then:`,
        ...peak.top(3).map((r) => `    ${percent(r.share).padStart(7)}  ${bytes(r.bytes).padStart(9)}  ${r.label}`));
    }
  }
  lines.push(`  next: allocscope report ${path.relative(process.cwd(), file) || file} --format html -o report.html`);
  return lines.join('\n');
}

/** How far above the highest moment the heap may have been without a hint (moments need 1 MiB of growth). */
const MISSED_HIGH_BYTES = 4 * 1024 * 1024;
const MISSED_HIGH_SHARE = 0.1;

/** When the live heap peaked and its top three sites then; in allocated mode, how to see it. Exported for its test. */
export function peakLines(capture: Capture): string[] {
  const m = capture.memoryOverTime;
  if (!m) return capture.profile?.mode === 'allocated' ? ['  (what was alive at the peak: run with --mode live)'] : [];
  const i = momentIndex(m, 'peak');
  if (i === null || i < 0) return ['  peak: no GC ran, so no moment of the live heap was taken'];
  const peak = new Profile(momentProfileData(m, i));
  const top = peak.top(3);
  const lines = [`  at the peak, ${(m.atMs[i]! / 1000).toFixed(2)} s in: ${bytes(m.usedBytes[i]!)} heap used${top.length ? '; top sites then:' : ''}`,
    ...top.map((r) => `    ${percent(r.share).padStart(7)}  ${bytes(r.bytes).padStart(9)}  ${r.label}`)];
  // The collections' time budget can let a high pass between moments: say so, rather than
  // let the highest moment pass for the peak.
  const highest = m.figures.highestUsedBytes;
  if (highest > m.usedBytes[i]! + Math.max(MISSED_HIGH_BYTES, MISSED_HIGH_SHARE * m.usedBytes[i]!)) {
    lines.push(`  (the heap was higher between moments: ${bytes(highest)} at ${(m.figures.highestAtMs / 1000).toFixed(2)} s in, when the moments' time budget was spent)`);
  }
  return lines;
}

/** The variable each `run --continuous` flag takes the place of. */
const CONTINUOUS_FLAGS: Partial<Record<EnvVariable, string>> = {
  ALLOCSCOPE_PUSH_URL: 'push', ALLOCSCOPE_OUT_DIR: 'out-dir', ALLOCSCOPE_PERIOD_MS: 'period', ALLOCSCOPE_SERVICE: 'service',
  ALLOCSCOPE_LABELS: 'labels', ALLOCSCOPE_MODE: 'mode', ALLOCSCOPE_INTERVAL_BYTES: 'interval',
};

/**
 * The continuous options of `run --continuous`: its flags, and for the settings
 * no flag gives, the ALLOCSCOPE_* variables, checked here with the names the
 * user typed, so that a mistake is a usage error rather than a line from the program.
 */
function continuousOptions(o: Record<string, string | boolean>): ContinuousOptions {
  const env = require('../continuous/env') as typeof import('../continuous/env');
  const { checkContinuousOptions } = require('../continuous/options') as typeof import('../continuous/options');
  const flagText = (flag: string): string | undefined => {
    if (o[flag] === undefined) return undefined;
    if (flag === 'out-dir') return path.resolve(String(o[flag]));
    if (flag === 'interval') return String(parseInterval('run', String(o[flag])));
    return String(o[flag]);
  };
  const fromFlags = new Map<EnvVariable, { name: string; text: string }>();
  for (const [variable, flag] of Object.entries(CONTINUOUS_FLAGS) as [EnvVariable, string][]) {
    const text = flagText(flag);
    if (text !== undefined) fromFlags.set(variable, { name: `--${flag}`, text });
  }
  const fromEnv = env.envSource(process.env);
  const read: SettingSource = (variable) => fromFlags.get(variable) ?? fromEnv(variable);
  try {
    env.checkVariableNames(process.env);
    const options = env.continuousOptionsFrom(read);
    checkContinuousOptions(options);
    return options;
  } catch (error) {
    if (!isCodedError(error)) throw error;
    throw usageError(`run: ${error.message.startsWith('allocscope: ') ? error.message.slice('allocscope: '.length) : error.message}`);
  }
}

/** `run --continuous`: the program under continuous profiling, its options passed in the preload's config. */
async function runContinuous(o: Record<string, string | boolean>, program: string[]): Promise<number> {
  for (const name of ['output', 'timeline-period', 'include', 'exclude', 'depth', 'keep-inlining']) {
    if (o[name] !== undefined) throw usageError(`run: option "--${name}" does not apply with --continuous`);
  }
  if (program.length === 0) throw usageError('run: no script given (see allocscope run --help)');
  if (o.push === undefined && o['out-dir'] === undefined) throw usageError('run: --continuous needs --push <url> or --out-dir <dir>');
  const exit = await spawnWithPreload('run', program, { continuous: continuousOptions(o) });
  return exitStatusOf(exit);
}
