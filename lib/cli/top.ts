// allocscope top [options] [--] script.js [args…]: the top allocation sites of a program.
import { profilingNodeOptions } from '../sampler/inlining';
import { Profile, type GroupBy } from '../profile/profile';
import { renderTopText } from '../profile/top-text';
import { parseArgs, parseChoice, parseCount } from './args';
import { MALLOC_MAX_DEPTH, SAMPLER_DEFAULTS, SAMPLER_SCHEMA } from '../sampler/options';
import { byteSizeText, parseSamplerFlags, SAMPLER_FLAGS } from './sampler-flags';
import { exitStatusOf, runWithPreload } from './run-with-preload';
import { usageError } from './usage-error';


export const TOP_HELP = `Usage: allocscope top [options] [--] script.js [args…]

Runs "node script.js args…" with the sampling heap profiler from the first line
and prints its top allocation sites when the program ends. Its exit code passes
through.

Options:
  --mode <m>        allocated (default: everything allocated) or live (still in the heap at exit)
  --interval <n>    mean bytes between samples, e.g. ${byteSizeText(SAMPLER_DEFAULTS.intervalBytes)} (default), 64k, 4096
  --depth <n>       stack frames per sample, ${SAMPLER_SCHEMA.stackDepth.min}–${SAMPLER_SCHEMA.stackDepth.max} (default ${SAMPLER_DEFAULTS.stackDepth})
  --by <g>          site (default), function, file, package or stack
  -n, --top <n>     rows to print (default 15)
  --include <glob>  only allocations whose file matches (picomatch glob)
  --exclude <glob>  drop allocations whose file matches
  --json            print the rows as JSON
  --keep-inlining   keep V8's inlining. It is turned off by
                    default (Turbofan and Maglev), so that an inlined function's
                    allocations are not charged to its caller (docs/reports.md)
  --native          native memory instead (malloc & co., operator new, mmap, every
                    thread) by JS and native stack; --depth at most 256 (docs/native-memory.md)
  -h, --help        this text`;

const GROUPS: readonly GroupBy[] = ['site', 'function', 'file', 'package', 'stack'];

export async function runTop(argv: string[]): Promise<number> {
  const { options: o, program } = parseArgs('top', argv, {
    ...SAMPLER_FLAGS, by: { type: 'string' },
    top: { type: 'string', short: 'n' }, include: { type: 'string' }, exclude: { type: 'string' }, json: { type: 'boolean' },
    'keep-inlining': { type: 'boolean' }, native: { type: 'boolean' },
  });
  const sampler = parseSamplerFlags('top', o, { mode: 'allocated' });
  const by = o.by === undefined ? 'site' : parseChoice('top', 'by', String(o.by), GROUPS);
  const n = o.top === undefined ? 15 : parseCount('top', 'top', String(o.top), 1, 1_000_000);

  if (o.native && sampler.stackDepth > MALLOC_MAX_DEPTH) throw usageError(`top: option "--depth" must be at most ${MALLOC_MAX_DEPTH} with --native, got "${o.depth}"`);
  const exit = await runWithPreload('top', program, o.native ? { native: sampler } : { heap: sampler }, profilingNodeOptions(Boolean(o['keep-inlining'])));
  if (!exit.result?.profile) return exitStatusOf(exit);
  let profile = Profile.fromJSON(exit.result.profile);
  if (o.include !== undefined || o.exclude !== undefined) {
    profile = profile.filter({ ...(o.include !== undefined ? { include: String(o.include) } : {}), ...(o.exclude !== undefined ? { exclude: String(o.exclude) } : {}) });
  }
  const rows = profile.top(n, { by });
  process.stdout.write(o.json ? `${JSON.stringify(rows, null, 2)}\n` : `${renderTopText(profile, rows, by)}\n`);
  return exitStatusOf(exit);
}
