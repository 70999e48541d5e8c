// Reading and writing capture files. Writes are atomic (a temp file renamed
// over the target); files over 1 MiB of JSON are gzipped. Readers sniff gzip,
// check the format and version, and fail with one clear, coded error.
// A capture is written as it is encoded, a chunk of JSON at a time (gzipped chunk
// by chunk into one gzip member): at exit, when the agent writes it, the program's
// heap is at its largest, and neither the whole text nor the whole file is held.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { AllocscopeError } from '../core/errors';
import { CAPTURE_FORMAT, CAPTURE_VERSION, type Capture } from './capture';
import { writeJsonChunks } from './json-chunks';
import { specialTargetProblem } from '../core/output-target';
import { NEW_FILE_FLAGS, NEW_FILE_MODE, tempPathBeside } from '../core/temp-file';
import { gunzipCapture, maxCaptureBytes, tooLarge } from './size-limit';
import { captureProblem } from './validate';

const GZIP_ABOVE_BYTES = 1 << 20;
const GZIP_LEVEL = 6;

/**
 * Writes `data` to `file` atomically: readers see the old file or the new one,
 * never a part. `data` may be a function that writes the file through the
 * descriptor it is given (at explicit positions: see FileWriter). `file` must be
 * a regular file or a new path (see output-target.ts); the temporary file is
 * created under an unpredictable name, never through a symlink (temp-file.ts).
 */
export function writeFileAtomic(file: string, data: string | Uint8Array | ((fd: number) => void)): void {
  const target = path.resolve(file);
  const dir = path.dirname(target);
  if (!fs.existsSync(dir)) throw new AllocscopeError('ERR_ALLOCSCOPE_OUTPUT', `cannot write ${file}: directory ${dir} does not exist`);
  const special = specialTargetProblem(target);
  if (special) throw new AllocscopeError('ERR_ALLOCSCOPE_OUTPUT', `cannot write ${file}: ${special}`);
  const tmp = tempPathBeside(target);
  let fd: number | undefined;
  let created = false;
  try {
    fd = fs.openSync(tmp, NEW_FILE_FLAGS, NEW_FILE_MODE);
    created = true;
    if (typeof data === 'function') data(fd);
    else fs.writeFileSync(fd, data);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, target);
  } catch (error) {
    if (fd !== undefined) try { fs.closeSync(fd); } catch { /* already failing */ }
    if (created) fs.rmSync(tmp, { force: true });
    // Errors of the data (JSON.stringify's TypeError) are not the file system's.
    if (!(error as NodeJS.ErrnoException).syscall) throw error;
    throw new AllocscopeError('ERR_ALLOCSCOPE_OUTPUT', `cannot write ${file}: ${(error as Error).message}`);
  }
}

/** The capture file's bytes, in memory (`encodeCapture` and `writeCapture` give the same file). */
export function encodeCapture(capture: Capture): Buffer {
  const parts: Buffer[] = [];
  encodeCaptureTo(capture, (bytes) => parts.push(Buffer.from(bytes)), () => { parts.length = 0; });
  return Buffer.concat(parts);
}

/** Writes the capture to `file` atomically, as it encodes it. */
export function writeCapture(file: string, capture: Capture): void {
  writeFileAtomic(file, (fd) => {
    const out = new FileWriter(fd);
    encodeCaptureTo(capture, (bytes) => out.write(bytes), () => out.restart());
  });
}

const TOO_BIG_FOR_PLAIN = Symbol('over GZIP_ABOVE_BYTES');

/**
 * The capture's JSON (JSON.stringify's text, typed arrays as arrays) to `write`,
 * in chunks: plain while it stays within GZIP_ABOVE_BYTES; once past it,
 * `restart()` drops what was written and the JSON is encoded again, gzipped.
 */
function encodeCaptureTo(capture: Capture, write: (bytes: Uint8Array) => void, restart: () => void): void {
  let bytes = 0;
  try {
    writeJsonChunks(capture, (chunk) => {
      const b = Buffer.from(chunk);
      bytes += b.length;
      if (bytes > GZIP_ABOVE_BYTES) throw TOO_BIG_FOR_PLAIN;
      write(b);
    });
    return;
  } catch (error) {
    if (error !== TOO_BIG_FOR_PLAIN) throw error;
  }
  restart();
  const gzip = new GzipChunks(write);
  writeJsonChunks(capture, (chunk) => gzip.write(Buffer.from(chunk)));
  gzip.end();
}

/** Writes at explicit positions, so that restart() can truncate and start over. */
class FileWriter {
  #position = 0;
  constructor(readonly fd: number) {}

