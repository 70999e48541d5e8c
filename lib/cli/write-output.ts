// Where a rendered report goes, for report, diff, leaks and stats: checked
// before any work (a missing or read-only directory, a path that is not a
// regular file, bytes or a page meant for a terminal),
// coloured only on a terminal, and written atomically.
import { writeFileAtomic } from '../capture/file';
import { AllocscopeError } from '../core/errors';
import { outputProblem } from '../core/output-target';
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
    const problem = outputProblem(file);
    if (problem) throw new AllocscopeError('ERR_ALLOCSCOPE_OUTPUT', `${command}: cannot write ${file}: ${problem}`);
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
