// Command-line parsing shared by the commands: options come first, then the
// program to run (`--` may separate them); the program's own flags pass through.
import { byteSize } from '../core/byte-size';
import { closest } from '../core/options';
import { usageError } from './usage-error';

export interface OptionSpec {
  type: 'boolean' | 'string';
  short?: string;
}

export interface ParsedArgs {
  options: Record<string, string | boolean>;
  program: string[];
}

/**
 * @param interspersed options may follow positionals (report, diff); otherwise the
 * first positional starts the program and everything after it is the program's.
 */
export function parseArgs(command: string, argv: string[], spec: Record<string, OptionSpec>, interspersed = false): ParsedArgs {
  const options: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  const byShort = new Map(Object.entries(spec).filter(([, s]) => s.short).map(([name, s]) => [s.short!, name]));
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') { i++; break; }
    if (!arg.startsWith('-') || arg === '-') {
      if (!interspersed) break;
      positionals.push(arg);
      continue;
    }
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const name = flag.startsWith('--') ? flag.slice(2) : byShort.get(flag.slice(1));
    const s = name !== undefined ? spec[name] : undefined;
    if (!name || !s) {
      const guess = flag.startsWith('--') ? closest(flag.slice(2), Object.keys(spec)) : undefined;
      throw usageError(`${command}: unknown option "${flag}"${guess ? ` (did you mean "--${guess}"?)` : ''} (see allocscope ${command} --help)`);
    }
    if (s.type === 'boolean') {
      if (inline !== undefined) throw usageError(`${command}: option "--${name}" takes no value`);
      options[name] = true;
    } else {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith('-'))) throw usageError(`${command}: option "--${name}" needs a value`);
      options[name] = value;
    }
  }
  return { options, program: [...positionals, ...argv.slice(i)] };
}

/** "512k", "64KiB", "1m", "4096" → bytes. */
export function parseByteSize(command: string, name: string, text: string): number {
  const value = byteSize(text);
  if (!Number.isInteger(value) || value < 1) throw usageError(`${command}: option "--${name}" must be a whole number of bytes ≥ 1 (e.g. 512k, 64KiB, 1m), got "${text}"`);
  return value;
}

export function parseCount(command: string, name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw usageError(`${command}: option "--${name}" must be an integer from ${min} to ${max}, got "${text}"`);
  return value;
}

export function parseChoice<T extends string>(command: string, name: string, text: string, choices: readonly T[]): T {
  if (!choices.includes(text as T)) throw usageError(`${command}: option "--${name}" must be one of ${choices.join(', ')}, got "${text}"`);
  return text as T;
}
