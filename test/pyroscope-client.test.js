'use strict';
// Our Pyroscope push against what Pyroscope's official Node.js client sends.
// @pyroscope/nodejs (a devDependency, pinned) pushes a heap profile to the same
// loopback receiver as continuous mode does (test/continuous-helpers.js, which
// reads a body the way Pyroscope's ingest handler does), each with the same
// service name, auth and tenant, and the two requests are compared field by
// field: method, path, query parameters and their encoding, headers, body form,
// and the pprof's sample types and period.
//
// Where ours differs on purpose, the test says so and checks the difference
// (docs/production.md, "Pyroscope / Grafana", gives the same reasons):
// - name's labels: the client adds otel.scope.*, process.runtime.*; ours are
//   host, thread_id, version and the user's (the service's own series).
// - until: the client rounds the period's end down, ours rounds it up (so
//   [from, until] holds the period); both are whole Unix seconds.
// - user-agent: the client sends fetch's default ("node"), ours "allocscope";
//   Pyroscope does not read it.
// - the pprof's period type: ours is space/bytes, as in Go's heap profiles; the
//   client's is inuse_space/bytes (a side effect of its renaming the sample
//   types), so Pyroscope files the two under different profile type ids.
// - function names in the pprof: the client rewrites them to "<path>:<name>:<line>";
//   ours keep V8's name, with the file and line in pprof's own fields.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { Profile } = require('pprof-format');
const { startReceiver, runNodeAsync } = require('./continuous-helpers');

const CLIENT = require.resolve('@pyroscope/nodejs');
// Its package.json is not in its exports: read from where its entry point (dist/cjs/index.js) lies.
const CLIENT_VERSION = JSON.parse(fs.readFileSync(path.resolve(path.dirname(CLIENT), '..', '..', 'package.json'), 'utf8')).version;
const INTERVAL = 64 * 1024;

/** The two ways a push authenticates; each client is configured the same way for each. */
const AUTH = [
  { name: 'bearer token and tenant', client: { authToken: 'tok-123', tenantID: 'team-a' }, ours: (url) => ({ url, authToken: 'tok-123', tenantId: 'team-a' }) },
  { name: 'basic auth', client: { basicAuthUser: 'user', basicAuthPassword: 's3cret' }, ours: (url) => ({ url: url.replace('http://', 'http://user:s3cret@') }) },
];

const WORKLOAD = `
  const keep = [];
  function clientWorkload() { for (let i = 0; i < 2000; i++) keep.push({ i, s: 'x' + i }); if (keep.length > 200000) keep.length = 0; }
  const work = setInterval(clientWorkload, 2);
`;

/** Runs @pyroscope/nodejs's heap profiling once per AUTH entry until it has pushed; resolves with [t0, t1] per entry. */
async function runOfficialClient(url) {
  const code = `
    ${WORKLOAD}
    const Pyroscope = require(${JSON.stringify(CLIENT)}).default;
    // Counts the client's completed pushes (it sends with the global fetch); the requests are not touched.
    const fetch0 = globalThis.fetch;
    let pushes = 0;
    globalThis.fetch = async (...args) => { const r = await fetch0(...args); pushes++; return r; };
    const configs = ${JSON.stringify(AUTH.map((a) => a.client))};
    (async () => {
      const windows = [];
      for (const auth of configs) {
        const t0 = Date.now();
        Pyroscope.init({ serverAddress: ${JSON.stringify(url)}, appName: 'checkout', flushIntervalMs: 300, heap: { samplingIntervalBytes: ${INTERVAL} }, ...auth });
        Pyroscope.startHeapProfiling();
        const before = pushes;
        const deadline = Date.now() + 30000;
        while (pushes === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        // The client's flush timer queues its round in a setImmediate, and stop() does not
        // cancel a round already queued: one that runs after stop() throws "Heap profiler is
        // not enabled" (seen once, in a loaded Node 26 pass). Stop from an immediate queued in
        // the poll phase (a file-system callback): a round its timer queued in this turn runs
        // before it, and no timer of the client can fire between the two.
        await new Promise((r) => require('node:fs').access('.', () => setImmediate(r)));
        await Pyroscope.stopHeapProfiling();
        windows.push([t0, Date.now()]);
      }
      clearInterval(work);
      console.log(JSON.stringify({ windows, pushes }));
    })();
  `;
  const r = await runNodeAsync({ code });
  assert.equal(r.status, 0, r.stderr);
  return r.json;
}

