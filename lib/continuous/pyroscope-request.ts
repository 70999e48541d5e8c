// The request a Pyroscope-compatible backend ingests, in the form Pyroscope's
// official Node.js client (@pyroscope/nodejs 0.6) sends: POST /ingest with the
// name, labels and time range in the query, `format=pprof`, and the gzipped pprof
// itself as the body (application/octet-stream). test/pyroscope-client.test.js
// compares this request with that client's, field by field.
//
// Not multipart: Pyroscope's ingest handler takes `format=pprof` to mean that the
// body IS the pprof (it checks the query's format before the content type), so a
// multipart body with `format=pprof` is parsed as a broken pprof and refused. A
// multipart body (`profile` and `sample_type_config` parts) is Pyroscope's Go
// client's form, sent without `format`; its sample_type_config is not needed
// here: Pyroscope 1.x names and types a pprof by its sample types alone.
import type { Collection } from './collection';
import { pyroscopeName } from './labels';

export interface IngestRequest {
  /** The backend's base URL with `/ingest` and the query. */
  url: URL;
  contentType: string;
  body: Uint8Array;
}

export function ingestRequest(base: URL, collection: Collection, spyName: string): IngestRequest {
  const url = new URL(base.href);
  if (!url.pathname.endsWith('/ingest')) url.pathname = `${url.pathname.replace(/\/+$/, '')}/ingest`;
  const from = Math.floor(collection.fromMs / 1000);
  url.searchParams.set('format', 'pprof');
  url.searchParams.set('from', String(from));
  url.searchParams.set('name', pyroscopeName(collection.labels));
  url.searchParams.set('spyName', spyName);
  // Rounded up (the Node.js client rounds down): [from, until] then holds the whole period.
  url.searchParams.set('until', String(Math.max(from, Math.ceil(collection.untilMs / 1000))));
  return { url, contentType: 'application/octet-stream', body: collection.pprof };
}
