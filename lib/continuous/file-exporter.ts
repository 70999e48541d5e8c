// Writes each collection as `<prefix>-<time>-t<thread>-<seq>.pb.gz` (and
// `.allocscope` with `capture: true`) into a directory, atomically (a temp file
// renamed into place), and deletes the oldest of its files beyond `maxFiles` or
// `maxBytes`. Writes are asynchronous and one at a time; if the disk is slower
// than the periods, waiting collections are bounded and the oldest dropped.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AllocscopeError, typeError } from '../core/errors';
import { resolveOptions } from '../core/options';
import { emptyStats, type Collection, type Exporter, type ExporterStats } from './collection';
import { DropOldestQueue } from './drop-oldest-queue';
import { sanitizeServiceName } from './labels';

export interface FileExporterOptions {
  /** Directory for the files; created if missing. */
  dir: string;
  /** Most files kept (profiles and captures each count); the oldest go first. Default 100. */
  maxFiles?: number;
  /** Most bytes kept over all files. Default 268435456 (256 MiB). */
  maxBytes?: number;
  /** Also write a capture (`.allocscope`, for `allocscope report`) of each main-thread period. Default false. */
  capture?: boolean;
  /** File name prefix. Default: the service name. */
  prefix?: string;
}

const DEFAULTS = { dir: '', maxFiles: 100, maxBytes: 256 * 1024 * 1024, capture: false, prefix: '' };
const SCHEMA = {
  dir: { kind: 'any' }, maxFiles: { kind: 'integer', min: 1, max: 1_000_000 }, maxBytes: { kind: 'integer', min: 1, max: 2 ** 50 },
  capture: { kind: 'boolean' }, prefix: { kind: 'any' },
} as const;
/** Collections waiting for the disk. */
const MAX_PENDING = 4;
const STAMP = /-(\d{8}T\d{6}\.\d{3}Z)-t\d+(?:-peak)?-\d+\.(?:pb\.gz|allocscope)$/;

interface Kept { name: string; bytes: number }

export function checkFileOptions(where: string, options: unknown, service: string): Required<FileExporterOptions> {
  const o = resolveOptions(where, options, DEFAULTS, SCHEMA);
  if (typeof o.dir !== 'string' || o.dir.length === 0) throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `${where} option "dir" must be a directory path, got ${JSON.stringify(o.dir)}`);
  if (typeof o.prefix !== 'string') throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `${where} option "prefix" must be a string`);
  return { ...o, dir: path.resolve(o.dir), prefix: sanitizeServiceName(o.prefix || service).replace(/\//g, '_') };
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '');
}

export class FileExporter implements Exporter {
  readonly name: string;
  readonly options: Required<FileExporterOptions>;
  readonly #stats: ExporterStats;
  readonly #queue = new DropOldestQueue<Collection>(MAX_PENDING);
  /** Our files in the directory, oldest first. */
  #kept: Kept[] = [];
  #keptBytes = 0;
  #seq = 0;
  #writing: Promise<void> | undefined;

  constructor(options: FileExporterOptions, service: string) {
    this.options = checkFileOptions('continuous file exporter', options, service);
    const { dir } = this.options;
    this.name = `file ${dir}`;
    this.#stats = emptyStats(this.name);
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.accessSync(dir, fs.constants.W_OK);
      if (!fs.statSync(dir).isDirectory()) throw new Error('not a directory');
    } catch (error) {
      throw new AllocscopeError('ERR_ALLOCSCOPE_OUTPUT', `continuous file exporter: cannot write to directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    this.#seedKept();
  }

  export(collection: Collection): void {
    if (this.#queue.push(collection)) this.#stats.drops++;
    if (!this.#writing) this.#writing = this.#drain().finally(() => { this.#writing = undefined; });
  }

  stats(): ExporterStats {
    return { ...this.#stats, queueLength: this.#queue.length + (this.#writing ? 1 : 0) };
  }

  async close(deadlineMs: number): Promise<void> {
    if (!this.#writing) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#writing, new Promise<void>((resolve) => { timer = setTimeout(resolve, deadlineMs); })]);
    clearTimeout(timer);
    this.#stats.drops += this.#queue.clear();
  }

  /** Files a previous run left count against the limits too (oldest first by their time stamp). */
  #seedKept(): void {
    const { dir, prefix } = this.options;
    for (const name of fs.readdirSync(dir)) {
      if (!name.startsWith(`${prefix}-`) || !STAMP.test(name)) continue;
      try { this.#kept.push({ name, bytes: fs.statSync(path.join(dir, name)).size }); } catch { /* gone meanwhile */ }
    }
    this.#kept.sort((a, b) => (STAMP.exec(a.name)![1]! < STAMP.exec(b.name)![1]! ? -1 : 1));
    this.#keptBytes = this.#kept.reduce((sum, k) => sum + k.bytes, 0);
  }

  async #drain(): Promise<void> {
    for (let c = this.#queue.shift(); c; c = this.#queue.shift()) {
      // A period's high-water mark (labels.moment = 'peak') sits beside the period's profile.
      const base = `${this.options.prefix}-${stamp(c.untilMs)}-t${c.threadId}${c.peak ? '-peak' : ''}-${++this.#seq}`;
      try {
        await this.#write(`${base}.pb.gz`, c.pprof);
        if (c.capture && this.options.capture) await this.#write(`${base}.allocscope`, c.capture);
        this.#stats.exported++;
      } catch (error) {
        this.#stats.failures++;
        this.#stats.lastError = (error as Error).message;
      }
      await this.#rotate();
    }
  }

  async #write(name: string, data: Uint8Array): Promise<void> {
    const file = path.join(this.options.dir, name);
    const tmp = path.join(this.options.dir, `.${name}.${process.pid}.tmp`);
    try {
      await fs.promises.writeFile(tmp, data);
      await fs.promises.rename(tmp, file);
    } catch (error) {
      await fs.promises.rm(tmp, { force: true }).catch(() => {});
      throw new Error(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    this.#kept.push({ name, bytes: data.length });
    this.#keptBytes += data.length;
    this.#stats.bytesExported += data.length;
  }

  async #rotate(): Promise<void> {
    const { maxFiles, maxBytes, dir } = this.options;
    while (this.#kept.length > maxFiles || (this.#keptBytes > maxBytes && this.#kept.length > 1)) {
      const oldest = this.#kept.shift()!;
      this.#keptBytes -= oldest.bytes;
      await fs.promises.rm(path.join(dir, oldest.name), { force: true }).catch(() => {});
    }
  }
}
