const test = require('node:test');
const { limitAllocations, limitMemory } = require('allocscope/testing');

function toRows(csv) {
  return csv.split('\n').map((line) => line.split(','));
}
const csv = Array.from({ length: 50 }, (_, i) => `${i},name${i},${i * 2}`).join('\n');

test('parsing 50 lines allocates at most 220 objects', () =>
  limitAllocations(() => toRows(csv), { allocs: 220 }));

test('parsing holds at most 256 KiB at its peak', () =>
  limitMemory(() => toRows(csv), { peakBytes: 256 * 1024 }));
