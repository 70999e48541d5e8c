// Maps generated locations (compiled TypeScript, bundles) back to their sources
// with @jridgewell/trace-mapping, from a `//# sourceMappingURL=` comment (a file
// next to the script or an inline data: URL). Maps are read once per script.
// Scripts are searched for the comment a block of lines at a time, never read
// whole: a profile taken at exit often names a bundle of several MiB (tsc's
// _tsc.js is 6 MiB), whose text and buffer were most of the agent's peak memory.
import type { TraceMap } from '@jridgewell/trace-mapping';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isOwnFile } from '../core/own-files';
import type { OriginalPosition, ProfileData } from './data';

/** trace-mapping, loaded when the first script with a source map turns up (most profiled programs have none). */
function traceMapping(): typeof import('@jridgewell/trace-mapping') {
  return require('@jridgewell/trace-mapping') as typeof import('@jridgewell/trace-mapping');
}

const MAPPING_URL = /\/\/[#@] ?sourceMappingURL=([^\s'"]+)\s*$/gm;
/** Every match of MAPPING_URL contains this, and no line break. */
const NEEDLE = Buffer.from('sourceMappingURL=');
/** Bytes read at a time; a block grows to the end of its last line. */
const BLOCK_BYTES = 64 * 1024;

/**
 * The URL of the file's last sourceMappingURL comment (bundlers may embed others),
 * or undefined: the last match of MAPPING_URL over the whole text, found without
 * holding the text. The file is read in blocks that end after a '\n' (a line
 * longer than a block is read whole): a match lies within one line (its URL has
 * no whitespace, and the whitespace it may take after it is not needed for it to
 * match when the block ends at a line break), so matching block by block finds
 * the matches that matching the whole text does. Blocks without the literal
 * `sourceMappingURL=` are not decoded.
 */
export function lastMappingUrl(file: string): string | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    let url: string | undefined;
    let block = Buffer.allocUnsafe(BLOCK_BYTES);
    for (let position = 0; ;) {
      let n = 0;
      while (n < block.length) {
        const read = fs.readSync(fd, block, n, block.length - n, position + n);
        if (read === 0) break;
        n += read;
      }
      if (n === 0) break;
      let end = block.lastIndexOf(0x0a, n - 1) + 1;
      if (end === 0) {
        if (n === block.length) { block = Buffer.allocUnsafe(2 * block.length); continue; } // the line goes on
        end = n; // the last line, without a line break
      }
      const bytes = block.subarray(0, end);
      if (bytes.includes(NEEDLE)) for (const m of bytes.toString('utf8').matchAll(MAPPING_URL)) url = m[1];
      position += end;
    }
    return url;
  } finally {
    fs.closeSync(fd);
  }
}

function loadMap(script: string): TraceMap | null {
  try {
    const file = script.startsWith('file://') ? fileURLToPath(script) : script;
    if (!path.isAbsolute(file) || !fs.existsSync(file)) return null;
    const url = lastMappingUrl(file);
    if (!url) return null;
    if (url.startsWith('data:')) {
      const comma = url.indexOf(',');
      const body = url.slice(comma + 1);
      const json = /;base64$/.test(url.slice(0, comma)) ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
      return new (traceMapping().TraceMap)(json, pathToFileURL(file).href);
    }
    const mapFile = url.startsWith('file://') ? fileURLToPath(url) : path.resolve(path.dirname(file), decodeURIComponent(url));
    const map = fs.readFileSync(mapFile, 'utf8'); // before trace-mapping loads: a comment whose map is missing loads nothing
    return new (traceMapping().TraceMap)(map, pathToFileURL(mapFile).href);
  } catch {
    return null; // a broken or missing map: keep the generated location
  }
}

/** Lines after an unmapped position searched for the code that follows it. */
const FOLLOWING_LINES = 8;

/**
 * The original position at (line, 0-based column). A frame's position is where its function
 * starts; a compiler's prologue there can have no mapping (TypeScript's CommonJS output starts
 * the module function with "use strict" and export lines, unmapped), so an unmapped position
 * takes the original file of the first mapped code after it, within a few lines, and that
 * code's position; the module function itself (1:1) starts at the top of that file.
 */
function lookup(map: TraceMap, line: number, column: number): { source: string; line: number; column: number | null; name: string | null } | null {
  const tm = traceMapping();
  const o = tm.originalPositionFor(map, { line, column });
  if (o.source !== null && o.line !== null) return o as { source: string; line: number; column: number | null; name: string | null };
  for (let l = line, c = column; l <= line + FOLLOWING_LINES; l++, c = 0) {
    const next = tm.originalPositionFor(map, { line: l, column: c, bias: tm.LEAST_UPPER_BOUND });
    if (next.source === null || next.line === null) continue;
    return line === 1 && column === 0 ? { source: next.source, line: 1, column: 0, name: null } : { source: next.source, line: next.line, column: next.column, name: null };
  }
  return null;
}

/** Reads source maps for scripts, caching per script path for the process lifetime. */
export class SourceMapResolver {
  #maps = new Map<string, TraceMap | null>();

  position(script: string, line: number, column: number): OriginalPosition | null {
    // allocscope's own frames are left as they are: reports drop or fold them by
    // their dist/ path, and reading our maps would load trace-mapping into every program.
    if (!script || script.startsWith('node:') || isOwnFile(script)) return null;
    let map = this.#maps.get(script);
    if (map === undefined) { map = loadMap(script); this.#maps.set(script, map); }
    if (!map || line < 1) return null;
    // V8 columns are 1-based; trace-mapping's are 0-based.
    const o = lookup(map, line, Math.max(0, column - 1));
    if (o === null) return null;
    const file = o.source.startsWith('file://') ? fileURLToPath(o.source) : o.source;
    return { file, line: o.line, column: (o.column ?? 0) + 1, name: o.name };
  }

  /** Original positions for every frame of `data` (null where there is no map). */
  resolve(data: ProfileData): (OriginalPosition | null)[] | undefined {
    const out: (OriginalPosition | null)[] = [];
    let any = false;
    for (let f = 0; f < data.frames.name.length; f++) {
      const p = this.position(data.strings[data.frames.script[f]!]!, data.frames.line[f]!, data.frames.column[f]!);
      out.push(p);
      any ||= p !== null;
    }
    return any ? out : undefined;
  }
}
