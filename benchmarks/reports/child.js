'use strict';
// One measurement in a fresh process: read a capture and render one format.
// Prints {readMs, renderMs, outputBytes}.
const { readCapture } = require('../../dist/capture/file');
const { reporterFor } = require('../../dist/reporters');
const { DEFAULT_REPORT_OPTIONS } = require('../../dist/reporters/reporter');

const [file, format] = process.argv.slice(2);
const t0 = process.hrtime.bigint();
const capture = readCapture(file);
const t1 = process.hrtime.bigint();
const out = reporterFor('Capture', format).render(capture, DEFAULT_REPORT_OPTIONS);
const t2 = process.hrtime.bigint();
console.log(JSON.stringify({ readMs: Number(t1 - t0) / 1e6, renderMs: Number(t2 - t1) / 1e6, outputBytes: Buffer.byteLength(out) }));
