// A batch job with a transient peak: it loads records, builds a search index of
// ~200 MB, writes a summary, and drops the index before it ends. Its memory at
// exit shows nothing of the index; the peak does.
// Try: allocscope run examples/batch-job.js
//      allocscope report <capture> --at peak
'use strict';

const records = Number(process.argv[2] ?? 400_000);

// Kept for the whole run, as a service's configuration or a lookup table would be.
const catalog = loadCatalog(40_000);
module.exports = { catalog };

function loadCatalog(n) {
  return Array.from({ length: n }, (_, i) => ({ sku: `sku-${i}`, price: (i % 997) / 10, tags: [`t${i % 13}`, `t${i % 7}`] }));
}

function readRecords(n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push({ id: i, text: `order ${i} of ${catalog[i % catalog.length].sku} shipped to city-${i % 500}` });
  return out;
}

// The peak: one posting list per word, each holding record ids.
function buildIndex(rows) {
  const index = new Map();
  for (const row of rows) {
    for (const word of row.text.split(' ')) {
      let postings = index.get(word);
      if (!postings) index.set(word, (postings = []));
      postings.push(row.id);
    }
  }
  return index;
}

function summarize(index) {
  let largest = '';
  for (const [word, postings] of index) if (postings.length > (index.get(largest)?.length ?? 0)) largest = word;
  return { words: index.size, largest };
}

function run() {
  const rows = readRecords(records);
  const index = buildIndex(rows);
  return summarize(index);
}

const summary = run();
console.log(`indexed ${records} records: ${summary.words} words, most frequent "${summary.largest}"`);
