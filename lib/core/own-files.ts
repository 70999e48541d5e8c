// allocscope's own code (dist/ when installed, lib/ under ts-node or source
// maps): its allocations (profiles being built, series kept, encoding buffers)
// are not the program's, and its frames below a scenario are not the scenario's.
// The one place that says which files those are.
import * as path from 'node:path';

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const OWN_DIRS = ['dist', 'lib'].map((dir) => path.join(PACKAGE_ROOT, dir) + path.sep);

/** Globs for Profile.filter({ exclude }) that match allocscope's own files. */
export function ownFileGlobs(): string[] {
  return OWN_DIRS.map((dir) => `${dir}**`);
}

/** Whether a script (a path, or a file:// URL) is one of allocscope's own files. */
export function isOwnFile(file: string): boolean {
  const p = file.startsWith('file://') ? file.slice(7) : file;
  return OWN_DIRS.some((dir) => p.startsWith(dir));
}
