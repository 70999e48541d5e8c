'use strict';
// Part 3 of the sampler benchmark: how long it takes to turn a large sampled
// heap profile (≥ 10,000 call-tree nodes) into something usable, in a fresh
// process. Prints one JSON line. Usage:
//   node convert-child.js <tool> <intervalBytes> <paths> <repeats> <collections>
// tool: allocscope-live | allocscope-allocated | pprof | inspector
//
// The workload: a generated module of many functions that call each other along
// many fixed pseudo-random paths, each frame allocating (and retaining) a few
// objects, so that live profiles keep every sampled node. A small sampling
// interval gives most paths a sample. The profile is then collected
// 1 + <collections> times from the same sampler state; the first (cold)
// collection is reported apart, the median of the others is the figure.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { prng } = require('./workloads');

const TOOLS = ['allocscope-live', 'allocscope-allocated', 'pprof', 'inspector'];
const [tool, intervalArg, pathsArg, repeatsArg, collectionsArg] = process.argv.slice(2);
if (!TOOLS.includes(tool)) {
  console.error(`convert-child.js: tool must be one of ${TOOLS.join(', ')}, got ${JSON.stringify(tool)}`);
  process.exit(2);
}
const intervalBytes = Number(intervalArg ?? 256);
const pathCount = Number(pathsArg ?? 4000);
const repeats = Number(repeatsArg ?? 4);
const collections = Number(collectionsArg ?? 7);
const FUNCTIONS = 400;
const PATH_LENGTH = 6;
const STACK_DEPTH = 64;

// ---- the generated workload ----------------------------------------------------

function generateModule(file) {
  const lines = ["'use strict';", 'const F = [];'];
  for (let k = 0; k < FUNCTIONS; k++) {
    // Varied shapes and sizes: an object literal and an array literal per frame.
    const fields = Array.from({ length: 1 + (k % 6) }, (_, j) => `f${j}: i + ${j}`).join(', ');
    const elements = Array.from({ length: 2 + (k % 9) }, (_, j) => `i * ${j + 1}`).join(', ');
    lines.push(
      `F[${k}] = function fn${k}(path, i, keep) {`,
      `  const o = { k: ${k}, ${fields} };`,
      `  const a = [${elements}];`,
      '  keep.push(o, a);',
      '  if (i < path.length) return F[path[i]](path, i + 1, keep);',
      '  return a.length;',
      '};',
    );
  }
  lines.push('module.exports = F;');
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

function runWorkload(F) {
  const rand = prng(1234);
  const paths = [];
  for (let p = 0; p < pathCount; p++) {
    paths.push(Int32Array.from({ length: PATH_LENGTH }, () => Math.floor(rand() * FUNCTIONS)));
  }
  const keep = [];
  let checksum = 0;
  for (let r = 0; r < repeats; r++) {
    for (const p of paths) checksum = (checksum + F[p[0]](p, 1, keep)) | 0;
  }
  return { keep, checksum };
}

// ---- helpers -------------------------------------------------------------------

const now = () => process.hrtime.bigint();
const ms = (t0, t1) => Number(t1 - t0) / 1e6;
function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}
function countInspectorNodes(head) {
  let n = 0;
  const stack = [head];
  while (stack.length) {
    const node = stack.pop();
    n++;
    for (const c of node.children) stack.push(c);
  }
  return n;
}
function countV8Nodes(root) {
  let n = 0;
  const stack = [root];
  while (stack.length) {
    const node = stack.pop();
    n++;
    for (const c of node.children) stack.push(c);
  }
  return n;
}

