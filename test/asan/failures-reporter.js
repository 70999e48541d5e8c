'use strict';
// A node:test reporter for the sanitizer lane (test/asan/run.js): one JSON line
// per failed test, so the lane can tell a test that cannot pass under ASan (see
// asan-incompatible.js) from a new failure. Parents that failed only because a
// subtest did ("subtestsFailed") are left out: their failing subtests are listed.
// Harmless if `node --test test/` picks it up as a test file: it only exports.
module.exports = async function* failuresReporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:fail') continue;
    const { name, nesting, file, details } = event.data;
    const error = details?.error ?? {};
    if (error.failureType === 'subtestsFailed') continue;
    const cause = error.cause ?? error;
    yield `${JSON.stringify({
      file: file ?? null,
      name,
      nesting,
      failureType: error.failureType ?? null,
      exitCode: error.exitCode ?? null,
      signal: error.signal ?? null,
      message: String(cause?.message ?? cause).slice(0, 2000),
    })}\n`;
  }
};
