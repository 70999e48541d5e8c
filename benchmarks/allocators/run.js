'use strict';
// Buffer allocators side by side: Buffer.alloc, Buffer.allocUnsafe, Buffer.allocUnsafeSlow
// and allocscope's BufferPool, for 64 B … 64 KiB, on ns/op, JS-heap B/op, external B/op,
// GCs per 1,000 ops and RSS after the run. Two patterns: `single` (allocate, write, release)
// and `ring` (64 Buffers held; the one replaced is released). Every run is a fresh `node`;
// variants are interleaved round-robin, their order rotated each round; times are medians
// and ratios to Buffer.alloc of the same round. Byte counts come from a separate counting
// pass per configuration (sampler at a 1-byte interval: exact), and a breakdown measures
// each piece of the pool's per-op work alone.
//   node benchmarks/allocators/run.js [--rounds 7] [--target-ms 300] [--breakdown-rounds 5] [--from-results]
// --from-results regenerates the docs section from results.json without measuring.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { commandLine, median, quantile, round, run, lastJsonLine, environment, fmt } = require('../lib/common');
const { updateSection } = require('../lib/results');

const cli = commandLine('bench:allocators');
const ROUNDS = cli.option('--rounds', 7);
const TARGET_MS = cli.option('--target-ms', 300);
const BREAKDOWN_ROUNDS = cli.option('--breakdown-rounds', 5);
const FROM_RESULTS = cli.flag('--from-results');

const CHILD = path.join(__dirname, 'child.js');
const BREAKDOWN_CHILD = path.join(__dirname, 'breakdown-child.js');
const RESULTS = path.join(__dirname, 'results.json');
const SIZES = [64, 256, 1024, 4096, 16384, 65536];
const PATTERNS = ['single', 'ring'];
const CALIBRATION_OPS = 50_000;
const COUNT_OPS = 20_000;
const BREAKDOWN_PIECES = ['view', 'uint8array', 'view+WeakMap', 'view+FinalizationRegistry', 'PoolUsage acquire+release', 'performance.now() ×2', 'slabs.filter()', 'pool.alloc+release',
  'pool without FinalizationRegistry', 'pool without WeakMap', 'pool without FinalizationRegistry, WeakMap', 'pool without all four'];
const BREAKDOWN_OPS = 1_000_000;
// Flags of the counting pass only: array buffers are then swept inside the GC pause, so a
// GC's external before/after figures account for every backing store it frees.
const COUNT_FLAGS = ['--no-concurrent-array-buffer-sweeping'];

const LABELS = {
  alloc: '`Buffer.alloc`',
  allocUnsafe: '`Buffer.allocUnsafe`',
  allocUnsafeSlow: '`Buffer.allocUnsafeSlow`',
  'pool-fast': 'pool `fast`',
  'pool-safe': 'pool `safe`',
};
const progress = (msg) => process.stderr.write(`\r\u001b[2K[allocators] ${msg}`);
const sizeLabel = (s) => (s >= 1024 ? `${s / 1024} KiB` : `${s} B`);
const key = (variant, size, pattern) => `${variant}/${size}/${pattern}`;

/**
 * ArrayBuffer backing-store bytes each op creates, from how Node and V8 allocate:
 * typed arrays of ≤ 64 bytes keep their data on the JS heap (V8's
 * typed_array_max_size_in_heap); allocUnsafe below Buffer.poolSize / 2 (4 KiB) carves
 * 8-byte-aligned slices out of shared 8 KiB slabs; the pool reuses its slabs.
 */
function externalModel(variant, size) {
  if (variant === 'alloc' || variant === 'allocUnsafeSlow') return size > 64 ? size : 0;
  if (variant === 'allocUnsafe') return size < 4096 ? Math.ceil(size / 8) * 8 : size;
  return 0;
}

function probeSafeMode() {
  const { BufferPool } = require('../../dist');
  try {
    new BufferPool('probe', { mode: 'safe' });
    return { available: true };
  } catch (error) {
    return { available: false, code: error.code ?? null, message: error.message };
  }
}

/** A timed run without what its key already says (variant/size/pattern) or what means nothing (checksum). */
function slim(run) {
  const { mode, variant, size, pattern, checksum, ...rest } = run;
  return rest;
}

/** Which build was measured: uncommitted changes under lib/ and native/, and when the pool was compiled. */
function buildState() {
  const { spawnSync } = require('node:child_process');
  const git = spawnSync('git', ['status', '--porcelain', '--', 'lib', 'native'], { cwd: path.resolve(__dirname, '..', '..'), encoding: 'utf8' });
  return {
    uncommitted: git.status === 0 ? git.stdout.split('\n').filter(Boolean).map((l) => l.slice(3)) : null,
    poolBuildTime: fs.statSync(path.resolve(__dirname, '..', '..', 'dist', 'pools', 'buffer-pool.js')).mtime.toISOString(),
  };
}

