// Where a rendered report goes, for report, diff, leaks and stats: checked
// before any work (a missing directory, bytes or a page meant for a terminal),
// coloured only on a terminal, and written atomically.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../capture/file';
import type { DocumentName, Reporter } from '../reporters/reporter';
import { usageError } from './usage-error';

export interface ReportOutput {
  /** The -o file, or undefined for stdout. */
  readonly file: string | undefined;
  /** ANSI colour: stdout is a terminal and NO_COLOR is unset. */
  readonly color: boolean;
  write(rendered: string | Uint8Array): void;
}

export function reportOutput(command: string, reporter: Reporter<DocumentName>, file: string | undefined): ReportOutput {
  if (file !== undefined) {
    const dir = path.dirname(path.resolve(file));
    if (!fs.existsSync(dir)) throw usageError(`${command}: cannot write ${file}: directory ${dir} does not exist`);
  } else if (reporter.binary) {
    throw usageError(`${command}: --format ${reporter.format} is binary: write it to a file with -o <file>${reporter.extension}`);
  } else if (reporter.needsFile) {
    throw usageError(`${command}: --format ${reporter.format} needs -o <file>${reporter.extension}`);
  }
  return {
    file,
    color: file === undefined && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    write(rendered) {
      if (file !== undefined) writeFileAtomic(file, rendered);
      else if (typeof rendered === 'string') process.stdout.write(rendered);
      else throw usageError(`${command}: --format ${reporter.format} is binary: write it to a file with -o <file>${reporter.extension}`);
    },
  };
}
