// Errors with stable codes. Misuse is a TypeError/RangeError naming the option
// and what it expected; lifecycle misuse is an AllocscopeError.

export type ErrorCode =
  | 'ERR_ALLOCSCOPE_INVALID_OPTION'
  | 'ERR_ALLOCSCOPE_ADDON_OUTDATED'
  | 'ERR_ALLOCSCOPE_UNKNOWN_OPTION'
  | 'ERR_ALLOCSCOPE_INVALID_ARGUMENT'
  | 'ERR_ALLOCSCOPE_ALREADY_STARTED'
  | 'ERR_ALLOCSCOPE_NOT_STARTED'
  | 'ERR_ALLOCSCOPE_SAMPLER_BUSY'
  | 'ERR_ALLOCSCOPE_SAMPLER_LOST'
  | 'ERR_ALLOCSCOPE_CLI_USAGE'
  | 'ERR_ALLOCSCOPE_OUTPUT'
  | 'ERR_ALLOCSCOPE_CAPTURE_NOT_FOUND'
  | 'ERR_ALLOCSCOPE_CAPTURE_CORRUPT'
  | 'ERR_ALLOCSCOPE_CAPTURE_VERSION'
  | 'ERR_ALLOCSCOPE_CAPTURE_TOO_LARGE'
  | 'ERR_ALLOCSCOPE_UNSUPPORTED'
  | 'ERR_ALLOCSCOPE_DOUBLE_RELEASE'
  | 'ERR_ALLOCSCOPE_LIMIT_EXCEEDED'
  | 'ERR_ALLOCSCOPE_BENCH_FILE'
  | 'ERR_ALLOCSCOPE_ALREADY_REGISTERED'
  | 'ERR_ALLOCSCOPE_SCENARIO_FAILED'
  | 'ERR_ALLOCSCOPE_SCENARIO_TIMEOUT'
  | 'ERR_ALLOCSCOPE_SCENARIO_UNSETTLED'
  | 'ERR_ALLOCSCOPE_NO_SCENARIO';

export interface CodedError extends Error {
  code: ErrorCode;
}

function withCode<E extends Error>(error: E, code: ErrorCode): E & CodedError {
  return Object.assign(error, { code });
}

export function typeError(code: ErrorCode, message: string): TypeError & CodedError {
  return withCode(new TypeError(`allocscope: ${message}`), code);
}

export class AllocscopeError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(`allocscope: ${message}`);
    this.name = 'AllocscopeError';
    this.code = code;
  }
}

export function isCodedError(value: unknown): value is CodedError {
  return value instanceof Error && typeof (value as Partial<CodedError>).code === 'string' &&
    (value as CodedError).code.startsWith('ERR_ALLOCSCOPE_');
}