function child(args, flags = []) {
  return lastJsonLine(run(process.execPath, [...flags, CHILD, ...args.map(String)]).stdout);
}

/** A round number of ops that takes about TARGET_MS at the calibrated pace. */
function opsFor(nsPerOp) {
  const raw = (TARGET_MS * 1e6) / nsPerOp;
  const step = 10 ** Math.floor(Math.log10(raw));
  return Math.min(20_000_000, Math.max(50_000, Math.round(raw / step) * step));
}

function measure() {
  const safeMode = probeSafeMode();
  const variants = ['alloc', 'allocUnsafe', 'allocUnsafeSlow', 'pool-fast', ...(safeMode.available ? ['pool-safe'] : [])];
  const env = { ...environment(), ...buildState() };
  const groups = SIZES.flatMap((size) => PATTERNS.map((pattern) => ({ size, pattern })));
  const started = Date.now();

  // 1. Calibration: ops per run so that one timed loop takes ~TARGET_MS.
  const ops = {};
  for (const { size, pattern } of groups) {
    for (const variant of variants) {
      progress(`calibrating ${key(variant, size, pattern)}`);
      ops[key(variant, size, pattern)] = opsFor(child(['time', variant, size, pattern, CALIBRATION_OPS]).nsPerOp);
    }
  }

  // 2. Timed runs: fresh process each, variants interleaved, order rotated each round.
  const timed = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const [g, { size, pattern }] of groups.entries()) {
      const order = variants.map((_, i) => variants[(i + r) % variants.length]);
      for (const variant of order) {
        progress(`round ${r + 1}/${ROUNDS} · ${g + 1}/${groups.length} · ${key(variant, size, pattern)} (${((Date.now() - started) / 1e3).toFixed(0)} s)`);
        const out = child(['time', variant, size, pattern, ops[key(variant, size, pattern)]]);
        (timed[key(variant, size, pattern)] ??= []).push(slim({ ...out, round: r }));
      }
    }
  }

  // 3. Counting pass, once per configuration (the counts are exact and repeat).
  const counted = {};
  for (const { size, pattern } of groups) {
    for (const variant of variants) {
      progress(`counting ${key(variant, size, pattern)}`);
      counted[key(variant, size, pattern)] = child(['count', variant, size, pattern, COUNT_OPS], COUNT_FLAGS);
    }
  }

  // 4. Breakdown of the pool's per-op work.
  const breakdown = Object.fromEntries(BREAKDOWN_PIECES.map((p) => [p, { runs: [], count: null }]));
  for (let r = 0; r < BREAKDOWN_ROUNDS; r++) {
    for (const [i] of BREAKDOWN_PIECES.entries()) {
      const piece = BREAKDOWN_PIECES[(i + r) % BREAKDOWN_PIECES.length];
      progress(`breakdown round ${r + 1}/${BREAKDOWN_ROUNDS} · ${piece}`);
      breakdown[piece].runs.push(lastJsonLine(run(process.execPath, [BREAKDOWN_CHILD, 'time', piece, String(BREAKDOWN_OPS)]).stdout));
    }
  }
  for (const piece of BREAKDOWN_PIECES) {
    progress(`breakdown counting · ${piece}`);
    breakdown[piece].count = lastJsonLine(run(process.execPath, [BREAKDOWN_CHILD, 'count', piece, String(COUNT_OPS)]).stdout);
  }
  progress(`done in ${((Date.now() - started) / 1e3).toFixed(0)} s\n`);
  const distChanged = buildState().poolBuildTime !== env.poolBuildTime;
  if (distChanged) process.stderr.write('[allocators] warning: dist/pools/buffer-pool.js was rebuilt during the run; the results mix two builds\n');

  return {
    environment: { ...env, distRebuiltDuringRun: distChanged, loadAverageAtEnd: os.loadavg().map((x) => round(x, 2)), durationS: round((Date.now() - started) / 1e3, 0) },
    config: { rounds: ROUNDS, targetMs: TARGET_MS, sizes: SIZES, patterns: PATTERNS, variants, ring: 64, countOps: COUNT_OPS, countFlags: COUNT_FLAGS, breakdownRounds: BREAKDOWN_ROUNDS, breakdownOps: BREAKDOWN_OPS, ops },
    safeMode,
    raw: { timed, counted, breakdown },
  };
}

const perK = (n, opsN) => (n ?? 0) / opsN * 1000;

