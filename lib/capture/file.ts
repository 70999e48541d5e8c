// Reading and writing capture files. Writes are atomic (a temp file renamed
// over the target); files over 1 MiB of JSON are gzipped. Readers sniff gzip,
// check the format and version, and fail with one clear, coded error.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { AllocscopeError } from '../core/errors';
import { CAPTURE_FORMAT, CAPTURE_VERSION, type Capture } from './capture';

const GZIP_ABOVE_BYTES = 1 << 20;

/** Writes `data` to `file` atomically: readers see the old file or the new one, never a part. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir)) throw new AllocscopeError('ERR_ALLOCSCOPE_OUTPUT', `cannot write ${file}: directory ${dir} does not exist`);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw new AllocscopeError('ERR_ALLOCSCOPE_OUTPUT', `cannot write ${file}: ${(error as Error).message}`);
  }
}

export function encodeCapture(capture: Capture): Buffer {
  const json = Buffer.from(JSON.stringify(capture));
  return json.length > GZIP_ABOVE_BYTES ? zlib.gzipSync(json, { level: 6 }) : json;
}

export function writeCapture(file: string, capture: Capture): void {
  writeFileAtomic(file, encodeCapture(capture));
}

function decodeCapture(bytes: Buffer, name: string): Capture {
  let text: string;
  try {
    text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? zlib.gunzipSync(bytes) : bytes).toString('utf8');
  } catch {
    throw new AllocscopeError('ERR_ALLOCSCOPE_CAPTURE_CORRUPT', `${name} is not a readable capture (its compressed data is damaged or truncated)`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AllocscopeError('ERR_ALLOCSCOPE_CAPTURE_CORRUPT', `${name} is not a readable capture (not valid JSON: truncated or not an allocscope capture)`);
  }
  const v = value as Partial<Capture> | null;
  if (!v || typeof v !== 'object' || v.format !== CAPTURE_FORMAT) {
    throw new AllocscopeError('ERR_ALLOCSCOPE_CAPTURE_CORRUPT', `${name} is not an allocscope capture`);
  }
  if (v.version !== CAPTURE_VERSION) {
    throw new AllocscopeError('ERR_ALLOCSCOPE_CAPTURE_VERSION', `${name} is a version ${JSON.stringify(v.version)} capture; this allocscope reads version ${CAPTURE_VERSION} (use the allocscope that wrote it)`);
  }
  if (!v.meta || !v.gc || !v.timeline || !Array.isArray(v.spaces)) {
    throw new AllocscopeError('ERR_ALLOCSCOPE_CAPTURE_CORRUPT', `${name} is an incomplete capture (missing sections)`);
  }
  return v as Capture;
}

export function readCapture(file: string): Capture {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AllocscopeError('ERR_ALLOCSCOPE_CAPTURE_NOT_FOUND', code === 'ENOENT' ? `no such capture file: ${file}` : `cannot read ${file}: ${(error as Error).message}`);
  }
  return decodeCapture(bytes, file);
}