  write(bytes: Uint8Array): void {
    for (let done = 0; done < bytes.length;) {
      done += fs.writeSync(this.fd, bytes, done, bytes.length - done, this.#position + done);
    }
    this.#position += bytes.length;
  }

  restart(): void {
    fs.ftruncateSync(this.fd, 0);
    this.#position = 0;
  }
}

/** zlib.crc32 (Node ≥ 20.15, ≥ 22.2), else the same sum in JavaScript (Node 22.0 and 22.1). */
const crc32: (data: Uint8Array, value: number) => number = zlib.crc32 ?? crc32InJs;
let crcTable: Int32Array | undefined;
function crc32InJs(data: Uint8Array, value: number): number {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let c = ~value;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** gzip header (RFC 1952): deflate, no flags, no mtime, Unix. */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
/** deflate's window: how far back the next block may refer. */
const WINDOW_BYTES = 32 * 1024;
/** Input compressed per zlib call (each call primes its dictionary with the previous window). */
const BLOCK_BYTES = 256 * 1024;

/**
 * One gzip member from blocks compressed one at a time (zlib's sync API has no
 * streaming call): each block is a raw deflate run ended by a sync flush (byte
 * aligned, not final), primed with the last 32 KiB of the input before it as its
 * dictionary, so that it compresses as one stream would (pigz's method); an empty
 * final block, then the CRC-32 and length of the whole.
 */
class GzipChunks {
  #crc = 0;
  #size = 0;
  #window: Buffer | undefined;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  readonly #out: (bytes: Uint8Array) => void;

  constructor(out: (bytes: Uint8Array) => void) {
    this.#out = out;
    out(GZIP_HEADER);
  }

  write(chunk: Buffer): void {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#pendingBytes >= BLOCK_BYTES) this.#deflate();
  }

  #deflate(): void {
    if (this.#pendingBytes === 0) return;
    const block = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#crc = crc32(block, this.#crc);
    this.#size = (this.#size + block.length) >>> 0;
    this.#out(zlib.deflateRawSync(block, { level: GZIP_LEVEL, finishFlush: zlib.constants.Z_SYNC_FLUSH, ...(this.#window ? { dictionary: this.#window } : {}) }));
    // What the next block may refer back to: this block's end, after the previous window when the block is short.
    this.#window = block.length >= WINDOW_BYTES || !this.#window
      ? Buffer.from(block.subarray(block.length - Math.min(block.length, WINDOW_BYTES)))
      : Buffer.concat([this.#window, block]).subarray(-WINDOW_BYTES);
  }

  end(): void {
    this.#deflate();
    this.#out(zlib.deflateRawSync(Buffer.alloc(0), { level: GZIP_LEVEL }));
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.#crc >>> 0, 0);
    trailer.writeUInt32LE(this.#size, 4);
    this.#out(trailer);
  }
}

function decodeCapture(bytes: Buffer, name: string, maxBytes: number): Capture {
  const json = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipCapture(bytes, name, maxBytes) : bytes;
  if (json.length > maxBytes) throw tooLarge(name, maxBytes, 'is');
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch (error) {
    // JSON.parse recurses on nesting: thousands of levels overflow its stack.
    const why = error instanceof RangeError ? 'nested too deeply' : 'not valid JSON: truncated or not an allocscope capture';
    throw new AllocscopeError('ERR_ALLOCSCOPE_CAPTURE_CORRUPT', `${name} is not a readable capture (${why})`);
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
  const problem = captureProblem(v);
  if (problem) throw new AllocscopeError('ERR_ALLOCSCOPE_CAPTURE_CORRUPT', `${name} is a damaged capture: ${problem}`);
  return v as Capture;
}

export interface ReadCaptureOptions {
  /** Most bytes of decoded JSON (gzip inflates up to ~1000×). Default: ALLOCSCOPE_MAX_CAPTURE_BYTES, else 256 MiB. */
  maxBytes?: number;
}

/** Reads and checks a capture file (lib/capture/validate.ts): a damaged or hostile one is one coded error. */
export function readCapture(file: string, options: ReadCaptureOptions = {}): Capture {
  const maxBytes = options.maxBytes ?? maxCaptureBytes();
  let bytes: Buffer;
  try {
    // A file larger than the cap is refused before it is read: its JSON would be at least about as large.
    if (fs.statSync(file).size > maxBytes) throw tooLarge(file, maxBytes, 'is');
    bytes = fs.readFileSync(file);
  } catch (error) {
    if (error instanceof AllocscopeError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new AllocscopeError('ERR_ALLOCSCOPE_CAPTURE_NOT_FOUND', code === 'ENOENT' ? `no such capture file: ${file}` : `cannot read ${file}: ${(error as Error).message}`);
  }
  return decodeCapture(bytes, file, maxBytes);
}
