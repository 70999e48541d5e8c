'use strict';
// metrics.register(): values against the library's own figures and independent
// ground truth, lifecycle (twice, unregister, multiple registries), options and
// their errors, worker threads, and the continuous/leak-watch sources.
// Each test runs in a fresh child so that GC tracking and pools never leak between tests.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNodeJson } = require('./helpers');

const PRELUDE = `
  const a = require(process.env.ALLOCSCOPE_DIST);
  const { Registry, Gauge } = require('prom-client');
  const v8 = require('node:v8');
  const out = (v) => console.log(JSON.stringify(v));
  const codeOf = (fn) => { try { fn(); return null; } catch (e) { return { code: e.code, name: e.name, message: e.message }; } };
  function churn(n) { let keep = []; for (let i = 0; i < n; i++) { keep.push({ i }); if (keep.length > 20000) keep = []; } return keep.length; }
  // Samples of a registry as [{ name, labels, value }] (one scrape).
  async function scrape(registry) {
    const families = await registry.getMetricsAsJSON();
    return families.flatMap((f) => f.values.map((v) => ({ family: f.name, name: v.metricName || f.name, labels: v.labels, value: v.value })));
  }
  const pick = (samples, name, labels = {}) => samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => String(s.labels[k]) === String(v)));
  const value = (samples, name, labels) => { const m = pick(samples, name, labels); if (m.length !== 1) throw new Error(name + ' ' + JSON.stringify(labels) + ': ' + m.length + ' samples'); return m[0].value; };
`;

test('GC figures equal the tracker\'s, and the histogram buckets equal counts of gc.events() pauses', () => {
  const { json } = runNodeJson({ code: `${PRELUDE}
    (async () => {
      const registry = new Registry();
      a.metrics.register(registry);
      for (let i = 0; i < 5; i++) { churn(3e5); global.gc(); }
      const before = a.gc.summary();
      const s = await scrape(registry);
      const after = a.gc.summary();
      const events = a.gc.events(); // the ring buffer holds every GC since register() started tracking
      const scraped = {};
      for (const c of pick(s, 'allocscope_gc_pause_seconds_count')) scraped[c.labels.type] = c.value;
      const total = Object.values(scraped).reduce((x, y) => x + y, 0);
      // The first \`total\` events are exactly the GCs the scrape counted (records and counters are written together).
      const counted = events.filter((e) => e.seq < total);
      const bounds = pick(s, 'allocscope_gc_pause_seconds_bucket').filter((b) => b.labels.le !== '+Inf').map((b) => b.labels.le);
      const mismatches = [];
      for (const type of Object.keys(scraped)) {
        const mine = counted.filter((e) => e.type === type);
        for (const le of new Set(bounds)) {
          const expected = mine.filter((e) => e.pauseNs < Number(le) * 1e9 + 0.5).length;
          const got = value(s, 'allocscope_gc_pause_seconds_bucket', { type, le });
          if (expected !== got) mismatches.push({ type, le, expected, got });
        }
        const sumNs = mine.reduce((x, e) => x + e.pauseNs, 0);
        if (Math.abs(value(s, 'allocscope_gc_pause_seconds_sum', { type }) * 1e9 - sumNs) > 1) mismatches.push({ type, sum: true });
        if (value(s, 'allocscope_gc_pause_seconds_bucket', { type, le: '+Inf' }) !== mine.length) mismatches.push({ type, inf: true });
      }
      out({
        total, before: before.count, after: after.count, eventCount: counted.length, dropped: after.droppedEvents, mismatches,
        types: Object.keys(scraped), distinctBounds: new Set(bounds).size,
        markSweep: scraped.markSweepCompact, markSweepBefore: before.byType.markSweepCompact.count,
        gcTime: value(s, 'allocscope_gc_time_seconds_total', { thread_id: 0 }), gcTimeBefore: before.gcTimeMs / 1e3, gcTimeAfter: after.gcTimeMs / 1e3,
        freed: value(s, 'allocscope_gc_freed_bytes_total', { type: 'markSweepCompact' }), freedBefore: before.byType.markSweepCompact.freedBytes, freedAfter: after.byType.markSweepCompact.freedBytes,
        ratio: value(s, 'allocscope_gc_time_ratio', {}),
      });
    })();
  `, nodeArgs: ['--expose-gc'] });
  assert.ok(json.total >= json.before && json.total <= json.after, `scraped ${json.total} not within [${json.before}, ${json.after}]`);
  assert.ok(json.total >= 5, `GCs counted: ${json.total}`);
  assert.equal(json.dropped, 0);
  assert.equal(json.eventCount, json.total);
  assert.deepEqual(json.mismatches, []);
  assert.equal(json.distinctBounds, 17);
  assert.ok(json.types.includes('scavenge') && json.types.includes('markSweepCompact'), json.types.join());
  assert.ok(json.markSweep >= json.markSweepBefore && json.markSweep >= 5);
  assert.ok(json.gcTime >= json.gcTimeBefore - 1e-9 && json.gcTime <= json.gcTimeAfter + 1e-9);
  assert.ok(json.freed >= json.freedBefore && json.freed <= json.freedAfter);
  assert.ok(json.ratio > 0 && json.ratio < 1, `ratio ${json.ratio}`);
});