/** Medians and per-round ratios from the raw runs. */
function summarise(results) {
  const { variants } = results.config;
  const { timed, counted } = results.raw;
  const configs = {};
  for (const size of SIZES) {
    for (const pattern of PATTERNS) {
      const byRound = (variant) => new Map(timed[key(variant, size, pattern)].map((o) => [o.round, o]));
      const base = byRound('alloc');
      const unsafe = byRound('allocUnsafe');
      for (const variant of variants) {
        const runs = timed[key(variant, size, pattern)];
        const ratios = (ref) => runs.filter((o) => ref.has(o.round)).map((o) => o.nsPerOp / ref.get(o.round).nsPerOp);
        const vsAlloc = ratios(base);
        const vsUnsafe = ratios(unsafe);
        const c = counted[key(variant, size, pattern)];
        // GCs are rare events (a mark-compact every few hundred thousand ops): pooled over the rounds.
        const totalOps = runs.reduce((a, o) => a + o.ops, 0);
        const gcRate = (type) => perK(runs.reduce((a, o) => a + (o.gcsByType[type] ?? 0), 0), totalOps);
        configs[key(variant, size, pattern)] = {
          variant, size, pattern, ops: runs[0].ops,
          nsPerOp: median(runs.map((o) => o.nsPerOp)),
          nsPerOpP25: quantile(runs.map((o) => o.nsPerOp), 0.25),
          vsAlloc: { median: median(vsAlloc), p25: quantile(vsAlloc, 0.25), p75: quantile(vsAlloc, 0.75) },
          vsAllocUnsafe: { median: median(vsUnsafe), p25: quantile(vsUnsafe, 0.25), p75: quantile(vsUnsafe, 0.75) },
          jsBytesPerOp: c.jsBytesPerOp,
          jsObjectsPerOp: c.jsObjectsPerOp,
          jsBytesPerOpFromHeapGrowth: median(runs.map((o) => o.heapBytesPerOpEstimate)),
          externalBytesPerOp: c.externalBytesPerOp,
          externalModel: externalModel(variant, size),
          externalBytesPerOpTimedLowerBound: median(runs.map((o) => o.externalBytesPerOpEstimate)),
          arrayBuffersGrowthInTimedRun: median(runs.map((o) => o.arrayBuffersAfter - o.arrayBuffersBefore)),
          scavengesPer1k: gcRate('scavenge'),
          markCompactsPer1k: gcRate('markSweepCompact'),
          incrementalMarkingPer1k: gcRate('incrementalMarking'),
          gcPauseShare: median(runs.map((o) => o.gcPauseMs / (o.nsPerOp * o.ops / 1e6))),
          promotedBytesPerOp: median(runs.map((o) => o.promotedBytesPerOp)),
          rssAfterMiB: median(runs.map((o) => o.rssAfter / 2 ** 20)),
          spacesMiB: Object.fromEntries(['new_space', 'old_space', 'large_object_space'].map((sp) => [sp, median(runs.map((o) => o.spacesMiB[sp] ?? 0))])),
          externalAfterMiB: median(runs.map((o) => o.externalAfter / 2 ** 20)),
          pool: runs[0].pool,
          topSites: c.sites,
        };
      }
    }
  }
  const available = Object.entries(results.raw.breakdown).filter(([, b]) => !b.count.unavailable && b.runs.every((o) => !o.unavailable));
  const breakdown = Object.fromEntries(available.map(([piece, b]) => [piece, {
    nsPerOp: median(b.runs.map((o) => o.nsPerOp)),
    scavengesPer1k: perK(b.runs.reduce((a, o) => a + (o.gcsByType.scavenge ?? 0), 0), b.runs.reduce((a, o) => a + o.ops, 0)),
    markCompactsPer1k: perK(b.runs.reduce((a, o) => a + (o.gcsByType.markSweepCompact ?? 0), 0), b.runs.reduce((a, o) => a + o.ops, 0)),
    promotedBytesPerOp: median(b.runs.map((o) => o.promotedBytesPerOp)),
    gcPauseShare: median(b.runs.map((o) => o.gcPauseMs / (o.nsPerOp * o.ops / 1e6))),
    jsBytesPerOp: b.count.jsBytesPerOp,
    jsObjectsPerOp: b.count.jsObjectsPerOp,
  }]));
  return { configs, breakdown };
}

/** Verdicts on the issue's targets. A ratio decides only outside 0.95–1.05 (the noise). */
function targets(results) {
  const c = results.summary.configs;
  const pool = (size, pattern) => c[key('pool-fast', size, pattern)];
  const verdict = (ratio) => (ratio < 0.95 ? 'beats' : ratio > 1.05 ? 'loses' : 'tie');
  const rows = [];
  for (const pattern of PATTERNS) {
    const vsAlloc = SIZES.map((s) => ({ size: s, ratio: pool(s, pattern).vsAlloc.median }));
    const vsUnsafe = SIZES.filter((s) => s >= 4096).map((s) => ({ size: s, ratio: pool(s, pattern).vsAllocUnsafe.median }));
    rows.push({ pattern, target: 'beats `Buffer.alloc` at every size', items: vsAlloc, met: vsAlloc.every((x) => verdict(x.ratio) === 'beats') });
    rows.push({ pattern, target: 'beats `Buffer.allocUnsafe` at ≥ 4 KiB', items: vsUnsafe, met: vsUnsafe.every((x) => verdict(x.ratio) === 'beats') });
  }
  const all = SIZES.flatMap((s) => PATTERNS.map((p) => pool(s, p)));
  // No growth: no backing store created per op, and Node's arrayBuffers counter did not grow over a timed run
  // (a few bytes of unrelated small ArrayBuffers come and go).
  const externalZero = all.every((x) => Math.abs(x.externalBytesPerOp) < 0.5 && x.arrayBuffersGrowthInTimedRun <= 1024);
  // "Of its own": mark-compacts where Buffer.alloc, at the same size and pattern, has none.
  const ownMarkCompacts = all.filter((x) => x.markCompactsPer1k > 0 && !(c[key('alloc', x.size, x.pattern)].markCompactsPer1k > 0));
  return { rows, externalZero, ownMarkCompacts: ownMarkCompacts.map((x) => ({ size: x.size, pattern: x.pattern, markCompactsPer1k: x.markCompactsPer1k })), verdict };
}

