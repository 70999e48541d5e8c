'use strict';
// Continuous mode exports the program's arguments only when asked: they can
// carry secrets (`--db-password=…`), and every profile goes to the backend.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { CLI } = require('./helpers');
const { startReceiver, runNodeAsync } = require('./continuous-helpers');

const SECRET = 'SuperSecret123';

/** `allocscope run --continuous --push <receiver> app.js --db-password=…` until two profiles have arrived; every string pushed. */
async function pushedStrings(env) {
  const receiver = await startReceiver();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allocscope-argv-'));
  try {
    const app = path.join(dir, 'app.js');
    // Runs until two profiles have been pushed (the preload's session, seen through the same dist), at most 30 s.
    fs.writeFileSync(app, `const { continuous } = require(process.env.ALLOCSCOPE_DIST);
      const keep = []; setInterval(() => { for (let i = 0; i < 5000; i++) keep.push({ i }); keep.splice(0, 2500); }, 5);
      const t0 = Date.now();
      setInterval(() => { if ((continuous.stats()?.exported ?? 0) >= 2 || Date.now() - t0 > 30000) process.exit(0); }, 20);\n`);
    const r = await runNodeAsync({ file: CLI, args: ['run', '--continuous', '--push', receiver.url, '--period', '100', '--service', 'argv', app, `--db-password=${SECRET}`], env });
    assert.equal(r.status, 0, r.stderr);
    const got = receiver.requests.filter((q) => q.profile);
    assert.ok(got.length >= 2, `profiles arrived (${receiver.requests.length} requests)`);
    return { strings: got.flatMap((q) => [...q.profile.strings, q.path, JSON.stringify(q.query), JSON.stringify(q.labels)]), app };
  } finally {
    await receiver.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('continuous: by default the program\'s arguments do not reach the backend, only the script', async () => {
  const { strings, app } = await pushedStrings({});
  assert.deepEqual(strings.filter((s) => s.includes(SECRET)), []);
  assert.ok(strings.includes(`allocscope ${app}`), 'the header names the script');
});

test('continuous: ALLOCSCOPE_EXPORT_ARGV=1 opts in to exporting them', async () => {
  const { strings, app } = await pushedStrings({ ALLOCSCOPE_EXPORT_ARGV: '1' });
  assert.ok(strings.includes(`allocscope ${app} --db-password=${SECRET}`), strings.filter((s) => s.startsWith('allocscope')).join(' | '));
});
