// allocscope's own code: its allocations (profiles being built, series kept)
// are not the program's, and its frames below a scenario are not the scenario's.
import * as path from 'node:path';

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

export function isOwnFile(file: string): boolean {
  return file.startsWith(`${PACKAGE_ROOT}/dist/`) || file.startsWith(`${PACKAGE_ROOT}/lib/`);
}