function ratioCell(r) {
  if (r.median === null) return '—';
  return `${r.median.toFixed(2)}× (${r.p25.toFixed(2)}–${r.p75.toFixed(2)})`;
}
const bytes = (x) => (x === null || x === undefined ? '—' : Math.abs(x) < 0.5 ? '0' : fmt(x, x < 10 ? 1 : 0));
const rate = (x) => (x === null ? '—' : x === 0 ? '0' : x >= 1 ? x.toFixed(1) : x >= 0.01 ? x.toFixed(3) : x.toPrecision(2));

function table(results, pattern) {
  const c = results.summary.configs;
  const lines = [
    '| size | allocator | ns/op | vs `Buffer.alloc` (IQR) | JS heap B/op (objects) | external B/op (model) | scavenges / mark-compacts per 1k ops | promoted B/op | GC pause share | RSS after (MiB) |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const size of SIZES) {
    for (const variant of results.config.variants) {
      const x = c[key(variant, size, pattern)];
      const ext = Math.abs(x.externalBytesPerOp - x.externalModel) <= Math.max(1, 0.02 * x.externalModel)
        ? `${bytes(x.externalBytesPerOp)} (✓)` : `${bytes(x.externalBytesPerOp)} (model ${bytes(x.externalModel)})`;
      lines.push(`| ${sizeLabel(size)} | ${LABELS[variant]} | ${fmt(x.nsPerOp, x.nsPerOp < 100 ? 1 : 0)} | ${variant === 'alloc' ? '1' : ratioCell(x.vsAlloc)} | ${bytes(x.jsBytesPerOp)} (${x.jsObjectsPerOp.toFixed(1)}) | ${ext} | ${rate(x.scavengesPer1k)} / ${rate(x.markCompactsPer1k)} | ${bytes(x.promotedBytesPerOp)} | ${(x.gcPauseShare * 100).toFixed(0)} % | ${x.rssAfterMiB.toFixed(0)} |`);
    }
  }
  return lines.join('\n');
}

function breakdownTable(results) {
  const b = results.summary.breakdown;
  const NOTES = {
    view: '`Buffer.from(slab, offset, size)` in `alloc()`',
    uint8array: 'the same view without `Buffer.from`\'s checks (for comparison; not a `Buffer`)',
    'view+WeakMap': 'view + `#generationOf.set` / `.get`',
    'view+FinalizationRegistry': 'view + `#reclaim.register` / `.unregister`',
    'PoolUsage acquire+release': '`c.usage.acquire()` / `.release()` statistics',
    'performance.now() ×2': 'inside the two `PoolUsage` calls',
    'slabs.filter()': '`#maybeDropSlab()` on every release that empties a slab',
    'pool.alloc+release': 'the whole thing, 64 B',
    'pool without FinalizationRegistry': 'the pool with `register`/`unregister` cut out of its compiled code',
    'pool without WeakMap': 'the pool with `#generationOf` cut out',
    'pool without FinalizationRegistry, WeakMap': 'both cut out',
    'pool without all four': 'also `PoolUsage` and `#maybeDropSlab()` cut out',
  };
  const lines = [
    '| piece | what it is in `BufferPool` | ns/op | JS heap B/op (objects) | scavenges / mark-compacts per 1k ops | promoted B/op | GC pause share |',
    '|---|---|--:|--:|--:|--:|--:|',
  ];
  for (const piece of BREAKDOWN_PIECES) {
    const x = b[piece];
    if (!x) { lines.push(`| ${piece} | ${NOTES[piece]} | — | — | — | — | — |`); continue; }
    lines.push(`| ${piece} | ${NOTES[piece]} | ${fmt(x.nsPerOp, 0)} | ${bytes(x.jsBytesPerOp)} (${x.jsObjectsPerOp.toFixed(1)}) | ${rate(x.scavengesPer1k)} / ${rate(x.markCompactsPer1k)} | ${bytes(x.promotedBytesPerOp)} | ${(x.gcPauseShare * 100).toFixed(0)} % |`);
  }
  return lines.join('\n');
}