/** Runs continuous mode (live, the heap in use, as the client's heap profile) once per AUTH entry; one push each. */
async function runOurs(url) {
  const code = `
    ${WORKLOAD}
    const { continuous } = require(process.env.ALLOCSCOPE_DIST);
    const exporters = ${JSON.stringify(AUTH.map((a) => a.ours(url)))};
    (async () => {
      const windows = [];
      for (const http of exporters) {
        const t0 = Date.now();
        const session = continuous.start({ service: 'checkout', mode: 'live', intervalBytes: ${INTERVAL}, periodMs: 600000, flushTimeoutMs: 30000,
          exporters: [{ type: 'http', ...http }] });
        await new Promise((r) => setTimeout(r, 300));
        await session.stop(); // collects the period and waits for its push
        windows.push([t0, Date.now()]);
        if (session.stats().exported !== 1) throw new Error(JSON.stringify(session.stats()));
      }
      clearInterval(work);
      console.log(JSON.stringify({ windows }));
    })();
  `;
  const r = await runNodeAsync({ code });
  assert.equal(r.status, 0, r.stderr);
  return r.json;
}

/** The pprof of a request body as Pyroscope reads it: gzipped or not, then protobuf. */
function pprofOf(body) {
  const gzipped = body[0] === 0x1f && body[1] === 0x8b;
  const p = Profile.decode(gzipped ? zlib.gunzipSync(body) : body);
  const s = p.stringTable.strings;
  return { gzipped, p, s, type: (v) => `${s[Number(v.type)]}/${s[Number(v.unit)]}` };
}

/** Raw value of `key` in a query string, as sent (before decoding). */
const rawParam = (rawQuery, key) => rawQuery.split('&').find((kv) => kv.startsWith(`${key}=`))?.slice(key.length + 1);