test('heap figures match v8.getHeapSpaceStatistics()/getHeapStatistics() taken around the scrape (within 1 %)', () => {
  const { json } = runNodeJson({ code: `${PRELUDE}
    (async () => {
      const registry = new Registry();
      a.metrics.register(registry);
      const keep = []; for (let i = 0; i < 2e5; i++) keep.push({ i }); // a populated old space
      const ab = new ArrayBuffer(8 << 20);
      // A GC inside the scrape (an await: timers run) moves the figures outside the two
      // readings around it (a loaded CI machine: code_space read 137 KiB between 246 and
      // 241 KiB): such an attempt is taken again (up to 5). GCs are counted by the tracker
      // register() holds, whose counters its GC callbacks write at once (perf_hooks'
      // entries arrive later: a fixed 30 ms wait for them could be outlasted under load).
      const gcs = () => a.gc.summary().count;
      // The first scrape compiles prom-client's code and ours (on V8's background threads
      // too), and the heap's total rises and falls again inside it: V8 counts allocation
      // areas as used while they are handed out. Measured with both cores busy on Node 24:
      // 30 of 120 first scrapes read outside the two readings around them, up to 426 KB;
      // later scrapes 3 of 280, up to 125 KB. A CI run failed the total on a first scrape
      // while every space was within. The readings are of a second scrape.
      await scrape(registry);
      let spacesBefore, heapBefore, s, spacesAfter, heapAfter;
      for (let attempt = 0; attempt < 5; attempt++) {
        const gcs0 = gcs();
        spacesBefore = v8.getHeapSpaceStatistics();
        heapBefore = v8.getHeapStatistics();
        s = await scrape(registry);
        spacesAfter = v8.getHeapSpaceStatistics();
        heapAfter = v8.getHeapStatistics();
        if (gcs() === gcs0) break;
      }
      const within = (x, lo, hi, slack = 0) => x >= Math.min(lo, hi) * 0.99 - slack && x <= Math.max(lo, hi) * 1.01 + slack;
      const bad = [];
      for (const b of spacesBefore) {
        const af = spacesAfter.find((x) => x.space_name === b.space_name);
        const labels = { thread_id: 0, space: b.space_name };
        for (const [name, field] of [['used', 'space_used_size'], ['committed', 'space_size'], ['available', 'space_available_size']]) {
          const got = value(s, 'allocscope_heap_space_' + name + '_bytes', labels);
          // Available bytes jump as V8 hands out and returns linear allocation areas (up to
          // ~256 KiB at a time), between any two readings: a slack, not a percentage. The
          // scrape's own objects land in new space before its reading (~40 KiB; more under
          // ASan), and a scavenge may follow within the scrape: a slack there too.
          const slack = name === 'available' ? 256 * 1024 : name === 'used' && b.space_name === 'new_space' ? 128 * 1024 : 0;
          if (!within(got, b[field], af[field], slack)) bad.push({ space: b.space_name, name, got, before: b[field], after: af[field] });
        }
      }
      const ext = value(s, 'allocscope_external_memory_bytes', { thread_id: 0 });
      const used = value(s, 'allocscope_heap_used_bytes', { thread_id: 0 });
      const committed = value(s, 'allocscope_heap_committed_bytes', { thread_id: 0 });
      out({ bad, spaces: spacesBefore.length,
        ext, extOk: within(ext, heapBefore.external_memory, heapAfter.external_memory),
        used, usedBefore: heapBefore.used_heap_size, usedAfter: heapAfter.used_heap_size,
        usedOk: within(used, heapBefore.used_heap_size, heapAfter.used_heap_size, 128 * 1024), // the scrape's own objects, as for new_space
        committedOk: within(committed, heapBefore.total_heap_size, heapAfter.total_heap_size),
        limit: value(s, 'allocscope_heap_limit_bytes', { thread_id: 0 }), limitV8: heapBefore.heap_size_limit,
        frag: value(s, 'allocscope_heap_fragmentation_ratio', { thread_id: 0 }),
        fragExpected: 1 - spacesBefore.reduce((x, y) => x + y.space_used_size, 0) / spacesBefore.reduce((x, y) => x + y.space_size, 0),
        keep: keep.length, ab: ab.byteLength });
    })();
  ` });
  assert.deepEqual(json.bad, []);
  assert.ok(json.spaces >= 5);
  assert.ok(json.ext >= 8 << 20, `external ${json.ext}`);
  assert.ok(json.extOk && json.usedOk && json.committedOk, JSON.stringify(json));
  assert.equal(json.limit, json.limitV8);
  assert.ok(Math.abs(json.frag - json.fragExpected) < 0.01, `fragmentation ${json.frag} vs ${json.fragExpected}`);
});