function docs(results) {
  const env = results.environment;
  const c = results.summary.configs;
  const b = results.summary.breakdown;
  const t = targets(results);
  const p = (size, pattern = 'single') => c[key('pool-fast', size, pattern)];
  const v = (variant, size, pattern = 'single') => c[key(variant, size, pattern)];
  const list = (items) => items.map((x) => `${sizeLabel(x.size)} ${x.ratio.toFixed(2)}×`).join(', ');
  const targetRows = t.rows.map((r) => `| ${r.target} (${r.pattern}) | ${list(r.items)} | ${r.met ? 'yes' : 'no'} |`);
  const mcList = t.ownMarkCompacts.map((x) => `${sizeLabel(x.size)} ${x.pattern} ${rate(x.markCompactsPer1k)}`).join(', ');
  const wins = (pattern) => SIZES.filter((s) => t.verdict(p(s, pattern).vsAlloc.median) === 'beats');
  const winsUnsafe = (pattern) => SIZES.filter((s) => t.verdict(p(s, pattern).vsAllocUnsafe.median) === 'beats');
  const wip = (results.environment.uncommitted ?? []).filter((f) => /buffer-pool|pool\.(cc|h)$/.test(f));
  const safe = results.safeMode.available
    ? (wip.length
      ? `The pool's \`safe\` mode (a detachable block of a native slab per Buffer) is **pending** — uncommitted work in progress (${wip.map((f) => `\`${f}\``).join(', ')}) when this ran; it is measured as it stood, as its own variant, and its figures will change when it lands.`
      : 'The pool\'s `safe` mode (a detachable block of a native slab per Buffer, one external Buffer per block) is measured as its own variant; the targets concern `fast`.')
    : `The pool's \`safe\` mode (a detachable block per Buffer, from the native pool) is **pending**: \`new BufferPool(name, { mode: 'safe' })\` throws \`${results.safeMode.code}\` today, so it is not in the tables.`;

  return `## Buffer allocators

For Buffers of 64 B to 64 KiB: \`Buffer.alloc\`, \`Buffer.allocUnsafe\`, \`Buffer.allocUnsafeSlow\` and
allocscope's \`BufferPool\` in \`fast\` mode (default options: size classes 16 B … 64 KiB, each ~1.25×
the previous, 256 KiB slabs; 256 B, 1 KiB, 4 KiB and 16 KiB requests land in the 304 B, 1,200 B, 4,640 B
and 17,760 B classes). ${safe}

Reproduce: \`npm run bench:allocators\` (about ${Math.round(env.durationS / 60)} minutes on 2 cores). Measured ${env.date.slice(0, 10)} on
${env.cpuModel} × ${env.cpuCount}, Node ${env.node} (V8 ${env.v8}), ${env.platform}, commit ${env.commit};
load average ${env.loadAverageAtStart[0]} at the start, ${env.loadAverageAtEnd[0]} at the end. Raw numbers:
\`benchmarks/allocators/results.json\`.

### Method

- **The operation.** Allocate a Buffer of the size, write three bytes (first, middle, last), read one
  back into a checksum, release it. For Node's allocators *release* is dropping the reference; for the
  pool it is \`pool.release(b)\`. Two patterns: **single** (each Buffer is released before the next
  is allocated) and **ring** (the last 64 Buffers are held in a ring; each op releases the Buffer it replaces).
- **Time.** Each (allocator, size, pattern) runs in a fresh \`node\`, ${results.config.rounds} rounds, allocators
  interleaved with their order rotated each round. A child warms up (¼ of its ops, at least 20,000),
  then times N ops with \`process.hrtime\`; N is calibrated per configuration so that the loop takes
  ~${results.config.targetMs} ms (${fmt(Math.min(...Object.values(results.config.ops)))}–${fmt(Math.max(...Object.values(results.config.ops)))} ops). *ns/op* is the median over rounds; *vs \`Buffer.alloc\`* is
  the median (and interquartile range) of the per-round ratios to \`Buffer.alloc\` of the same round. The
  machine is shared and noisy (±10 % run to run), so a ratio within 0.95–1.05 is called a tie.
  GCs are counted by allocscope's GC tracker around the timed loop; *GC pause share* is the time paused in GC over the loop's time; *RSS after* is
  \`process.memoryUsage.rss()\` right after it.
- **Bytes.** A separate counting pass per configuration (fresh process, same warm-up, ${fmt(results.config.countOps)} ops) runs
  the sampling heap profiler at a 1-byte interval in allocated mode, which records every JS-heap allocation
  at its exact size: *JS heap B/op* and objects/op are exact. *External B/op* is the ArrayBuffer backing-store
  bytes created per op: the growth of V8's external memory plus what each GC freed (from the GC tracker's
  before/after figures), run with \`--no-concurrent-array-buffer-sweeping\` so that every backing store
  is freed inside a GC pause and counted. ✓ marks a figure within 2 % of the model: Node's
  \`alloc\`/\`allocUnsafeSlow\` make a backing store of S bytes, except that typed arrays of ≤ 64 bytes keep their data
  on the JS heap (V8's \`typed_array_max_size_in_heap\`, hence 0 external and ~280 JS B/op at 64 B);
  \`allocUnsafe\` below 4 KiB (\`Buffer.poolSize / 2\`) slices 8 KiB shared slabs (S bytes/op amortised)
  and is \`allocUnsafeSlow\` from 4 KiB up; the pool, in steady state, creates none (the \`safe\` pool's native slabs are
  outside V8's accounting, so its 0 says nothing about its native memory). *Promoted B/op* is what the old generation
  grew by during scavenges, per op, as the GC tracker counts it (a coarse figure: a run has only a handful of scavenges).

### Targets

| target | pool \`fast\` vs the reference (median ratio of ns/op) | met |
|---|---|---|
${targetRows.join('\n')}
| steady state: no external growth | ${t.externalZero ? '0 external B/op at every size and pattern; `arrayBuffers` unchanged across every timed run' : 'external bytes grew (see the tables)'} | ${t.externalZero ? 'yes' : 'no'} |
| steady state: no mark-compacts of its own | ${t.ownMarkCompacts.length === 0 ? 'no mark-compacts where `Buffer.alloc` has none' : `mark-compacts per 1k ops where \`Buffer.alloc\` has none: ${mcList}`} | ${t.ownMarkCompacts.length === 0 ? 'yes' : 'no'} |

