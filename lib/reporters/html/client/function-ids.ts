// Which frames are the same function: "focus on this frame" and "merge by
// function" treat every frame with the same name and location as one. The
// location counts, not the name alone: "(anonymous)" is many functions.
import type { PageProfile } from './page-data';

/** Per frame, the first frame with the same name, file, line and column. */
export function functionIds(frames: PageProfile['frames'], strings: readonly string[]): Int32Array {
  const first = new Map<string, number>();
  const ids = new Int32Array(frames.name.length);
  for (let f = 0; f < ids.length; f++) {
    const key = functionKey(frames, strings, f);
    let id = first.get(key);
    if (id === undefined) { id = f; first.set(key, f); }
    ids[f] = id;
  }
  return ids;
}

/** A frame's function as text, "name@file:line:column": what the URL's hash keeps of a focus. */
export function functionKey(frames: PageProfile['frames'], strings: readonly string[], f: number): string {
  return `${strings[frames.name[f]!]}@${strings[frames.file[f]!]}:${frames.line[f]}:${frames.column[f]}`;
}
