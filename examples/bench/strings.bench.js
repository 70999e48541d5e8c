// Three ways to build a CSV line: which allocates least?
//   npx allocscope bench examples/bench/strings.bench.js
const { bench, suite } = require('allocscope/bench');

const fields = Array.from({ length: 20 }, (_, i) => `field${i}`);

suite('csv-line', () => {
  bench('join', () => fields.join(','));
  bench('concat', () => {
    let s = fields[0];
    for (let i = 1; i < fields.length; i++) s += `,${fields[i]}`;
    return s;
  });
  bench('template+reduce', () => fields.reduce((line, f) => `${line},${f}`));
});