${reading(results, { p, v, b, t, wins, winsUnsafe })}

### single: allocate, write, release

${table(results, 'single')}

### ring: 64 Buffers held, the replaced one released

${table(results, 'ring')}

### Where the pool's time goes

Each piece of \`BufferPool\`'s per-op work alone, in a loop of ${fmt(results.config.breakdownOps)} ops in a fresh process
(median of ${results.config.breakdownRounds}; bytes from a 1-byte-interval counting pass, as above). Pieces that
create a view include the view's cost. The last four rows are the real pool with pieces cut out of its compiled
code (\`dist/pools/buffer-pool.js\`, patched in memory) to measure what they cost in place; those are not usable pools
(without the registry, dropped Buffers never return their blocks; without the WeakMap, stale releases go undetected).

${breakdownTable(results)}`;
}

/** The reading: every number comes from the run; statements that could flip are conditional. */
function reading(results, { p, v, b, t, wins, winsUnsafe }) {
  const list = (sizes) => (sizes.length === 0 ? 'no size' : sizes.length === 1 ? sizeLabel(sizes[0])
    : `${sizes.slice(0, -1).map(sizeLabel).join(', ')} and ${sizeLabel(sizes[sizes.length - 1])}`);
  const range = (xs) => (fmt(Math.min(...xs), 0) === fmt(Math.max(...xs), 0) ? fmt(xs[0], 0) : `${fmt(Math.min(...xs), 0)}–${fmt(Math.max(...xs), 0)}`);
  const over = (variant, field) => SIZES.map((s) => v(variant, s)[field]);
  const poolNs = SIZES.flatMap((s) => PATTERNS.map((pt) => p(s, pt).nsPerOp));
  const big = v('alloc', 65536);
  const frExtra = b['view+FinalizationRegistry'].nsPerOp - b.view.nsPerOp;
  const wmExtra = b['view+WeakMap'].nsPerOp - b.view.nsPerOp;
  const parts = b.view.nsPerOp + frExtra + wmExtra + b['PoolUsage acquire+release'].nsPerOp + b['slabs.filter()'].nsPerOp;
  const mcEvery = p(64).markCompactsPer1k > 0 ? Math.round(1000 / p(64).markCompactsPer1k / 1000) * 1000 : null;
  const wip = (results.environment.uncommitted ?? []).filter((f) => /buffer-pool|pool\.(cc|h)$/.test(f));
  const spread = (variant, size, pattern = 'single') => {
    const xs = results.raw.timed[key(variant, size, pattern)].map((o) => o.nsPerOp);
    return range([quantile(xs, 0.25), quantile(xs, 0.75)]);
  };
  const noFr = b['pool without FinalizationRegistry'];
  const noBoth = b['pool without FinalizationRegistry, WeakMap'];
  const none = b['pool without all four'];
  const beatsAt = (ns, variant) => SIZES.filter((s) => ns < 0.95 * Math.min(v(variant, s).nsPerOp, v(variant, s, 'ring').nsPerOp));
  const ablation = noFr && noBoth && none ? `
  Cut out of the pool itself, they weigh: without the registry the pool costs ${fmt(noFr.nsPerOp)} ns and has ${noFr.markCompactsPer1k === 0 ? 'no mark-compacts' : `${rate(noFr.markCompactsPer1k)} mark-compacts per 1k ops`};
  without the registry and the WeakMap, ${fmt(noBoth.nsPerOp)} ns; without all four, ${fmt(none.nsPerOp)} ns and ${fmt(none.jsBytesPerOp)} JS B/op (the view alone). At that
  cost the pool would beat \`Buffer.alloc\` at ${list(beatsAt(none.nsPerOp, 'alloc'))} and \`Buffer.allocUnsafe\` at ${list(beatsAt(none.nsPerOp, 'allocUnsafe'))} (both patterns' ns/op above).
  What the registry and the WeakMap buy (blocks of dropped Buffers come back; stale releases are caught) would have to
  come from somewhere cheaper for the targets to be met.` : '';
  const safe = results.config.variants.includes('pool-safe')
    ? `\n- **\`safe\`${wip.length ? ' (pending)' : ''}.** ${range(SIZES.flatMap((s) => PATTERNS.map((pt) => v('pool-safe', s, pt).nsPerOp)))} ns/op at every size, ${fmt(v('pool-safe', 64).jsBytesPerOp)} JS B/op (a new ArrayBuffer object per Buffer), no promotion and no mark-compacts${wip.length ? '; it is work in progress and these figures will change' : ''}: ${SIZES.every((sz) => PATTERNS.every((pt) => v('pool-safe', sz, pt).nsPerOp > p(sz, pt).nsPerOp)) ? 'slower than \`fast\` at every size and pattern' : 'not uniformly slower than \`fast\`'}, but without its mark-compacts.`
    : '';
  return `### Reading: when does a pool pay off?

- **The pool's cost is flat; Node's grows with the size.** \`fast\` costs ${range(poolNs)} ns per alloc + release at
  every size, because it never touches the bytes. Node's allocators pay for a backing store per Buffer
  (\`malloc\`/\`calloc\`, plus zero-filling for \`Buffer.alloc\`) and for the scavenges that external-memory pressure
  triggers (${rate(big.scavengesPer1k)} per 1k ops at 64 KiB, against ${rate(p(65536).scavengesPer1k)} for the pool). So the pool wins where Node's
  per-Buffer cost exceeds its constant: against \`Buffer.alloc\` at ${list(wins('single'))} (single) and ${list(wins('ring'))} (ring),
  against \`Buffer.allocUnsafe\` at ${list(winsUnsafe('single'))} (single) and ${list(winsUnsafe('ring'))} (ring).
- **Below 4 KiB, Node is hard to beat.** Up to 64 B the data lives on the JS heap (\`Buffer.alloc\`: ${fmt(v('alloc', 64).nsPerOp, 0)} ns,
  the pool ${p(64).vsAlloc.median.toFixed(0)}× that), and \`Buffer.allocUnsafe\` below 4 KiB *is* a slab allocator — views into shared
  8 KiB slabs, with no bookkeeping (${fmt(v('allocUnsafe', 256).nsPerOp, 0)} ns at 256 B, ${fmt(v('allocUnsafe', 1024).nsPerOp, 0)} ns at 1 KiB).
- **Memory: no external churn, but JS-heap churn.** In steady state the pool creates no backing store (0 external B/op;
  Node's \`arrayBuffers\` counter flat across every run), where Node's allocators create S bytes per op. But each
  alloc + release leaves ${fmt(p(64).jsBytesPerOp)} B of JS-heap garbage (single; ${fmt(p(64, 'ring').jsBytesPerOp)} in ring, where no slab ever empties) against
  ~185 B for \`Buffer.alloc\` of a Buffer with an external store;${mcEvery ? ` a mark-compact follows every ~${fmt(mcEvery)} ops;` : ''} and V8 keeps the young
  generation at ${range(SIZES.map((s) => p(s).spacesMiB.new_space))} MiB (\`Buffer.alloc\`: ${range(SIZES.map((s) => v('alloc', s).spacesMiB.new_space))} MiB; single pattern). So the pool's RSS after the run, ${range(over('pool-fast', 'rssAfterMiB'))} MiB
  at every size, is higher than \`Buffer.alloc\`'s at ${list(SIZES.filter((s) => p(s).rssAfterMiB > v('alloc', s).rssAfterMiB))}${SIZES.some((s) => p(s).rssAfterMiB <= v('alloc', s).rssAfterMiB) ? ` and not higher at ${list(SIZES.filter((s) => p(s).rssAfterMiB <= v('alloc', s).rssAfterMiB))}, where Node's dead backing stores wait for a GC` : ''} (${range(over('alloc', 'rssAfterMiB'))} MiB).
- **Where the pool's time goes, and why 64 B is missed.** Carving a view out of a slab costs ${fmt(b.view.nsPerOp)} ns
  (\`Buffer.from\`; a bare \`Uint8Array\` view ${fmt(b.uint8array.nsPerOp)} ns), while \`Buffer.alloc\` of 64 B is a ~33 ns allocation
  on the JS heap that no pool can undercut. Measured piece by piece (\`breakdown-child.js\`): the \`FinalizationRegistry\`
  \`register\`/\`unregister\` that gives back the blocks of dropped Buffers (\`reclaimDropped\`, on by default) costs +${fmt(frExtra)} ns and
  +${fmt(b['view+FinalizationRegistry'].jsBytesPerOp - b.view.jsBytesPerOp)} B per op, and it is the only piece with mark-compacts of its own
  (${rate(b['view+FinalizationRegistry'].markCompactsPer1k)} per 1k ops: V8 allocates each WeakCell in the old generation). The pool no longer
  pays for the other pieces measured here on its default path: the stale-release \`WeakMap\` (+${fmt(wmExtra)} ns) runs only with
  \`debug\`, its size-class statistics weight use by events instead of two \`performance.now()\` calls
  (${fmt(b['performance.now() ×2'].nsPerOp)} ns), and empty slabs are counted instead of \`filter()\`ed. With \`reclaimDropped: false\`
  (when every Buffer is released) the registry goes too, and with it the mark-compacts.${ablation}
- **Rule of thumb, today.** For Buffers under 4 KiB use \`Buffer.allocUnsafe\` (or \`Buffer.alloc\` up to 64 B, where it is as
  fast); the \`fast\` pool pays off against \`Buffer.alloc\` at ${list(wins('single').filter((s) => wins('ring').includes(s)))} (in both patterns), and against
  \`Buffer.allocUnsafe\` ${winsUnsafe('single').length || winsUnsafe('ring').length ? `only at ${list([...new Set([...winsUnsafe('single'), ...winsUnsafe('ring')])])}` : 'at no size measured'}; it also pays off wherever a flat external footprint or
  per-size-class statistics matter more than ~0.5 µs per Buffer.${safe}
- **From 4 KiB up, Node's times vary widely from process to process.** The middle half of the ${results.config.rounds} runs
  (25th–75th percentile) of \`Buffer.alloc\` at 4 KiB spans ${spread('alloc', 4096)} ns/op, of \`Buffer.allocUnsafe\` ${spread('allocUnsafe', 4096)}, of the pool
  ${spread('pool-fast', 4096)} (64 KiB: ${spread('alloc', 65536)}, ${spread('allocUnsafe', 65536)} and ${spread('pool-fast', 65536)}). A large Buffer's cost includes its share of
  the GCs its external memory triggers, and when they come differs from process to process; so at 4 KiB, where the
  ranges overlap, which allocator is faster changes from run to run, and no claim is made there.
- **No instruction counts.** The claims above rest on ratios of 1.5× or more, or on exact counts; the optional callgrind
  pass was skipped (it would not see the GC scheduling and page faults that dominate the close cases anyway).`;
}

/** JSON indented down to `depth` levels, one line per object below that (raw runs stay readable and small). */
function jsonLines(value, depth, indent = '') {
  const round6 = (_, x) => (typeof x === 'number' && !Number.isInteger(x) ? Number(x.toPrecision(6)) : x);
  if (depth === 0 || value === null || typeof value !== 'object') return JSON.stringify(value, round6);
  const inner = `${indent} `;
  const entries = Array.isArray(value)
    ? value.map((x) => `${inner}${jsonLines(x, depth - 1, inner)}`)
    : Object.entries(value).filter(([, x]) => x !== undefined && typeof x !== 'function').map(([k, x]) => `${inner}${JSON.stringify(k)}: ${jsonLines(x, depth - 1, inner)}`);
  if (entries.length === 0) return Array.isArray(value) ? '[]' : '{}';
  return Array.isArray(value) ? `[\n${entries.join(',\n')}\n${indent}]` : `{\n${entries.join(',\n')}\n${indent}}`;
}

function main() {
  let results;
  if (FROM_RESULTS) {
    results = JSON.parse(fs.readFileSync(RESULTS, 'utf8'));
    for (const runs of Object.values(results.raw.timed)) runs.forEach((o, i) => { runs[i] = slim(o); });
  } else {
    results = measure();
  }
  results.summary = summarise(results);
  results.targets = targets(results);
  fs.writeFileSync(RESULTS, `${jsonLines(results, 3)}\n`);
  updateSection('allocators', docs(results));
  const c = results.summary.configs;
  const brief = {};
  for (const pattern of PATTERNS) {
    for (const size of SIZES) {
      brief[`${pattern} ${sizeLabel(size)}`] = Object.fromEntries(results.config.variants.map((v) => [v, `${fmt(c[key(v, size, pattern)].nsPerOp, 0)} ns ${c[key(v, size, pattern)].vsAlloc.median?.toFixed(2)}×`]));
    }
  }
  console.log(JSON.stringify(brief, null, 1));
}

main();