test('malloc, pool and size-class figures equal malloc.stats() and pools.stats()', () => {
  const { json } = runNodeJson({ code: `${PRELUDE}
    (async () => {
      const registry = new Registry();
      a.metrics.register(registry, { mallocMaxAgeMs: 600000 });
      const buf = a.pools.create('buf', { sizeClasses: [64, 1024, 4096] });
      const held = []; for (let i = 0; i < 30; i++) held.push(buf.alloc(i % 3 === 0 ? 50 : i % 3 === 1 ? 1000 : 3000));
      for (const b of held.splice(0, 10)) buf.release(b);
      const objects = a.pools.objectPool('objs', { create: () => ({}), capacity: 8 });
      const o1 = objects.acquire(), o2 = objects.acquire(); objects.release(o1);
      a.pools.track('tracked', { inUse: () => 5, idle: () => 2, capacity: 9 });
      const s = await scrape(registry);
      const m = a.malloc.stats({ maxAgeMs: 600000 }); // the same cached reading the scrape used
      const st = a.pools.stats();
      const b = st.find((p) => p.name === 'buf'), ob = st.find((p) => p.name === 'objs'), tr = st.find((p) => p.name === 'tracked');
      const L = (pool, kind) => ({ thread_id: 0, pool, kind });
      const classes = b.classes.filter((c) => c.allocs > 0).map((c) => ({
        blockBytes: c.blockBytes,
        inUse: [value(s, 'allocscope_pool_class_in_use_blocks', { pool: 'buf', block_bytes: c.blockBytes }), c.blocksInUse],
        blocks: [value(s, 'allocscope_pool_class_blocks', { pool: 'buf', block_bytes: c.blockBytes }), c.blocksTotal],
        requested: [value(s, 'allocscope_pool_class_requested_bytes', { pool: 'buf', block_bytes: c.blockBytes }), c.requestedBytes],
        allocations: [value(s, 'allocscope_pool_class_allocations_total', { pool: 'buf', block_bytes: c.blockBytes }), c.allocs],
      }));
      out({
        allocator: m.allocator,
        allocated: m.glibc ? [value(s, 'allocscope_malloc_allocated_bytes', { allocator: 'glibc' }), m.glibc.inUseBytes + m.glibc.mmappedBytes] : null,
        free: m.glibc ? [value(s, 'allocscope_malloc_free_bytes', { allocator: 'glibc' }), m.glibc.freeBytes] : null,
        footprint: m.glibc ? [value(s, 'allocscope_malloc_footprint_bytes', { allocator: 'glibc' }), m.glibc.arenaBytes + m.glibc.mmappedBytes] : null,
        frag: m.glibc ? [value(s, 'allocscope_malloc_fragmentation_ratio', { allocator: 'glibc' }), m.glibc.freeBytes / m.glibc.arenaBytes] : null,
        bufAcquires: [value(s, 'allocscope_pool_acquires_total', L('buf', 'buffer')), b.acquires],
        bufInUse: [value(s, 'allocscope_pool_in_use_objects', L('buf', 'buffer')), b.inUse],
        bufSlab: [value(s, 'allocscope_pool_slab_bytes', L('buf', 'buffer')), b.slabBytesTotal],
        classes, classSeries: pick(s, 'allocscope_pool_class_in_use_blocks', { pool: 'buf' }).length,
        objAcquires: [value(s, 'allocscope_pool_acquires_total', L('objs', 'object')), ob.acquires],
        objHits: [value(s, 'allocscope_pool_hits_total', L('objs', 'object')), ob.hits],
        objMisses: [value(s, 'allocscope_pool_misses_total', L('objs', 'object')), ob.misses],
        objIdle: [value(s, 'allocscope_pool_idle_objects', L('objs', 'object')), ob.idle],
        objCapacity: [value(s, 'allocscope_pool_capacity_objects', L('objs', 'object')), ob.capacity],
        objRecommended: [value(s, 'allocscope_pool_recommended_capacity_objects', L('objs', 'object')), ob.recommendation.capacity],
        trInUse: [value(s, 'allocscope_pool_in_use_objects', L('tracked', 'tracked')), tr.inUse],
        trIdle: [value(s, 'allocscope_pool_idle_objects', L('tracked', 'tracked')), 2],
        trHits: pick(s, 'allocscope_pool_hits_total', { pool: 'tracked' }).length,
        omitted: value(s, 'allocscope_metrics_pools_omitted', { thread_id: 0 }),
        held: held.length + (o2 ? 1 : 0),
      });
    })();
  ` });
  if (json.allocator === 'glibc') {
    for (const key of ['allocated', 'free', 'footprint']) assert.equal(json[key][0], json[key][1], key);
    assert.ok(Math.abs(json.frag[0] - json.frag[1]) < 1e-12);
  }
  for (const key of ['bufAcquires', 'bufInUse', 'bufSlab', 'objAcquires', 'objHits', 'objMisses', 'objIdle', 'objCapacity', 'objRecommended', 'trInUse', 'trIdle']) {
    assert.equal(json[key][0], json[key][1], key);
  }
  assert.deepEqual(json.bufInUse, [20, 20]);
  assert.equal(json.classes.length, 3);
  assert.equal(json.classSeries, 3);
  for (const c of json.classes) for (const key of ['inUse', 'blocks', 'requested', 'allocations']) assert.equal(c[key][0], c[key][1], `${c.blockBytes} ${key}`);
  assert.equal(json.trHits, 0, 'a pool that does not report hits has no hit series');
  assert.equal(json.omitted, 0);
});

