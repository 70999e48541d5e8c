// The page's script: the TypeScript in ./client, bundled by esbuild at build time
// (npm run build:ts) into client.bundle.js beside this file's compiled copy in
// dist/reporters/html/, and read once when the first report is rendered.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AllocscopeError } from '../../core/errors';

export const CLIENT_BUNDLE = path.join(__dirname, 'client.bundle.js');

let cached: string | undefined;

export function clientScript(): string {
  if (cached === undefined) {
    try {
      cached = fs.readFileSync(CLIENT_BUNDLE, 'utf8');
    } catch (error) {
      throw new AllocscopeError('ERR_ALLOCSCOPE_UNSUPPORTED',
        `the HTML report's script is missing (${CLIENT_BUNDLE}: ${(error as Error).message}); this copy of allocscope was not built completely: run npm run build:ts`);
    }
  }
  return cached;
}
