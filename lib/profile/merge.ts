// Merging profiles (e.g. the main thread's and its workers'): call trees are
// joined by frame content, strings re-interned, self values added.
import { typeError } from '../core/errors';
import type { ProfileData } from './data';
import { hasLiveColumns, Profile } from './profile';

export function mergeProfiles(profiles: readonly Profile[]): Profile {
  if (profiles.length === 0 || !profiles.every((p) => p instanceof Profile)) {
    throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', 'mergeProfiles() takes a non-empty array of Profiles');
  }
  const first = profiles[0]!.data;
  for (const p of profiles) {
    if (p.data.mode !== first.mode) {
      throw typeError('ERR_ALLOCSCOPE_INVALID_ARGUMENT', `mergeProfiles() cannot merge a "${p.data.mode}" profile with a "${first.mode}" one`);
    }
  }
  const strings: string[] = [];
  const stringIds = new Map<string, number>();
  const intern = (s: string) => {
    let id = stringIds.get(s);
    if (id === undefined) { id = strings.length; strings.push(s); stringIds.set(s, id); }
    return id;
  };
  const frames = { name: [] as number[], script: [] as number[], line: [] as number[], column: [] as number[], scriptId: [] as number[] };
  const original: ProfileData['original'] = [];
  const frameIds = new Map<string, number>();
  const nodes = { parent: [-1] as number[], frame: [0] as number[], selfBytes: [0] as number[], selfCount: [0] as number[] };
  // Live figures survive a merge only when every profile has them: a sum over
  // some threads' live bytes would pass for the live bytes of all.
  const live = profiles.every((p) => hasLiveColumns(p.data));
  const liveBytes: number[] = [0], liveCount: number[] = [0];
  const childIds = new Map<string, number>();

  // Frame 0 is the root in every profile.
  intern('');
  frames.name.push(intern('(root)')); frames.script.push(0); frames.line.push(0); frames.column.push(0); frames.scriptId.push(0);
  original.push(null);
  frameIds.set('(root)', 0);

  for (const profile of profiles) {
    const d = profile.data;
    const frameMap = new Int32Array(d.frames.name.length);
    for (let f = 1; f < frameMap.length; f++) {
      const name = d.strings[d.frames.name[f]!]!;
      const script = d.strings[d.frames.script[f]!]!;
      // Script ids differ between isolates; a function is identified by name and location.
      const key = `${name}\0${script}\0${d.frames.line[f]}\0${d.frames.column[f]}`;
      let id = frameIds.get(key);
      if (id === undefined) {
        id = frames.name.length;
        frames.name.push(intern(name)); frames.script.push(intern(script));
        frames.line.push(d.frames.line[f]!); frames.column.push(d.frames.column[f]!); frames.scriptId.push(d.frames.scriptId[f]!);
        original.push(d.original?.[f] ?? null);
        frameIds.set(key, id);
      }
      frameMap[f] = id;
    }
    const nodeMap = new Int32Array(d.nodes.parent.length);
    nodes.selfBytes[0]! += d.nodes.selfBytes[0]!;
    nodes.selfCount[0]! += d.nodes.selfCount[0]!;
    if (live) { liveBytes[0]! += d.nodes.liveBytes![0]!; liveCount[0]! += d.nodes.liveCount![0]!; }
    for (let n = 1; n < nodeMap.length; n++) {
      const parent = nodeMap[d.nodes.parent[n]!]!;
      const frame = frameMap[d.nodes.frame[n]!]!;
      const key = `${parent}:${frame}`;
      let id = childIds.get(key);
      if (id === undefined) {
        id = nodes.parent.length;
        nodes.parent.push(parent); nodes.frame.push(frame); nodes.selfBytes.push(0); nodes.selfCount.push(0);
        if (live) { liveBytes.push(0); liveCount.push(0); }
        childIds.set(key, id);
      }
      nodes.selfBytes[id]! += d.nodes.selfBytes[n]!;
      nodes.selfCount[id]! += d.nodes.selfCount[n]!;
      if (live) { liveBytes[id]! += d.nodes.liveBytes![n]!; liveCount[id]! += d.nodes.liveCount![n]!; }
      nodeMap[n] = id;
    }
  }
  return new Profile({
    version: 1,
    ...(profiles.every((p) => p.data.source === 'native') ? { source: 'native' as const } : {}),
    mode: first.mode,
    intervalBytes: first.intervalBytes,
    stackDepth: Math.max(...profiles.map((p) => p.data.stackDepth)),
    startTimeMs: Math.min(...profiles.map((p) => p.data.startTimeMs)),
    endTimeMs: Math.max(...profiles.map((p) => p.data.endTimeMs)),
    threadIds: [...new Set(profiles.flatMap((p) => p.data.threadIds))].sort((a, b) => a - b),
    strings,
    frames: {
      name: Uint32Array.from(frames.name), script: Uint32Array.from(frames.script), line: Int32Array.from(frames.line),
      column: Int32Array.from(frames.column), scriptId: Int32Array.from(frames.scriptId),
    },
    nodes: {
      parent: Int32Array.from(nodes.parent), frame: Uint32Array.from(nodes.frame),
      selfBytes: Float64Array.from(nodes.selfBytes), selfCount: Float64Array.from(nodes.selfCount),
      ...(live ? { liveBytes: Float64Array.from(liveBytes), liveCount: Float64Array.from(liveCount) } : {}),
    },
    original: original.some((o) => o) ? original : undefined,
  });
}
