// Temporary files for atomic writes (written beside the target, then renamed
// over it). The name is unpredictable and the file is created only if nothing
// is there, never through a symlink: in a shared directory, a link planted at
// the temporary name cannot redirect the write to another file.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Write-only, created by this open (EEXIST otherwise, a symlink included), not through a symlink. */
export const NEW_FILE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0);
/** As fs.writeFileSync creates files: 0o666 less the umask (usually 0o644). */
export const NEW_FILE_MODE = 0o666;

/** `<dir>/.<name>.<random>.tmp`, beside `file`. */
export function tempPathBeside(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(8).toString('hex')}.tmp`);
}
