// Runs a program with the preload: `script.js args…`, or `node [node options]
// script.js args…` (the `-- node …` form). Signals sent to the CLI are passed on
// to the program, and its exit status comes back.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PreloadConfig, PreloadResult } from '../agent/preload';
import { usageError } from './usage-error';

export interface ChildExit {
  status: number | null;
  signal: NodeJS.Signals | null;
}

function isNode(arg: string): boolean {
  return arg === 'node' || arg === process.execPath || path.basename(arg) === 'node';
}

/** node's argv for the program: `nodeOptions` and the preload first, then the program's own node options. */
function nodeArgv(command: string, program: string[], nodeOptions: string[]): string[] {
  const preload = [...nodeOptions, '--require', path.join(__dirname, '..', 'agent', 'preload.js')];
  if (program.length > 0 && isNode(program[0]!)) {
    if (program.length === 1) throw usageError(`${command}: "node" needs a script to run`);
    return [...preload, ...program.slice(1)];
  }
  const script = program[0];
  if (script === undefined) throw usageError(`${command}: no script given (see allocscope ${command} --help)`);
  if (!fs.existsSync(script)) throw usageError(`${command}: no such script "${script}"`);
  return [...preload, ...program];
}

/** The script a program runs (for names and messages). */
export function scriptOf(program: string[]): string {
  const rest = program.length > 0 && isNode(program[0]!) ? program.slice(1) : program;
  return rest.find((a) => !a.startsWith('-')) ?? 'node';
}

/**
 * Runs the program with the preload, which reads `config` from ALLOCSCOPE_PRELOAD.
 * @param nodeOptions node options placed before the program's own (e.g. profilingNodeOptions()).
 */
export function spawnWithPreload(command: string, program: string[], config: PreloadConfig, nodeOptions: string[] = []): Promise<ChildExit> {
  const argv = nodeArgv(command, program, nodeOptions);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: 'inherit', env: { ...process.env, ALLOCSCOPE_PRELOAD: JSON.stringify(config) } });
    const forward = (signal: NodeJS.Signals) => () => { if (child.exitCode === null) child.kill(signal); };
    const handlers = (['SIGINT', 'SIGTERM', 'SIGUSR2', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    child.once('error', (error) => reject(usageError(`${command}: could not run ${scriptOf(program)}: ${error.message}`)));
    child.once('exit', (status, signal) => {
      for (const [s, h] of handlers) process.off(s, h);
      resolve({ status, signal });
    });
  });
}

/** Runs the program and returns the results its preload wrote (or null). */
export async function runWithPreload(command: string, program: string[], config: Omit<PreloadConfig, 'out'>, nodeOptions: string[] = []): Promise<ChildExit & { result: PreloadResult | null }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `allocscope-${command}-`));
  const out = path.join(dir, 'result.json');
  try {
    const exit = await spawnWithPreload(command, program, { ...config, out }, nodeOptions);
    const result = fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, 'utf8')) as PreloadResult) : null;
    if (!result) console.error(`allocscope: ${command}: ${scriptOf(program)} ended (${exit.signal ?? `exit code ${exit.status}`}) before its figures could be written`);
    return { ...exit, result };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The CLI's exit status for a program's exit: its code, or 128 + signal number. */
export function exitStatusOf(exit: ChildExit): number {
  if (exit.status !== null) return exit.status;
  const number = exit.signal ? os.constants.signals[exit.signal] : undefined;
  return number ? 128 + number : 1;
}
