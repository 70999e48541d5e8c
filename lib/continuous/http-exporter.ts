// Pushes profiles to a Pyroscope-compatible ingest endpoint. One request at a
// time, each with a deadline; failures are retried a bounded number of times with
// exponential backoff; waiting profiles sit in a bounded queue that drops the
// oldest. Sockets and timers are unref'd: a slow or dead backend can neither
// block the service nor keep it alive, and memory stays at
// (queueSize + 1) request bodies.
import * as http from 'node:http';
import * as https from 'node:https';
import { resolveOptions } from '../core/options';
import { typeError } from '../core/errors';
import { emptyStats, type Collection, type Exporter, type ExporterStats } from './collection';
import { DropOldestQueue } from './drop-oldest-queue';
import { ingestRequest, type IngestRequest } from './pyroscope-request';

export interface HttpExporterOptions {
  /** Base URL of the backend, e.g. `http://pyroscope:4040` (`/ingest` is appended). `user:password@` becomes basic auth. */
  url: string;
  /** Deadline of one request (connect, send, response), ms. Default 10000. */
  timeoutMs?: number;
  /** Attempts after the first one failed (network error, timeout, 408/429/5xx). Default 2. */
  retries?: number;
  /** Delay before the first retry, ms; doubles each time (with ±20 % jitter), at most 60000. Default 1000. */
  backoffMs?: number;
  /** Profiles waiting to be sent; when full, the oldest is dropped (and counted). Default 8. */
  queueSize?: number;
  /** `Authorization: Bearer <token>` (Grafana Cloud, an authenticating proxy). */
  authToken?: string;
  /** `X-Scope-OrgID` for multi-tenant Pyroscope. */
  tenantId?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** `spyName` query parameter. Default 'nodespy' (what Pyroscope's Node.js client sends). */
  spyName?: string;
}

const DEFAULTS = { url: '', timeoutMs: 10_000, retries: 2, backoffMs: 1000, queueSize: 8, authToken: '', tenantId: '', headers: {} as Record<string, string>, spyName: 'nodespy' };
const SCHEMA = {
  url: { kind: 'any' }, timeoutMs: { kind: 'integer', min: 1, max: 600_000 }, retries: { kind: 'integer', min: 0, max: 100 },
  backoffMs: { kind: 'integer', min: 0, max: 600_000 }, queueSize: { kind: 'integer', min: 1, max: 10_000 },
  authToken: { kind: 'any' }, tenantId: { kind: 'any' }, headers: { kind: 'any' }, spyName: { kind: 'any' },
} as const;
const MAX_BACKOFF_MS = 60_000;
const RETRYABLE = (status: number) => status === 408 || status === 429 || status >= 500;

interface Pending { collection: Collection; attempts: number }

class PushError extends Error {
  constructor(message: string, readonly retryable: boolean) { super(message); }
}

export function checkHttpOptions(where: string, options: unknown): Required<HttpExporterOptions> & { base: URL } {
  const o = resolveOptions(where, options, DEFAULTS, SCHEMA);
  let base: URL;
  try {
    base = new URL(String(o.url));
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `${where} option "url" must be an http:// or https:// URL (e.g. http://pyroscope:4040), got ${JSON.stringify(o.url)}`);
  }
  for (const key of ['authToken', 'tenantId', 'spyName'] as const) {
    if (typeof o[key] !== 'string') throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `${where} option "${key}" must be a string`);
  }
  if (!o.headers || typeof o.headers !== 'object' || Object.values(o.headers).some((v) => typeof v !== 'string')) {
    throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `${where} option "headers" must be an object of string values`);
  }
  return { ...o, url: String(o.url), base };
}

export class HttpExporter implements Exporter {
  readonly name: string;
  readonly #o: ReturnType<typeof checkHttpOptions>;
  readonly #headers: Record<string, string>;
  readonly #queue: DropOldestQueue<Pending>;
  readonly #stats: ExporterStats;
  /** The profile being sent, or waiting out its backoff. */
  #inFlight: Pending | undefined;
  /** A profile whose backoff ended, to be sent before the queue. */
  #retry: Pending | undefined;
  #request: http.ClientRequest | undefined;
  #backoffTimer: NodeJS.Timeout | undefined;
  #closing = false;
  #idle: (() => void) | undefined;

