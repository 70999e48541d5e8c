// The request a Pyroscope-compatible backend ingests: POST /ingest with the
// name, labels and time range in the query, and a multipart/form-data body with
// the gzipped pprof in a `profile` part and a `sample_type_config` part saying
// what the sample types are (per-period allocations are deltas, not cumulative;
// in-use figures are averaged over time, as Pyroscope's Go client declares them).
import { randomBytes } from 'node:crypto';
import type { Collection } from './collection';
import { pyroscopeName } from './labels';

const SAMPLE_TYPE_CONFIG: Record<string, { units: string; aggregation?: string; cumulative: boolean }> = {
  alloc_objects: { units: 'objects', cumulative: false },
  alloc_space: { units: 'bytes', cumulative: false },
  inuse_objects: { units: 'objects', aggregation: 'average', cumulative: false },
  inuse_space: { units: 'bytes', aggregation: 'average', cumulative: false },
};

export interface IngestRequest {
  /** Path and query, relative to the backend's base URL. */
  url: URL;
  contentType: string;
  body: Buffer;
}

export function ingestRequest(base: URL, collection: Collection, spyName: string): IngestRequest {
  const url = new URL(base.href);
  if (!url.pathname.endsWith('/ingest')) url.pathname = `${url.pathname.replace(/\/+$/, '')}/ingest`;
  url.searchParams.set('name', pyroscopeName(collection.labels));
  url.searchParams.set('from', String(Math.floor(collection.fromMs / 1000)));
  url.searchParams.set('until', String(Math.max(Math.floor(collection.fromMs / 1000), Math.ceil(collection.untilMs / 1000))));
  url.searchParams.set('format', 'pprof');
  url.searchParams.set('spyName', spyName);
  const config = Object.fromEntries(collection.sampleTypes.map((t) => [t.type, SAMPLE_TYPE_CONFIG[t.type]]));
  const boundary = `----allocscope${randomBytes(12).toString('hex')}`;
  const part = (name: string, contentType: string, data: Uint8Array) => [
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\nContent-Type: ${contentType}\r\n\r\n`),
    data,
    Buffer.from('\r\n'),
  ];
  const body = Buffer.concat([
    ...part('profile', 'application/octet-stream', collection.pprof),
    ...part('sample_type_config', 'application/json', Buffer.from(JSON.stringify(config))),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
  return { url, contentType: `multipart/form-data; boundary=${boundary}`, body };
}
