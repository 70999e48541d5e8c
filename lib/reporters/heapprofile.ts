// The allocation profile as a Chrome DevTools sampling heap profile
// (.heapprofile: CDP's HeapProfiler.SamplingHeapProfile, what `node --heap-prof`
// writes), for the Memory panel's Bottom-Up, Top-Down and Chart views.
// Locations are the generated ones (what V8 saw) so DevTools can open the
// script; CDP line and column numbers are 0-based (−1 when unknown).
import { AllocscopeError } from '../core/errors';
import type { Capture } from '../capture/capture';
import type { Reporter } from './reporter';
import { roundedRunning } from '../profile/rounding';

export interface HeapProfileCallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

export interface HeapProfileNode {
  callFrame: HeapProfileCallFrame;
  selfSize: number;
  id: number;
  children: HeapProfileNode[];
}

export interface HeapProfileSample {
  size: number;
  nodeId: number;
  ordinal: number;
}

export interface HeapProfile {
  head: HeapProfileNode;
  samples: HeapProfileSample[];
}


function toHeapProfile(capture: Capture): HeapProfile {
  const data = capture.profile;
  if (!data) {
    throw new AllocscopeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', 'this capture has no allocation profile (the sampler did not run), so there is no heap profile to write');
  }
  const { strings, frames, nodes } = data;
  const selfSize = roundedRunning(nodes.selfBytes);
  const callFrames: (HeapProfileCallFrame | undefined)[] = [];
  const callFrame = (f: number): HeapProfileCallFrame => {
    let cf = callFrames[f];
    if (!cf) {
      const line = frames.line[f]!, column = frames.column[f]!;
      cf = {
        functionName: strings[frames.name[f]!]!,
        scriptId: String(frames.scriptId[f]!),
        url: strings[frames.script[f]!]!,
        // V8's AllocationProfile positions are 1-based with 0 for "none".
        lineNumber: line > 0 ? line - 1 : -1,
        columnNumber: column > 0 ? column - 1 : -1,
      };
      callFrames[f] = cf;
    }
    return cf;
  };
  const out: HeapProfileNode[] = new Array(nodes.parent.length);
  const samples: HeapProfileSample[] = [];
  for (let i = 0; i < out.length; i++) {
    // Ids as V8 numbers them (the root is 1); parents precede children.
    const node: HeapProfileNode = { callFrame: callFrame(nodes.frame[i]!), selfSize: selfSize[i]!, id: i + 1, children: [] };
    out[i] = node;
    if (i > 0) out[nodes.parent[i]!]!.children.push(node);
    // One sample per node carrying its self size: DevTools sums samples by
    // node when a range of ordinals is selected, so they must add up to selfSize.
    if (node.selfSize > 0) samples.push({ size: node.selfSize, nodeId: node.id, ordinal: samples.length + 1 });
  }
  return { head: out[0]!, samples };
}

export const heapprofileReporter: Reporter = {
  document: 'Capture',
  format: 'heapprofile',
  description: 'Chrome DevTools Memory panel sampling heap profile (.heapprofile)',
  extension: '.heapprofile',
  render: (capture) => JSON.stringify(toHeapProfile(capture)),
};
