// Maps generated locations (compiled TypeScript, bundles) back to their sources
// with @jridgewell/trace-mapping, from a `//# sourceMappingURL=` comment (a file
// next to the script or an inline data: URL). Maps are read once per script.
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

const MAPPING_URL = /\/\/[#@] ?sourceMappingURL=([^\s'"]+)\s*$/m;

function loadMap(script: string): TraceMap | null {
  try {
    const file = script.startsWith('file://') ? fileURLToPath(script) : script;
    if (!path.isAbsolute(file) || !fs.existsSync(file)) return null;
    const source = fs.readFileSync(file, 'utf8');
    // The last sourceMappingURL comment wins (bundlers may embed others).
    const matches = [...source.matchAll(new RegExp(MAPPING_URL.source, 'gm'))];
    const url = matches[matches.length - 1]?.[1];
    if (!url) return null;
    if (url.startsWith('data:')) {
      const comma = url.indexOf(',');
      const body = url.slice(comma + 1);
      const json = /;base64$/.test(url.slice(0, comma)) ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
      return new (traceMapping().TraceMap)(json, pathToFileURL(file).href);
    }
    const mapFile = url.startsWith('file://') ? fileURLToPath(url) : path.resolve(path.dirname(file), decodeURIComponent(url));
    return new (traceMapping().TraceMap)(fs.readFileSync(mapFile, 'utf8'), pathToFileURL(mapFile).href);
  } catch {
    return null; // a broken or missing map: keep the generated location
  }
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
    const o = traceMapping().originalPositionFor(map, { line, column: Math.max(0, column - 1) });
    if (o.source === null || o.line === null) return null;
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
