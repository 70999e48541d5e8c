// A CSV writer's hot path, version 1: every field quoted. docs/benchmarking.md compares
// it with version 2 (csv-v2.bench.js, the same benchmarks with the change):
//   npx allocscope bench examples/bench/csv-v1.bench.js --out v1.json
//   npx allocscope bench examples/bench/csv-v2.bench.js --out v2.json
//   npx allocscope bench --compare v1.json v2.json
const { bench, suite } = require('allocscope/bench');

const columns = ['id', 'name', 'city', 'note', 'amount'];
const record = { id: 1042, name: 'Ada Lovelace', city: 'London', note: 'said "hi"', amount: 12.5 };

// "1042","Ada Lovelace","London","said ""hi""","12.5"
const line = (r) => Object.values(r).map((v) => `"${String(v).replace(/"/g, '""')}"`).join(',');

suite('csv', () => {
  bench('header', () => columns.join(','));   // the same in both versions
  bench('line', () => line(record));
});