test('register twice, name clashes, bad registry and bad options fail with codes; unregister is clean', () => {
  const { json } = runNodeJson({ code: `${PRELUDE}
    (async () => {
      const r = {};
      const registry = new Registry();
      const first = a.metrics.register(registry);
      r.gcStarted = a.gc.running;
      r.twice = codeOf(() => a.metrics.register(registry));
      const clash = new Registry();
      new Gauge({ name: 'allocscope_heap_used_bytes', help: 'not ours', registers: [clash] });
      r.clash = codeOf(() => a.metrics.register(clash));
      r.clashKept = (await clash.getMetricsAsJSON()).length;
      r.notRegistry = codeOf(() => a.metrics.register({}));
      r.nothing = codeOf(() => a.metrics.register());
      r.misspelled = codeOf(() => a.metrics.register(new Registry(), { mallocMaxAge: 5 }));
      r.badValue = codeOf(() => a.metrics.register(new Registry(), { maxWorkers: -1 }));
      r.badType = codeOf(() => a.metrics.register(new Registry(), { gc: 'yes' }));
      r.notObject = codeOf(() => a.metrics.register(new Registry(), 5));
      r.workerOnMain = codeOf(() => a.metrics.reportToMainThread());
      r.workerBadOption = codeOf(() => a.metrics.reportToMainThread({ intervalMs: 1 }));
      r.unregisterBad = codeOf(() => a.metrics.unregister(null));
      // A user metric added beside ours survives our unregister.
      new Gauge({ name: 'app_things', help: 'user metric', registers: [registry] });
      r.namesBefore = (await registry.getMetricsAsJSON()).length;
      r.unregister = first.unregister();
      r.unregisterAgain = first.unregister();
      r.viaRegistry = a.metrics.unregister(registry);
      r.namesAfter = (await registry.getMetricsAsJSON()).map((m) => m.name);
      r.gcAfter = a.gc.running;
      const second = a.metrics.register(registry);
      r.reRegister = (await scrape(registry)).some((s) => s.name === 'allocscope_heap_used_bytes');
      second[Symbol.dispose]();
      r.disposed = (await registry.getMetricsAsJSON()).length;
      // GC tracking started by the user stays running after unregister.
      a.gc.start();
      a.metrics.register(registry).unregister();
      r.userGcKept = a.gc.running;
      r.families = a.metrics.families.length;
      out(r);
    })();
  ` });
  assert.equal(json.gcStarted, true);
  assert.equal(json.twice.code, 'ERR_ALLOCSCOPE_ALREADY_REGISTERED');
  assert.match(json.twice.message, /already called on this registry/);
  assert.equal(json.clash.code, 'ERR_ALLOCSCOPE_ALREADY_REGISTERED');
  assert.match(json.clash.message, /allocscope_heap_used_bytes/);
  assert.equal(json.clashKept, 1, 'a failed register adds nothing');
  assert.equal(json.notRegistry.code, 'ERR_ALLOCSCOPE_INVALID_ARGUMENT');
  assert.equal(json.nothing.code, 'ERR_ALLOCSCOPE_INVALID_ARGUMENT');
  assert.equal(json.misspelled.code, 'ERR_ALLOCSCOPE_UNKNOWN_OPTION');
  assert.match(json.misspelled.message, /did you mean "mallocMaxAgeMs"/);
  assert.equal(json.badValue.code, 'ERR_ALLOCSCOPE_INVALID_OPTION');
  assert.equal(json.badType.code, 'ERR_ALLOCSCOPE_INVALID_OPTION');
  assert.equal(json.notObject.code, 'ERR_ALLOCSCOPE_INVALID_ARGUMENT');
  assert.equal(json.workerOnMain.code, 'ERR_ALLOCSCOPE_UNSUPPORTED');
  assert.equal(json.workerBadOption.code, 'ERR_ALLOCSCOPE_INVALID_OPTION');
  assert.equal(json.unregisterBad.code, 'ERR_ALLOCSCOPE_INVALID_ARGUMENT');
  assert.equal(json.namesBefore, json.families + 1);
  assert.equal(json.unregister, true);
  assert.equal(json.unregisterAgain, false);
  assert.equal(json.viaRegistry, false);
  assert.deepEqual(json.namesAfter, ['app_things']);
  assert.equal(json.gcAfter, false, 'GC tracking that register() started stops with the last registration');
  assert.equal(json.reRegister, true);
  assert.equal(json.disposed, 1);
  assert.equal(json.userGcKept, true);
});

