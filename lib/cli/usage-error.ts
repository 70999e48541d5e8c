import { AllocscopeError } from '../core/errors';

/** A command-line mistake: printed as one line, exit status 2. */
export function usageError(message: string): AllocscopeError {
  return new AllocscopeError('ERR_ALLOCSCOPE_CLI_USAGE', message);
}
