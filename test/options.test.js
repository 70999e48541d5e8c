'use strict';
// Every bad option is a TypeError with a stable code and a message naming the option.
const test = require('node:test');
const assert = require('node:assert/strict');
const { gc, malloc, memory } = require('../dist');

const BAD = [
  // [call, options, code, message pattern]
  ['gc.start', { bufferSize: '64' }, 'ERR_ALLOCSCOPE_INVALID_OPTION', /option "bufferSize" must be an integer from 16 to 1048576, got "64"/],
  ['gc.start', { bufferSize: -1 }, 'ERR_ALLOCSCOPE_INVALID_OPTION', /"bufferSize" .* got -1/],
  ['gc.start', { bufferSize: 0 }, 'ERR_ALLOCSCOPE_INVALID_OPTION', /"bufferSize" .* got 0/],
  ['gc.start', { bufferSize: 100.5 }, 'ERR_ALLOCSCOPE_INVALID_OPTION', /"bufferSize" .* got 100\.5/],
  ['gc.start', { bufferSize: NaN }, 'ERR_ALLOCSCOPE_INVALID_OPTION', /"bufferSize" .* got NaN/],
  ['gc.start', { bufferSize: 1 << 21 }, 'ERR_ALLOCSCOPE_INVALID_OPTION', /"bufferSize"/],
  ['gc.start', { bufferSize: null }, 'ERR_ALLOCSCOPE_INVALID_OPTION', /"bufferSize" .* got null/],
  ['gc.start', { buffersize: 64 }, 'ERR_ALLOCSCOPE_UNKNOWN_OPTION', /no option "buffersize" \(did you mean "bufferSize"\?\)/],
  ['gc.start', { bufferSzie: 64 }, 'ERR_ALLOCSCOPE_UNKNOWN_OPTION', /did you mean "bufferSize"/],
  ['gc.start', { intervalBytes: 64 }, 'ERR_ALLOCSCOPE_UNKNOWN_OPTION', /no option "intervalBytes"; options are "bufferSize"/],
  ['gc.start', 64, 'ERR_ALLOCSCOPE_INVALID_ARGUMENT', /gc\.start\(\) takes an options object, got 64/],
  ['gc.start', [], 'ERR_ALLOCSCOPE_INVALID_ARGUMENT', /got an array/],
  ['gc.start', null, 'ERR_ALLOCSCOPE_INVALID_ARGUMENT', /got null/],
  ['malloc.stats', { maxAgeMs: -5 }, 'ERR_ALLOCSCOPE_INVALID_OPTION', /malloc\.stats\(\) option "maxAgeMs" must be a number from 0/],
  ['malloc.stats', { maxAgeMs: Infinity }, 'ERR_ALLOCSCOPE_INVALID_OPTION', /"maxAgeMs"/],
  ['malloc.stats', { maxAge: 5 }, 'ERR_ALLOCSCOPE_UNKNOWN_OPTION', /did you mean "maxAgeMs"/],
  ['memory.snapshot', { maxAgeMS: 5 }, 'ERR_ALLOCSCOPE_UNKNOWN_OPTION', /did you mean "maxAgeMs"/],
];

const CALLS = { 'gc.start': (o) => gc.start(o), 'malloc.stats': (o) => malloc.stats(o), 'memory.snapshot': (o) => memory.snapshot(o) };

for (const [call, options, code, pattern] of BAD) {
  test(`${call}(${JSON.stringify(options) ?? String(options)}) throws ${code}`, () => {
    assert.throws(() => CALLS[call](options), (error) => {
      assert.ok(error instanceof TypeError, 'a TypeError');
      assert.equal(error.code, code);
      assert.match(error.message, pattern);
      assert.match(error.message, /^allocscope: /);
      assert.ok(!error.message.includes('\n'), 'one line');
      return true;
    });
    assert.equal(gc.running, false, 'a rejected start() starts nothing');
  });
}

test('undefined options and undefined values fall back to the defaults', () => {
  gc.start(undefined);
  gc.stop();
  gc.start({ bufferSize: undefined });
  gc.stop();
  assert.ok(malloc.stats({}).readAtMs > 0);
});
