// A CSV writer's hot path, version 2: a field is quoted only when it holds a quote,
// a comma or a line break (RFC 4180 allows both), and the fields are read by name
// instead of through Object.values().map(). Compared with csv-v1.bench.js in
// docs/benchmarking.md.
const { bench, suite } = require('allocscope/bench');

const columns = ['id', 'name', 'city', 'note', 'amount'];
const record = { id: 1042, name: 'Ada Lovelace', city: 'London', note: 'said "hi"', amount: 12.5 };

const special = /[",\r\n]/;
function field(v) {
  const s = typeof v === 'string' ? v : String(v);
  return special.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
// 1042,Ada Lovelace,London,"said ""hi""",12.5
const line = (r) => [field(r.id), field(r.name), field(r.city), field(r.note), field(r.amount)].join(',');

suite('csv', () => {
  bench('header', () => columns.join(','));   // the same in both versions
  bench('line', () => line(record));
});
