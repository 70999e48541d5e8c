// What a frame is, for people: names, locations, packages.
import type { OriginalPosition } from './data';
import type { FrameInfo } from './frame-info';

export type { FrameInfo } from './frame-info';

/** Shown as the file of code that has a script but no name (eval, new Function). */
const EVAL_FILE = '<eval>';

export function frameInfo(name: string, script: string, line: number, column: number, scriptId: number, original: OriginalPosition | null | undefined): FrameInfo {
  const fn = name || '(anonymous)';
  // V8 builtins and native code have no script at all; eval'd code has one without a name.
  const builtin = scriptId === 0 && script === '';
  const file = script === '' && !builtin ? EVAL_FILE : script;
  const generated = { file, line, column };
  if (original) return { function: original.name || fn, file: original.file, line: original.line, column: original.column, generated, builtin: false };
  return { function: fn, file, line, column, generated, builtin };
}

/** "fn (file:line:column)" with the file shortened relative to the cwd. */
export function frameLabel(f: FrameInfo, cwd = process.cwd()): string {
  // Frames of the malloc profiler say what they are ("[native] malloc", "[thread] libuv-worker").
  if (f.builtin && f.function.startsWith('[')) return f.function;
  if (f.builtin) return `${f.function} (native)`;
  return `${f.function} (${shortPath(f.file, cwd)}:${f.line}:${f.column})`;
}

export function shortPath(file: string, cwd = process.cwd()): string {
  const plain = file.startsWith('file://') ? decodeURIComponent(file.slice(7)) : file;
  return cwd && plain.startsWith(cwd + '/') ? plain.slice(cwd.length + 1) : plain;
}

/** The npm package a file belongs to, '(node)' for Node internals, '(native)', or '(app)'. */
export function packageOf(file: string): string {
  if (file === '') return '(native)';
  if (file.startsWith('node:')) return '(node)';
  const plain = file.replace(/\\/g, '/');
  const at = plain.lastIndexOf('/node_modules/');
  if (at < 0) return '(app)';
  const parts = plain.slice(at + '/node_modules/'.length).split('/');
  return parts[0]!.startsWith('@') && parts.length > 1 ? `${parts[0]}/${parts[1]}` : parts[0]!;
}
