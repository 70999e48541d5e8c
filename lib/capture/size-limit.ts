// How large a capture's JSON may be once decoded. A gzip member inflates up to
// ~1000× (a 1.5 MB file of zeros becomes 1.5 GB): without a cap, reading such
// a file takes seconds and gigabytes before it fails. Real captures are a few
// MB (a long live-mode run with memory over time, tens of MB).
import * as zlib from 'node:zlib';
import { byteSize } from '../core/byte-size';
import { AllocscopeError } from '../core/errors';
import { bytes as formatBytes } from '../core/format';

/** The default cap on a capture's decoded JSON. */
export const DEFAULT_MAX_CAPTURE_BYTES = 256 * 1024 * 1024;
/** V8's longest string (2^29 − 24 UTF-16 units): JSON text past it cannot be parsed anyway. */
const LONGEST_STRING = 2 ** 29 - 24;
export const MAX_CAPTURE_BYTES_VARIABLE = 'ALLOCSCOPE_MAX_CAPTURE_BYTES';

/** The cap: `ALLOCSCOPE_MAX_CAPTURE_BYTES` ("512m", "1g", bytes) when set, else the default. */
export function maxCaptureBytes(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[MAX_CAPTURE_BYTES_VARIABLE];
  if (text === undefined || text === '') return DEFAULT_MAX_CAPTURE_BYTES;
  const value = byteSize(text);
  if (!Number.isInteger(value) || value < 1 || value > LONGEST_STRING) {
    throw new AllocscopeError('ERR_ALLOCSCOPE_INVALID_OPTION',
      `${MAX_CAPTURE_BYTES_VARIABLE} must be a byte size from 1 to 512m (e.g. 64m, 512m), got "${text}"`);
  }
  return value;
}

export function tooLarge(name: string, maxBytes: number, what: string): AllocscopeError {
  return new AllocscopeError('ERR_ALLOCSCOPE_CAPTURE_TOO_LARGE',
    `${name} ${what} past the ${formatBytes(maxBytes)} limit of a capture (set ${MAX_CAPTURE_BYTES_VARIABLE} to raise it, e.g. ${MAX_CAPTURE_BYTES_VARIABLE}=512m)`);
}

/** Inflates a gzipped capture, stopping at `maxBytes` of output. */
export function gunzipCapture(bytes: Buffer, name: string, maxBytes: number): Buffer {
  try {
    return zlib.gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(name, maxBytes, 'inflates');
    throw new AllocscopeError('ERR_ALLOCSCOPE_CAPTURE_CORRUPT', `${name} is not a readable capture (its compressed data is damaged or truncated)`);
  }
}