test('two registries: independent, each complete; unregistering one leaves the other; the process exits by itself', () => {
  const { json, status } = runNodeJson({ code: `${PRELUDE}
    (async () => {
      const r1 = new Registry(), r2 = new Registry();
      const g1 = a.metrics.register(r1);
      a.metrics.register(r2, { malloc: false, gc: false, pools: false });
      a.pools.create('p').alloc(100);
      churn(2e5);
      const s1 = await scrape(r1), s2 = await scrape(r2);
      const names = (s) => new Set(s.map((x) => x.name.replace(/_(bucket|sum|count)$/, '')));
      const n1 = names(s1), n2 = names(s2);
      g1.unregister();
      const s2b = await scrape(r2);
      out({
        gcIn1: n1.has('allocscope_gc_pause_seconds'), gcIn2: n2.has('allocscope_gc_pause_seconds'),
        mallocIn1: n1.has('allocscope_malloc_footprint_bytes'), mallocIn2: n2.has('allocscope_malloc_footprint_bytes'),
        poolIn1: n1.has('allocscope_pool_acquires_total'), poolIn2: n2.has('allocscope_pool_acquires_total'),
        heapIn2: n2.has('allocscope_heap_used_bytes'), heapIn2After: s2b.some((x) => x.name === 'allocscope_heap_used_bytes'),
        r1Empty: (await r1.getMetricsAsJSON()).length,
        collects2: value(s2b, 'allocscope_metrics_collect_seconds_count', {}),
        gcStillRunning: a.gc.running,
      });
      // No timer, channel or callback of ours may keep the process alive: it must exit on its own.
    })();
  `, timeoutMs: 60_000 });
  assert.equal(status, 0);
  assert.deepEqual([json.gcIn1, json.gcIn2, json.mallocIn1, json.mallocIn2, json.poolIn1, json.poolIn2], [true, false, true, false, true, false]);
  assert.equal(json.heapIn2, true);
  assert.equal(json.heapIn2After, true);
  assert.equal(json.r1Empty, 0);
  assert.equal(json.collects2, 2, 'one collection per scrape of r2, counted by its own histogram');
  assert.equal(json.gcStillRunning, false);
});

test('one collection per scrape; maxPools bounds the pools exported and counts the rest', () => {
  const { json } = runNodeJson({ code: `${PRELUDE}
    (async () => {
      const registry = new Registry();
      a.metrics.register(registry, { maxPools: 2, poolSizeClasses: false });
      for (const name of ['a', 'b', 'c', 'd']) a.pools.create(name).alloc(64);
      let s;
      for (let i = 0; i < 3; i++) { await registry.metrics(); }
      s = await scrape(registry);
      out({
        pools: [...new Set(pick(s, 'allocscope_pool_acquires_total').map((x) => x.labels.pool))],
        omitted: value(s, 'allocscope_metrics_pools_omitted', { thread_id: 0 }),
        classSeries: pick(s, 'allocscope_pool_class_blocks').length,
        collects: value(s, 'allocscope_metrics_collect_seconds_count', {}),
        infBucket: value(s, 'allocscope_metrics_collect_seconds_bucket', { le: '+Inf' }),
        sum: value(s, 'allocscope_metrics_collect_seconds_sum', {}),
      });
    })();
  ` });
  assert.deepEqual(json.pools, ['a', 'b']);
  assert.equal(json.omitted, 2);
  assert.equal(json.classSeries, 0);
  assert.equal(json.collects, 4);
  assert.equal(json.infBucket, 4);
  assert.ok(json.sum > 0);
});

