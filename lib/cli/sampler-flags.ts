// The sampler's flags for the commands that run a program (--mode, --interval,
// --depth): parsed against the sampler's own defaults and limits
// (lib/sampler/options.ts), so the child's preload takes the values as they are.
import { SAMPLER_DEFAULTS, SAMPLER_SCHEMA, type ResolvedSamplerOptions } from '../sampler/options';
import type { ProfileMode } from '../profile/data';
import { parseByteSize, parseChoice, parseCount, type OptionSpec } from './args';
import { usageError } from './usage-error';

export const SAMPLER_FLAGS = { mode: { type: 'string' }, interval: { type: 'string' }, depth: { type: 'string' } } satisfies Record<string, OptionSpec>;

export type SamplerFlags = Pick<ResolvedSamplerOptions, 'mode' | 'intervalBytes' | 'stackDepth'>;

/** "64k" for 65536: how the help texts write a byte size. */
export function byteSizeText(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024}k` : String(bytes);
}

/** --interval: a byte size ("64k", "1m", "4096") within the sampler's limits. */
export function parseInterval(command: string, text: string): number {
  const value = parseByteSize(command, 'interval', text);
  const { max } = SAMPLER_SCHEMA.intervalBytes;
  if (value > max) throw usageError(`${command}: option "--interval" must be at most ${max} bytes, got "${text}"`);
  return value;
}

/** The modes, the command's default first (as its help lists them). */
function modes(defaultMode: ProfileMode): ProfileMode[] {
  return [defaultMode, ...SAMPLER_SCHEMA.mode.values.filter((m) => m !== defaultMode)];
}

/** @param defaults the command's own where they differ from the sampler's (top defaults to allocated mode; run to live, where it records the peak). */
/** Below this interval the sampler records so many stacks that programs slow down by an order of magnitude or more. */
export const COSTLY_INTERVAL_BYTES = 4096;

export function parseSamplerFlags(command: string, o: Record<string, string | boolean>, defaults: Partial<SamplerFlags> = {}): SamplerFlags {
  const d = { ...SAMPLER_DEFAULTS, ...defaults };
  const { min, max } = SAMPLER_SCHEMA.stackDepth;
  const flags = {
    mode: o.mode === undefined ? d.mode : parseChoice(command, 'mode', String(o.mode), modes(d.mode)),
    intervalBytes: o.interval === undefined ? d.intervalBytes : parseInterval(command, String(o.interval)),
    stackDepth: o.depth === undefined ? d.stackDepth : parseCount(command, 'depth', String(o.depth), min, max),
  };
  if (flags.intervalBytes < COSTLY_INTERVAL_BYTES) {
    // Measured: --interval 1 made a program about 100× slower; say so before it runs.
    console.error(`allocscope: ${command}: --interval ${o.interval} samples about every ${flags.intervalBytes === 1 ? '' : `${flags.intervalBytes} bytes of `}allocation: ` +
      `expect the program to run 10–100× slower (the default, ${byteSizeText(SAMPLER_DEFAULTS.intervalBytes)}, costs ~1 %)`);
  }
  return flags;
}
