// Creates a directory and its missing parents one level at a time. Node's
// `mkdirSync(dir, { recursive: true })` loops forever under procfs (/proc/x:
// mkdir fails with ENOENT though /proc exists, so it climbs to /proc and back
// down, again and again); the service must not hang at start on a bad setting.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** More missing levels than any sane output directory has. */
const MAX_MISSING_LEVELS = 64;

/**
 * Makes `dir` (and its missing parents): the nearest existing ancestor must be a
 * directory; each missing level is one plain mkdir. Throws the file system's
 * error (with its `code`) or an Error naming what is wrong.
 */
export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const stat = statOrUndefined(at);
    if (stat) {
      if (!stat.isDirectory()) throw new Error(`${at} is not a directory`);
      break;
    }
    if (missing.length === MAX_MISSING_LEVELS) throw new Error(`more than ${MAX_MISSING_LEVELS} levels of ${dir} are missing`);
    if (path.dirname(at) === at) throw new Error(`${at} does not exist`);
    missing.push(at);
  }
  for (const level of missing.reverse()) {
    try {
      fs.mkdirSync(level);
    } catch (error) {
      // Another process made it meanwhile: fine when it is a directory.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !statOrUndefined(level)?.isDirectory()) throw error;
    }
  }
}

function statOrUndefined(at: string): fs.Stats | undefined {
  try {
    return fs.statSync(at);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