test('workers: figures reach the main registry under their thread id; stop() removes them, terminated workers expire, maxWorkers bounds', () => {
  const { json } = runNodeJson({ code: `${PRELUDE}
    const { Worker } = require('node:worker_threads');
    const WORKER = \`
      const a = require(process.env.ALLOCSCOPE_DIST);
      const { parentPort, threadId } = require('node:worker_threads');
      const reporter = a.metrics.reportToMainThread({ intervalMs: 100 });
      const pool = a.pools.objectPool('w' + threadId, { create: () => ({}) });
      pool.release(pool.acquire());
      const again = (() => { try { a.metrics.reportToMainThread(); return null; } catch (e) { return e.code; } })();
      parentPort.on('message', (m) => { if (m === 'stop') parentPort.postMessage({ stopped: reporter.stop() }); });
      parentPort.postMessage({ again });
      setInterval(() => { let k = []; for (let i = 0; i < 1e4; i++) k.push({ i }); }, 20);
    \`;
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const start = () => new Promise((resolve) => { const w = new Worker(WORKER, { eval: true }); w.once('message', (m) => resolve({ w, again: m.again })); });
    async function waitFor(registry, pred) {
      for (let i = 0; i < 400; i++) { const s = await scrape(registry); if (pred(s)) return s; await sleep(50); }
      throw new Error('condition not reached');
    }
    const threads = (s) => [...new Set(pick(s, 'allocscope_heap_used_bytes').map((x) => Number(x.labels.thread_id)))].sort((x, y) => x - y);
    (async () => {
      const registry = new Registry();
      a.metrics.register(registry, { maxWorkers: 2 });
      const [w1, w2, w3] = [await start(), await start(), await start()];
      const ids = [w1.w.threadId, w2.w.threadId, w3.w.threadId];
      // Wait also for each held worker's pool: one clean-clone run (Node 20, loaded machine) scraped a held
      // worker without its pool series, not reproduced in 76 runs since; the assertion below prints the series.
      const poolsOf = (s, id) => pick(s, 'allocscope_pool_acquires_total', { pool: 'w' + id, thread_id: id }).length;
      let s = await waitFor(registry, (s) => threads(s).length === 3 && value(s, 'allocscope_metrics_worker_reports_dropped_total', {}) > 0 &&
        threads(s).filter((t) => t !== 0).every((id) => poolsOf(s, id) === 1));
      const held = threads(s).filter((t) => t !== 0);
      const r = { again: w1.again, ids, held, workers: value(s, 'allocscope_metrics_workers', {}),
        dropped: value(s, 'allocscope_metrics_worker_reports_dropped_total', {}) };
      const heldId = held[0];
      r.workerPool = pick(s, 'allocscope_pool_acquires_total', { pool: 'w' + heldId, thread_id: heldId }).map((x) => x.value);
      r.poolSeries = pick(s, 'allocscope_pool_acquires_total').map((x) => JSON.stringify(x.labels) + '=' + x.value);
      r.workerGc = pick(s, 'allocscope_gc_pause_seconds_count', { thread_id: heldId }).length > 0;
      r.workerSpaces = pick(s, 'allocscope_heap_space_used_bytes', { thread_id: heldId }).length;
      // stop(): gone at once; the third worker takes the free slot.
      const holder = [w1, w2, w3].find((x) => x.w.threadId === heldId);
      holder.w.postMessage('stop');
      r.stopped = await new Promise((resolve) => holder.w.once('message', (m) => resolve(m.stopped)));
      s = await waitFor(registry, (s) => !threads(s).includes(heldId) && threads(s).length === 3);
      r.afterStop = threads(s);
      // terminate(): its figures expire after 3 periods.
      const victim = r.afterStop.find((t) => t !== 0);
      await [w1, w2, w3].find((x) => x.w.threadId === victim).w.terminate();
      s = await waitFor(registry, (s) => !threads(s).includes(victim));
      r.afterTerminate = threads(s);
      await Promise.all([w1, w2, w3].map((x) => x.w.terminate()));
      s = await waitFor(registry, (s) => threads(s).length === 1);
      r.end = threads(s);
      out(r);
    })();
  `, timeoutMs: 120_000 });
  assert.equal(json.again, 'ERR_ALLOCSCOPE_ALREADY_STARTED');
  assert.equal(json.held.length, 2);
  for (const id of json.held) assert.ok(json.ids.includes(id));
  assert.equal(json.workers, 2);
  assert.ok(json.dropped > 0);
  assert.deepEqual(json.workerPool, [1], `held ${json.held}; pool series: ${json.poolSeries.join(' ')}`);
  assert.equal(json.workerGc, true);
  assert.ok(json.workerSpaces >= 5);
  assert.equal(json.stopped, true);
  assert.equal(json.afterStop.length, 3);
  assert.ok(!json.afterStop.includes(json.held[0]));
  assert.equal(json.afterTerminate.length, 2);
  assert.deepEqual(json.end, [0]);
});

test('workers: a termination storm while the main thread scrapes leaves no held figures and no handles', () => {
  const { json, status } = runNodeJson({ code: `${PRELUDE}
    const { Worker } = require('node:worker_threads');
    const WORKER = \`
      const a = require(process.env.ALLOCSCOPE_DIST);
      a.metrics.reportToMainThread({ intervalMs: 100 });
      a.pools.create('p').alloc(100);
      setInterval(() => { let k = []; for (let i = 0; i < 1e4; i++) k.push({ i }); }, 5);
    \`;
    (async () => {
      const registry = new Registry();
      const reg = a.metrics.register(registry);
      let scrapes = 0;
      for (let round = 0; round < 40; round++) {
        const w = new Worker(WORKER, { eval: true });
        await new Promise((r) => setTimeout(r, round % 5 === 0 ? 150 : 5 + (round % 4) * 10));
        await scrape(registry); scrapes++;
        await w.terminate();
      }
      // A terminated worker's figures expire 3 periods (300 ms) after its last report: scrape until
      // they have (a poll, not a fixed wait that a loaded machine could outlast), at most 30 s.
      const threadsOf = (s) => [...new Set(pick(s, 'allocscope_heap_used_bytes').map((x) => x.labels.thread_id))];
      let s = await scrape(registry);
      for (const deadline = Date.now() + 30_000; (threadsOf(s).length > 1 || value(s, 'allocscope_metrics_workers', {}) !== 0) && Date.now() < deadline;) {
        await new Promise((r) => setTimeout(r, 50));
        s = await scrape(registry);
      }
      reg.unregister();
      out({ scrapes, threads: threadsOf(s), workers: value(s, 'allocscope_metrics_workers', {}) });
    })();
  `, timeoutMs: 120_000 });
  assert.equal(status, 0);
  assert.equal(json.scrapes, 40);
  assert.deepEqual(json.threads, [0]);
  assert.equal(json.workers, 0);
});