// ---- main ----------------------------------------------------------------------

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-bench-convert-'));
  const file = path.join(dir, 'generated.js');
  generateModule(file);
  const out = { tool, intervalBytes, pathCount, repeats, functions: FUNCTIONS, pathLength: PATH_LENGTH, collections };
  let session = null;
  try {
    const F = require(file);
    // Start the sampler the way each tool does.
    let allocscope, native, pprof;
    if (tool.startsWith('allocscope')) {
      // ALLOCSCOPE_DIST: the runner's snapshot of dist/ (run.js --node).
      const dist = process.env.ALLOCSCOPE_DIST || path.join(__dirname, '..', '..', 'dist');
      allocscope = require(dist);
      native = require(path.join(dist, 'core', 'native')).native;
      allocscope.heap.start({ intervalBytes, stackDepth: STACK_DEPTH, mode: tool === 'allocscope-live' ? 'live' : 'allocated', foldIntervalMs: 0 });
    } else if (tool === 'pprof') {
      pprof = require('@datadog/pprof');
      pprof.heap.start(intervalBytes, STACK_DEPTH);
    } else {
      const inspector = require('node:inspector');
      session = new inspector.Session();
      session.connect();
      const post = (method, params) => new Promise((resolve, reject) =>
        session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
      session.postAsync = post;
      await post('HeapProfiler.enable');
      await post('HeapProfiler.startSampling', { samplingInterval: intervalBytes });
    }

    const t0 = now();
    const { keep, checksum } = runWorkload(F);
    out.workloadMs = ms(t0, now());
    out.checksum = checksum;
    out.retainedObjects = keep.length;

    const timings = {};
    const record = (name, value) => { (timings[name] ??= []).push(value); };

    if (tool.startsWith('allocscope')) {
      // Three figures per collection, interleaved:
      //   raw:        the addon alone (V8's AllocationProfile → flat typed arrays + string table);
      //   profileTop: heap.profile({ sourceMaps: false }) + top(20): the figure for the target;
      //   withMaps:   heap.profile() (source maps on, the default) + top(20).
      for (let c = 0; c <= collections; c++) {
        let t = now();
        const raw = native.sampler.collect();
        record('raw', ms(t, now()));
        if (c === 0) out.rawStrings = raw.strings.length;

        t = now();
        const p = allocscope.heap.profile({ sourceMaps: false });
        const t1 = now();
        const top = p.top(20);
        const t2 = now();
        record('profile', ms(t, t1));
        record('top', ms(t1, t2));
        record('profileTop', ms(t, t2));
        if (c === 0) {
          out.nodes = p.nodeCount;
          out.frames = p.data.frames.name.length;
          out.nodesWithSamples = Array.from(p.data.nodes.selfCount).filter((x) => x > 0).length;
          out.topRows = top.length;
          out.topSite = top[0]?.label ?? null;
        }

        t = now();
        const q = allocscope.heap.profile();
        q.top(20);
        record('withMaps', ms(t, now()));
      }
      allocscope.heap.stop();
    } else if (tool === 'pprof') {
      // heap.profile(): V8's AllocationProfile → a pprof-format Profile object (not encoded).
      const root = pprof.heap.v8Profile();
      out.nodes = countV8Nodes(root);
      // v8ProfileV2 hands a lazily wrapped V8 AllocationProfile to a callback: with a
      // callback that does nothing, it is about the floor for anything that goes through
      // V8's GetAllocationProfile (which builds V8's own copy of the tree and its strings).
      const { v8ProfileV2 } = require('@datadog/pprof/out/src/heap-profiler');
      for (let c = 0; c <= collections; c++) {
        let t = now();
        v8ProfileV2(() => 0);
        record('v8Floor', ms(t, now()));
        t = now();
        const p = pprof.heap.profile();
        record('profile', ms(t, now()));
        if (c === 0) {
          out.pprofSamples = p.sample.length;
          out.pprofLocations = p.location.length;
          out.pprofFunctions = p.function.length;
        }
      }
      pprof.heap.stop();
    } else {
      // HeapProfiler.getSamplingProfile: V8's profile → protocol JSON → parsed JS objects.
      for (let c = 0; c <= collections; c++) {
        const t = now();
        const { profile } = await session.postAsync('HeapProfiler.getSamplingProfile');
        record('profile', ms(t, now()));
        if (c === 0) {
          out.nodes = countInspectorNodes(profile.head);
          out.inspectorSamples = profile.samples.length;
        }
      }
      await session.postAsync('HeapProfiler.stopSampling');
      session.disconnect();
    }
    out.cold = Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, v[0]]));
    out.samples = Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, v.slice(1)]));
    out.median = Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, median(v.slice(1))]));
    if (keep.length === 0) throw new Error('nothing retained');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
