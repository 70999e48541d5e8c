// What an output path (`run -o`, `report -o`, …) may name: a regular file, which
// is replaced, or nothing yet, in an existing directory we can create files in.
// Anything else (a directory, a symlink, a device, a FIFO) is refused rather than
// replaced by the atomic rename: a device node would become a regular file and a
// link would be replaced instead of written through.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NEW_FILE_FLAGS, NEW_FILE_MODE, tempPathBeside } from './temp-file';

/** Why `file` cannot be written as an output, or undefined if it is not a special file. Cheap: no probe. */
export function specialTargetProblem(file: string): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch {
    return undefined; // nothing there yet (or unreadable: the write will say)
  }
  if (stat.isFile()) return undefined;
  const kind = stat.isDirectory() ? 'a directory' : stat.isSymbolicLink() ? 'a symbolic link'
    : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : stat.isFIFO() ? 'a FIFO' : stat.isSocket() ? 'a socket' : 'not a regular file';
  return `it is ${kind} (an output must be a regular file or a new path)`;
}

/**
 * Why `file` cannot be written as an output, or undefined if it can: checked
 * before any work, by creating (and removing) a temporary file where the
 * output's will be, so that a read-only directory or file system is caught too.
 */
export function outputProblem(file: string): string | undefined {
  const target = path.resolve(file);
  const dir = path.dirname(target);
  let dirStat: fs.Stats;
  try {
    dirStat = fs.statSync(dir);
  } catch {
    return `directory ${dir} does not exist`;
  }
  if (!dirStat.isDirectory()) return `${dir} is not a directory`;
  const special = specialTargetProblem(target);
  if (special) return special;
  const probe = tempPathBeside(target);
  try {
    fs.closeSync(fs.openSync(probe, NEW_FILE_FLAGS, NEW_FILE_MODE));
    fs.rmSync(probe, { force: true });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return `cannot create files in ${dir} (${e.code ?? e.message})`;
  }
  return undefined;
}