// The families against a hand-written source: the mapping from a real continuous session is
// test/metrics-continuous.test.js's (a session pushing to a dead port).
test('continuous and leak-watch figures appear while their sources are set; a throwing source is counted, not fatal', () => {
  const { json } = runNodeJson({ code: `${PRELUDE}
    const sources = require(process.env.ALLOCSCOPE_DIST + '/metrics/sources');
    (async () => {
      const registry = new Registry();
      a.metrics.register(registry, { malloc: false });
      const r = {};
      let s = await scrape(registry);
      r.before = s.filter((x) => /^allocscope_(continuous|leaks)_/.test(x.name)).length;
      sources.setMetricsSource('continuous', () => ({ collections: 7, collectionSecondsTotal: 0.25, lastCollectionSeconds: 0.03,
        exporters: [{ name: 'file', exports: 7, exportedBytes: 7000, failures: 0, dropped: 0, queueLength: 0 },
                    { name: 'http', exports: 5, exportedBytes: 5000, failures: 3, dropped: 2, queueLength: 1 }] }));
      sources.setMetricsSource('leaks', () => ({ watches: 1, majorGcs: 12, leakEvents: 2, liveEstimateBytes: 8e6, streakGrowthBytes: 4096, streakGrowingGcs: 1 }));
      s = await scrape(registry);
      r.collections = value(s, 'allocscope_continuous_collections_total', {});
      r.httpDropped = value(s, 'allocscope_continuous_dropped_profiles_total', { exporter: 'http' });
      r.fileBytes = value(s, 'allocscope_continuous_exported_bytes_total', { exporter: 'file' });
      r.queue = value(s, 'allocscope_continuous_queue_length', { exporter: 'http' });
      r.events = value(s, 'allocscope_leaks_events_total', {});
      r.growth = value(s, 'allocscope_leaks_streak_growth_bytes', {});
      sources.setMetricsSource('leaks', () => { throw new Error('broken'); });
      s = await scrape(registry);
      r.errors = value(s, 'allocscope_metrics_source_errors_total', {});
      r.leaksWhileBroken = pick(s, 'allocscope_leaks_events_total').length;
      r.continuousWhileBroken = pick(s, 'allocscope_continuous_collections_total').length;
      sources.clearMetricsSource('leaks'); sources.clearMetricsSource('continuous');
      s = await scrape(registry);
      r.after = s.filter((x) => /^allocscope_(continuous|leaks)_/.test(x.name)).length;
      out(r);
    })();
  ` });
  assert.equal(json.before, 0);
  assert.equal(json.collections, 7);
  assert.equal(json.httpDropped, 2);
  assert.equal(json.fileBytes, 7000);
  assert.equal(json.queue, 1);
  assert.equal(json.events, 2);
  assert.equal(json.growth, 4096);
  assert.equal(json.errors, 1);
  assert.equal(json.leaksWhileBroken, 0);
  assert.equal(json.continuousWhileBroken, 1);
  assert.equal(json.after, 0);
});

test('OpenMetrics content type: counters carry _total exactly once and the registry still unregisters cleanly', () => {
  const { json } = runNodeJson({ code: `${PRELUDE}
    (async () => {
      const registry = new Registry(Registry.OPENMETRICS_CONTENT_TYPE);
      const reg = a.metrics.register(registry);
      a.pools.create('p').alloc(10);
      await registry.metrics();
      const again = await registry.metrics(); // prom-client renames counters on the first call
      const lines = again.split('\\n');
      out({
        double: lines.filter((l) => l.includes('_total_total')).length,
        acquires: lines.filter((l) => l.startsWith('allocscope_pool_acquires_total{')).length,
        eof: again.endsWith('# EOF\\n'),
        unregistered: reg.unregister(), left: (await registry.getMetricsAsJSON()).length,
      });
    })();
  ` });
  assert.equal(json.double, 0);
  assert.equal(json.acquires, 1);
  assert.equal(json.eof, true);
  assert.equal(json.unregistered, true);
  assert.equal(json.left, 0);
});

