// What a frame is, for people: the shape frames.ts builds. Kept apart from
// frames.ts (which reads process.cwd()), with no Node import, so that a top
// table's row (top-row.ts), which the HTML report's page reads, can name it;
// frames.ts re-exports it.

export interface FrameInfo {
  function: string;
  /** The location reported: the original one when a source map exists. */
  file: string;
  line: number;
  column: number;
  /** The generated (compiled) location, as V8 saw it. */
  generated: { file: string; line: number; column: number };
  /** True for V8 builtins and native code (no script). */
  builtin: boolean;
}
