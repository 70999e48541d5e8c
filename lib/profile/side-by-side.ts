// Two profiles under one root, each below a frame of its own ("JS heap",
// "native memory"): the HTML report's "both" view of a `run --native` capture.
import type { ProfileData } from './data';

export function sideBySide(parts: { label: string; data: ProfileData }[]): ProfileData {
  const first = parts[0]!.data;
  const strings: string[] = [];
  const frames = { name: [] as number[], script: [] as number[], line: [] as number[], column: [] as number[], scriptId: [] as number[] };
  const nodes = { parent: [-1], frame: [0], selfBytes: [0], selfCount: [0] };
  const addFrame = (name: number, script: number, line: number, column: number, scriptId: number) => {
    frames.name.push(name); frames.script.push(script); frames.line.push(line); frames.column.push(column); frames.scriptId.push(scriptId);
    return frames.name.length - 1;
  };
  // Frame 0 stands for the shared root (never labelled).
  strings.push('');
  addFrame(0, 0, 0, 0, 0);
  for (const { label, data } of parts) {
    const stringBase = strings.length;
    strings.push(...data.strings);
    const frameBase = frames.name.length;
    const f = data.frames;
    for (let i = 0; i < f.name.length; i++) addFrame(stringBase + f.name[i]!, stringBase + f.script[i]!, f.line[i]!, f.column[i]!, f.scriptId[i]!);
    strings.push(label);
    const labelFrame = addFrame(strings.length - 1, 0, 0, 0, 0);
    const top = nodes.parent.length;
    nodes.parent.push(0); nodes.frame.push(labelFrame); nodes.selfBytes.push(0); nodes.selfCount.push(0);
    // The part's own root (node 0) becomes the label node; the rest keep their order.
    const n = data.nodes;
    const nodeBase = nodes.parent.length - 1;
    for (let i = 1; i < n.parent.length; i++) {
      const p = n.parent[i]!;
      nodes.parent.push(p === 0 ? top : nodeBase + p);
      nodes.frame.push(frameBase + n.frame[i]!);
      nodes.selfBytes.push(n.selfBytes[i]!);
      nodes.selfCount.push(n.selfCount[i]!);
    }
  }
  return {
    version: 1,
    mode: first.mode,
    intervalBytes: first.intervalBytes,
    stackDepth: Math.max(...parts.map((p) => p.data.stackDepth)),
    startTimeMs: Math.min(...parts.map((p) => p.data.startTimeMs)),
    endTimeMs: Math.max(...parts.map((p) => p.data.endTimeMs)),
    threadIds: [...new Set(parts.flatMap((p) => p.data.threadIds))].sort((a, b) => a - b),
    strings,
    frames,
    nodes,
  };
}