test('leaks.watch(): its state is exported while it runs, and it shares GC tracking with the metrics in either order', () => {
  const { json } = runNodeJson({ code: `${PRELUDE}
    const tick = () => new Promise((r) => setImmediate(r));
    (async () => {
      const r = {};
      const leaked = [];
      const leak = () => { for (let i = 0; i < 20000; i++) leaked.push({ i, s: 'leak' + i }); };
      // Metrics first, then a watch.
      const registry = new Registry();
      const registration = a.metrics.register(registry, { malloc: false });
      const watch = a.leaks.watch({ consecutiveGrowth: 1, minGrowthBytes: 0, windowGcs: 1, topSites: 0 });
      let fired = 0;
      watch.on('leak', () => fired++);
      // V8's own used heap after each mark-compact, as Node's GC profiler reads it in the GC's
      // epilogue: what the estimate (windowGcs 1: the post-GC heap of the last mark-compact)
      // must be. (A read in JS after global.gc() returns is a later moment: on Node 20 old
      // space's used size is then 4-256 KB above the GC's own figure, 2 of 130 runs > 250 KB.)
      const profiler = new v8.GCProfiler();
      profiler.start();
      const usedAfterGc = [];
      for (let i = 0; i < 5; i++) { leak(); global.gc(); usedAfterGc.push(v8.getHeapStatistics().used_heap_size); await tick(); }
      r.usedAfterGc = usedAfterGc;
      r.usedAfterMajorGcs = profiler.stop().statistics.filter((x) => x.gcType === 'MarkSweepCompact').map((x) => x.afterGC.heapStatistics.usedHeapSize);
      let s = await scrape(registry);
      r.watches = value(s, 'allocscope_leaks_watches', {});
      r.majorGcs = value(s, 'allocscope_leaks_major_gcs_total', {});
      r.watchMajorGcs = watch.majorGcs;
      r.events = value(s, 'allocscope_leaks_events_total', {});
      r.fired = fired;
      r.estimate = value(s, 'allocscope_leaks_live_estimate_bytes', {});
      watch.stop();
      s = await scrape(registry);
      r.afterStop = s.filter((x) => x.name.startsWith('allocscope_leaks_')).length;
      r.gcAfterWatchStop = a.gc.running;
      registration.unregister();
      r.gcAfterUnregister = a.gc.running;
      // A watch first, then metrics: stopping the watch must not stop the metrics' GC counters.
      const watch2 = a.leaks.watch({ topSites: 0 });
      const registry2 = new Registry();
      const registration2 = a.metrics.register(registry2, { malloc: false });
      watch2.stop();
      r.gcAfterWatch2Stop = a.gc.running;
      const count = async () => pick(await scrape(registry2), 'allocscope_gc_pause_seconds_count').reduce((x, y) => x + y.value, 0);
      const before = await count();
      global.gc(); global.gc();
      r.countGrew = (await count()) - before;
      registration2.unregister();
      r.gcAtEnd = a.gc.running;
      r.leaked = leaked.length;
      out(r);
    })();
  `, nodeArgs: ['--expose-gc'] });
  assert.equal(json.watches, 1);
  assert.equal(json.majorGcs, json.watchMajorGcs);
  assert.ok(json.majorGcs >= 5, `major GCs ${json.majorGcs}`);
  assert.equal(json.events, json.fired);
  assert.ok(json.fired >= 1, `leak events ${json.fired}`);
  // The estimate is no sample: it is V8's used heap after the last major GC, which was the
  // last global.gc() (it finishes any incremental marking; only a tick and a scrape of tens
  // of KB follow). Node's GC profiler reads V8's figure in the epilogue of that same GC:
  // equal to the byte in every run measured (Node 20, 22, 24, 26); 4 KiB allowed.
  // (The old comparison, with used_heap_size read in JS after the GC, read 4-256 KB more on
  // Node 20 against a 256 KiB bound: 2 of 130 runs were within 8 KB of failing.)
  assert.ok(json.usedAfterMajorGcs.length >= 5, `major GCs the profiler saw: ${json.usedAfterMajorGcs.length}`);
  const atLastGc = json.usedAfterMajorGcs.at(-1);
  assert.ok(Math.abs(json.estimate - atLastGc) <= 4096, `estimate ${json.estimate}, V8's used heap after the last GC ${atLastGc}`);
  // Each leak() keeps 20,000 × ~78 B.
  assert.ok(json.usedAfterGc.at(-1) - json.usedAfterGc[0] >= 4 * 20000 * 56, `the leak grew the heap: ${json.usedAfterGc.join(', ')}`);
  assert.equal(json.afterStop, 0);
  assert.equal(json.gcAfterWatchStop, true, 'the metrics still hold GC tracking');
  assert.equal(json.gcAfterUnregister, false);
  assert.equal(json.gcAfterWatch2Stop, true, 'the watch must not stop the tracker the metrics hold');
  assert.ok(json.countGrew >= 2, `GC count grew by ${json.countGrew}`);
  assert.equal(json.gcAtEnd, false);
});