  constructor(options: HttpExporterOptions) {
    this.#o = checkHttpOptions('continuous http exporter', options);
    const base = this.#o.base;
    this.name = `http ${base.origin}`;
    this.#headers = { ...this.#o.headers };
    if (base.username || base.password) {
      this.#headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}`;
      base.username = base.password = '';
    }
    if (this.#o.authToken) this.#headers.authorization = `Bearer ${this.#o.authToken}`;
    if (this.#o.tenantId) this.#headers['x-scope-orgid'] = this.#o.tenantId;
    this.#queue = new DropOldestQueue(this.#o.queueSize);
    this.#stats = emptyStats(this.name);
  }

  export(collection: Collection): void {
    if (this.#closing) return;
    if (this.#queue.push({ collection, attempts: 0 })) this.#stats.drops++;
    this.#pump();
  }

  stats(): ExporterStats {
    return { ...this.#stats, queueLength: this.#queue.length + (this.#inFlight ? 1 : 0) };
  }

  /** Sends what it can before the deadline (keeping the process alive that long), then drops the rest. */
  async close(deadlineMs: number): Promise<void> {
    this.#closing = true;
    if (this.#inFlight || this.#queue.length > 0) {
      // The flush is the one time a push may hold the process: re-ref the socket for at most `deadlineMs`.
      this.#request?.socket?.ref();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadlineMs);
        this.#idle = () => { clearTimeout(timer); resolve(); };
        if (this.#backoffTimer) this.#retryNow(); // one last attempt now rather than after the backoff
      });
    }
    this.#idle = undefined;
    this.#stats.drops += this.#queue.clear();
    if (this.#backoffTimer) clearTimeout(this.#backoffTimer);
    if (this.#request) { this.#request.destroy(new PushError('exporter closed', false)); }
  }

  #retryNow(): void {
    if (this.#backoffTimer) clearTimeout(this.#backoffTimer);
    this.#backoffTimer = undefined;
    this.#retry = this.#inFlight;
    this.#inFlight = undefined;
    this.#pump();
  }

  #pump(): void {
    if (this.#inFlight || this.#backoffTimer) return;
    const next = this.#retry ?? this.#queue.shift();
    this.#retry = undefined;
    if (!next) { this.#idle?.(); return; }
    this.#inFlight = next;
    let request: IngestRequest;
    try {
      request = ingestRequest(this.#o.base, next.collection, this.#o.spyName);
    } catch (error) {
      this.#finish(next, error as Error, false);
      return;
    }
    this.#send(request).then(
      () => {
        this.#stats.exported++;
        this.#stats.bytesExported += request.body.length;
        this.#inFlight = undefined;
        this.#pump();
      },
      (error: PushError) => this.#finish(next, error, error.retryable),
    );
  }

  #finish(item: Pending, error: Error, retryable: boolean): void {
    this.#inFlight = undefined;
    this.#stats.lastError = error.message;
    if (retryable && item.attempts < this.#o.retries && !this.#closing) {
      item.attempts++;
      this.#stats.retries++;
      const delay = Math.min(MAX_BACKOFF_MS, this.#o.backoffMs * 2 ** (item.attempts - 1)) * (0.8 + 0.4 * Math.random());
      // It keeps its place at the head of the line; newer profiles queue behind it.
      this.#inFlight = item;
      this.#backoffTimer = setTimeout(() => this.#retryNow(), delay);
      this.#backoffTimer.unref();
      return;
    }
    this.#stats.failures++;
    this.#pump();
  }

  #send(request: IngestRequest): Promise<void> {
    return new Promise((resolve, reject) => {
      const transport = request.url.protocol === 'https:' ? https : http;
      const req = transport.request(request.url, {
        method: 'POST',
        headers: { ...this.#headers, 'content-type': request.contentType, 'content-length': request.body.length, 'user-agent': 'allocscope' },
        agent: false,
      });
      this.#request = req;
      const deadline = setTimeout(() => req.destroy(new PushError(`no answer within ${this.#o.timeoutMs} ms`, true)), this.#o.timeoutMs);
      deadline.unref();
      req.on('socket', (socket) => { if (!this.#closing) socket.unref(); });
      req.on('error', (error: Error) => {
        clearTimeout(deadline);
        this.#request = undefined;
        reject(error instanceof PushError ? error : new PushError(`${request.url.origin}: ${(error as NodeJS.ErrnoException).code ?? error.message}`, true));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (chunk: Buffer) => { if (kept < 512) { chunks.push(chunk); kept += chunk.length; } });
        res.on('error', () => { /* the request's error handler decides */ });
        res.on('end', () => {
          clearTimeout(deadline);
          this.#request = undefined;
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) { resolve(); return; }
          const text = Buffer.concat(chunks).toString('utf8').slice(0, 200).replace(/\s+/g, ' ').trim();
          reject(new PushError(`${request.url.origin} answered ${status}${text ? `: ${text}` : ''}`, RETRYABLE(status)));
        });
      });
      req.end(request.body);
    });
  }
}
