// Runs `node <script> [args…]` with the preload, waits for it, and returns the
// results it wrote and its exit status.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PreloadConfig, PreloadResult } from './preload';
import { usageError } from './usage-error';

export interface ChildOutcome {
  result: PreloadResult | null;
  status: number | null;
  signal: NodeJS.Signals | null;
}

export function runWithPreload(command: string, program: string[], config: Omit<PreloadConfig, 'out'>): ChildOutcome {
  const script = program[0];
  if (script === undefined) throw usageError(`${command}: no script given (see allocscope ${command} --help)`);
  if (!fs.existsSync(script)) throw usageError(`${command}: no such script "${script}"`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `allocscope-${command}-`));
  const out = path.join(dir, 'result.json');
  try {
    const child = spawnSync(process.execPath, ['--require', path.join(__dirname, 'preload.js'), ...program], {
      stdio: 'inherit',
      env: { ...process.env, ALLOCSCOPE_PRELOAD: JSON.stringify({ ...config, out }) },
    });
    if (child.error) throw usageError(`${command}: could not run ${script}: ${child.error.message}`);
    const result = fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, 'utf8')) as PreloadResult) : null;
    if (!result) console.error(`allocscope: ${command}: ${script} ended (${child.signal ?? `exit code ${child.status}`}) before its figures could be written`);
    return { result, status: child.status, signal: child.signal };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