test(`our push matches @pyroscope/nodejs ${CLIENT_VERSION}'s heap push field by field`, async () => {
  const theirsReceiver = await startReceiver();
  const oursReceiver = await startReceiver();
  try {
    const theirsRun = await runOfficialClient(theirsReceiver.url);
    const oursRun = await runOurs(oursReceiver.url);
    for (const [receiver, who] of [[theirsReceiver, 'client'], [oursReceiver, 'allocscope']]) {
      const bad = receiver.requests.find((q) => q.error);
      assert.equal(bad, undefined, `the receiver could not read a ${who} push as Pyroscope would: ${bad?.error}`);
    }

    for (const [i, auth] of AUTH.entries()) {
      // The client's pushes for this configuration: the first one (each run pushed at least one).
      const byAuth = (q) => (auth.client.authToken ? q.headers.authorization?.startsWith('Bearer ') : q.headers.authorization?.startsWith('Basic '));
      const theirs = theirsReceiver.requests.find(byAuth);
      const ours = oursReceiver.requests.find(byAuth);
      assert.ok(theirs, `no client push with ${auth.name}`);
      assert.ok(ours, `no allocscope push with ${auth.name}`);
      const what = (field) => `${auth.name}: ${field}`;

      // Request line.
      assert.equal(ours.method, theirs.method, what('method'));
      assert.equal(theirs.method, 'POST');
      assert.equal(ours.path, theirs.path, what('path'));
      assert.equal(theirs.path, '/ingest');

      // Query: the same parameters (the client sends no sampleRate, units or aggregationType for a heap profile: Pyroscope ignores them for pprof).
      assert.deepEqual(Object.keys(ours.query).sort(), Object.keys(theirs.query).sort(), what('query parameters'));
      assert.deepEqual(Object.keys(theirs.query).sort(), ['format', 'from', 'name', 'spyName', 'until']);
      assert.equal(ours.query.format, theirs.query.format, what('format'));
      assert.equal(theirs.query.format, 'pprof');
      assert.equal(ours.query.spyName, theirs.query.spyName, what('spyName'));
      assert.equal(theirs.query.spyName, 'nodespy');
      // from/until: whole Unix seconds within each run's own window.
      for (const [q, [t0, t1], who] of [[theirs, theirsRun.windows[i], 'client'], [ours, oursRun.windows[i], 'allocscope']]) {
        assert.match(q.query.from, /^\d+$/, `${who} from`);
        assert.match(q.query.until, /^\d+$/, `${who} until`);
        const from = Number(q.query.from), until = Number(q.query.until);
        assert.ok(Math.floor(t0 / 1000) <= from && from <= until && until <= Math.ceil(t1 / 1000), `${who}: from ${from} until ${until} outside ${t0}..${t1}`);
      }
      // name: the same application name and syntax (app{k=v,...}), encoded alike; the labels are each client's own.
      assert.equal(ours.app, theirs.app, what('application name'));
      assert.equal(theirs.app, 'checkout');
      assert.deepEqual(Object.keys(theirs.labels).sort(), ['otel.scope.name', 'otel.scope.version', 'process.runtime.name', 'process.runtime.version']);
      assert.deepEqual(Object.keys(ours.labels).sort(), ['host', 'thread_id']);
      for (const q of [theirs, ours]) assert.equal(rawParam(q.rawQuery, 'name'), new URLSearchParams({ name: q.query.name }).toString().slice(5), what('name encoding'));
      assert.match(rawParam(ours.rawQuery, 'name'), /^checkout%7B.*%7D$/);

      // Headers.
      assert.equal(ours.headers['content-type'], theirs.headers['content-type'], what('content-type'));
      assert.equal(theirs.headers['content-type'], 'application/octet-stream');
      assert.equal(ours.headers.authorization, theirs.headers.authorization, what('authorization'));
      assert.equal(ours.headers['x-scope-orgid'], theirs.headers['x-scope-orgid'], what('X-Scope-OrgID'));
      assert.equal(theirs.headers['x-scope-orgid'], auth.client.tenantID);
      for (const q of [theirs, ours]) {
        assert.equal(Number(q.headers['content-length']), q.body.length, what('content-length'));
        assert.equal(q.headers['transfer-encoding'], undefined, what('no chunked body'));
      }
      assert.equal(theirs.headers['user-agent'], 'node'); // fetch's default, not set by the client
      assert.equal(ours.headers['user-agent'], 'allocscope');

      // Body: the gzipped pprof itself, no multipart parts.
      assert.equal(ours.form, theirs.form, what('multipart parts'));
      assert.equal(theirs.form, null);
      const t = pprofOf(theirs.body), o = pprofOf(ours.body);
      assert.equal(o.gzipped, t.gzipped, what('gzip'));
      assert.equal(t.gzipped, true);
      assert.deepEqual(o.p.sampleType.map(o.type), t.p.sampleType.map(t.type), what('sample types'));
      assert.deepEqual(t.p.sampleType.map(t.type), ['inuse_objects/count', 'inuse_space/bytes']);
      // Period type: Go's heap profiles' (and @datadog/pprof's own) space/bytes in ours; the client's renaming of
      // the sample type "space" to "inuse_space" renames the period type too (one shared object), so Pyroscope files
      // its heap as memory:inuse_space:bytes:inuse_space:bytes and ours as memory:inuse_space:bytes:space:bytes, Go's.
      assert.equal(o.type(o.p.periodType), 'space/bytes', what('period type'));
      assert.equal(t.type(t.p.periodType), 'inuse_space/bytes', what('the client\'s period type'));
      assert.equal(Number(o.p.period), Number(t.p.period), what('period (sampling interval)'));
      assert.equal(Number(t.p.period), INTERVAL);
      // Function names: the client folds path and line into the name, ours keep the name and put the file in the function's filename.
      const names = (x) => x.p.function.map((f) => ({ name: x.s[Number(f.name)], file: x.s[Number(f.filename)] }));
      assert.ok(names(t).some((f) => /^.+:clientWorkload:\d+$/.test(f.name)), JSON.stringify(names(t).slice(0, 5)));
      assert.ok(names(o).some((f) => f.name === 'clientWorkload' && f.file.length > 0), JSON.stringify(names(o).slice(0, 5)));
    }
  } finally {
    await theirsReceiver.close();
    await oursReceiver.close();
  }
});
