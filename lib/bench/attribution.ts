// Which samples of a counting window the measured operation made.
//
// The harness calls the operation through OPERATION_WRAPPER (a function of ours,
// called from C++ so that it is never inlined into a loop). Walking each sample's
// stack from the allocating frame towards the root:
//   - the first allocscope frame met is the wrapper → the operation's;
//   - another allocscope frame (the sampler's start/collect, the async loop's
//     awaits) → the harness's, not counted;
//   - no allocscope frame at all → for an async operation, the operation's (it
//     resumes from microtasks, outside the wrapper); for a sync one, not counted
//     unless the stack was cut at the sampler's depth (then it is the operation's).
import { isOwnFile } from '../core/own-files';
import type { ProfileData } from '../profile/data';
import { keepNodeValues, Profile } from '../profile/profile';

/** The wrapper's function name: unique, so a frame can be recognised by name and file. */
export const OPERATION_WRAPPER = 'allocscopeMeasuredOperation';


const enum Owner { Unknown = 0, Operation = 1, Harness = 2, Outside = 3 }

/** The operation's share of a profile: the same tree with every other sample zeroed. */
export function operationProfile(data: ProfileData, includeOutside: boolean): Profile {
  const { strings, frames, nodes } = data;
  const frameOwner = new Uint8Array(frames.name.length);
  for (let f = 0; f < frameOwner.length; f++) {
    const script = strings[frames.script[f]!]!;
    if (!isOwnFile(script)) frameOwner[f] = Owner.Unknown;
    else frameOwner[f] = strings[frames.name[f]!] === OPERATION_WRAPPER ? Owner.Operation : Owner.Harness;
  }
  // A node's owner is its frame's if that is ours; otherwise its parent's (the caller's).
  const n = nodes.parent.length;
  const owner = new Uint8Array(n);
  const resolve = (i: number): number => {
    const chain: number[] = [];
    let at = i;
    while (at >= 0 && owner[at] === Owner.Unknown) {
      const own = frameOwner[nodes.frame[at]!]!;
      if (own !== Owner.Unknown) { owner[at] = own; break; }
      chain.push(at);
      at = nodes.parent[at]!;
    }
    const value = at >= 0 ? owner[at]! : Owner.Outside;
    for (const c of chain) owner[c] = value;
    return value;
  };
  // A stack cut at the sampler's depth has lost its root side (and our frames with it).
  const depthOf = new Int32Array(n).fill(-1);
  const depth = (i: number): number => {
    if (depthOf[i]! >= 0) return depthOf[i]!;
    const p = nodes.parent[i]!;
    depthOf[i] = p < 0 ? 0 : depth(p) + 1;
    return depthOf[i]!;
  };
  const truncated = (i: number) => depth(i) >= data.stackDepth;
  const kept = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const o = owner[i] || resolve(i);
    if (o === Owner.Harness) continue;
    if (o === Owner.Outside && !includeOutside && !truncated(i)) continue;
    kept[i] = 1;
  }
  return new Profile({ ...data, nodes: keepNodeValues(nodes, kept) });
}

/** Label for allocations made by the wrapper's own frame: a builtin or bound function. */
export function siteLabel(label: string): string {
  return label.startsWith(`${OPERATION_WRAPPER} `) ? '(the measured function itself: native or builtin code)' : label;
}
