'use strict';
// One measured run in a fresh process: node child.js <variant> <heapMB> [file]
//   allocscope  build the heap, snapshot.analyze() with a retainer path (take + dominators
//               + retained sizes + paths), in-process
//   write       build the heap, v8.writeHeapSnapshot(file) (memlab's input; V8's take + JSON)
//   memlab      load <file> with @memlab/heap-analysis getFullHeapFromFile (parse + shortest
//               paths + dominators + retained sizes) and find the path to one Session
// Prints one JSON line: times in ms, RSS in MB (peak from getrusage).
const path = require('node:path');
const v8 = require('node:v8');

const [variant, heapMB, file] = [process.argv[2], Number(process.argv[3]), process.argv[4]];
const rssMB = () => process.memoryUsage().rss / 1e6;
const peakMB = () => process.resourceUsage().maxRSS / 1024;
const now = () => performance.now();

async function main() {
  if (variant === 'memlab') {
    const { getFullHeapFromFile } = require('@memlab/heap-analysis');
    const { analysis } = require('@memlab/core');
    const before = rssMB();
    const t0 = now();
    const heap = await getFullHeapFromFile(file);
    const loadMs = now() - t0;
    let session = null;
    let sessions = 0;
    heap.nodes.forEach((node) => {
      if (node.name === 'Session' && node.type === 'object') {
        sessions++;
        if (!session || node.retainedSize > 0) session = session ?? node;
      }
    });
    const finder = analysis.preparePathFinder(heap);
    const pathToSession = session ? finder.getPathToGCRoots(heap, session) : null;
    const totalMs = now() - t0;
    console.log(JSON.stringify({ variant, loadMs, totalMs, rssBeforeMB: before, peakRssMB: peakMB(), nodes: heap.nodes.length, sessions, path: Boolean(pathToSession) }));
    return;
  }
  const { buildHeap } = require('./heap');
  buildHeap(heapMB);
  global.gc?.();
  const heapUsedMB = process.memoryUsage().heapUsed / 1e6;
  const before = rssMB();
  const peakBefore = peakMB();
  if (variant === 'allocscope') {
    const dist = path.resolve(__dirname, '..', '..', 'dist');
    const { snapshot } = require(dist);
    // The public API drops the native phases (thread CPU times, peak RSS per stage): keep them for the notes.
    const { native } = require(path.join(dist, 'core', 'native'));
    const analyzeNative = native.snapshot.analyze;
    let phases = null;
    native.snapshot.analyze = (...args) => { const raw = analyzeNative.apply(native.snapshot, args); phases = raw.phases; return raw; };
    const t0 = now();
    const r = snapshot.analyze({ retainerPathsFor: ['Session'], progress: false });
    const totalMs = now() - t0;
    const s = r.counts.Session;
    console.log(JSON.stringify({ variant, heapUsedMB, totalMs, takeMs: r.takeMs, analyzeMs: r.analyzeMs, rssBeforeMB: before, peakBeforeMB: peakBefore,
      peakRssMB: peakMB(), nodes: r.nodeCount, edges: r.edgeCount, graphMB: r.graphBytes / 1e6, sessions: s.count, path: Boolean(r.retainerPaths.Session),
      takeCpuMs: phases.takeCpuMs, convertCpuMs: phases.convertCpuMs, analyzeCpuMs: phases.analyzeCpuMs, convertUsPerNode: phases.convertCpuMs * 1000 / r.nodeCount,
      peakAfterTakeMB: phases.peakAfterTakeMB, peakAfterConvertMB: phases.peakAfterConvertMB, conversionMB: phases.conversionBytes / 1e6, nodeIndex: phases.nodeIndex }));
  } else if (variant === 'write') {
    const t0 = now();
    v8.writeHeapSnapshot(file);
    const writeMs = now() - t0;
    console.log(JSON.stringify({ variant, heapUsedMB, writeMs, rssBeforeMB: before, peakBeforeMB: peakBefore, peakRssMB: peakMB(),
      fileMB: require('node:fs').statSync(file).size / 1e6 }));
  } else {
    throw new Error(`unknown variant ${variant}`);
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
