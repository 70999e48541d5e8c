'use strict';
// The workloads of the sampler benchmark. Each is deterministic (a fixed-seed
// PRNG, no clocks), so every variant does exactly the same work, and returns a
// checksum so that nothing can be optimized away.
//
//   synthetic: many small objects, strings and arrays; a sliding window keeps
//              some of them alive for a while, so that live-mode samples both
//              die young and survive into old space.
//   marked:    renders a large generated markdown document with `marked`
//              (a popular, well-kept npm markdown parser) again and again.
//   json:      JSON.stringify / JSON.parse round trips of a large generated document.
//
// Sizes are given as "units"; one unit is roughly the same time for each workload.

const { rng: prng } = require('../lib/common'); // mulberry32, seeded

const WORDS = ('lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore ' +
  'magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea commodo consequat').split(' ');

// ---- synthetic ---------------------------------------------------------------

function makeRecord(i, rand) {
  const n = 1 + (i % 5);
  const tags = [];
  for (let k = 0; k < n; k++) tags.push(WORDS[(i + k * 7) % WORDS.length]);
  return {
    id: i,
    name: `item-${i}-${WORDS[i % WORDS.length]}`,
    score: rand(),
    tags,
    position: { x: i & 1023, y: i >> 10 },
  };
}

function synthetic(units) {
  const rand = prng(42);
  const window = new Array(20000).fill(null);
  let checksum = 0;
  const records = units * 250000;
  for (let i = 0; i < records; i++) {
    const r = makeRecord(i, rand);
    // Derived data: a joined string, a mapped array, a small Map now and then.
    const label = r.tags.join(',') + ':' + r.name;
    const lengths = r.tags.map((t) => t.length);
    checksum = (checksum + label.length + lengths.length + r.position.x) | 0;
    if ((i & 63) === 0) {
      const m = new Map();
      for (let k = 0; k < 16; k++) m.set(`k${k}`, [k, label]);
      checksum = (checksum + m.size) | 0;
    }
    // One record in eight is kept for a while (20,000 slots), the rest die young.
    if ((i & 7) === 0) window[(i >> 3) % window.length] = r;
  }
  for (const r of window) if (r) checksum = (checksum + r.id) | 0;
  return checksum;
}

// ---- marked ------------------------------------------------------------------

function sentence(rand, words) {
  const out = [];
  for (let i = 0; i < words; i++) {
    let w = WORDS[Math.floor(rand() * WORDS.length)];
    const r = rand();
    if (r < 0.04) w = `**${w}**`;
    else if (r < 0.08) w = `*${w}*`;
    else if (r < 0.10) w = `\`${w}()\``;
    else if (r < 0.12) w = `[${w}](https://example.com/${w}/${i})`;
    out.push(w);
  }
  const s = out.join(' ');
  return s[0].toUpperCase() + s.slice(1) + '.';
}

/** A markdown document of about `kib` KiB: headings, paragraphs, lists, tables, code, quotes. */
function markdownDocument(kib, seed = 7) {
  const rand = prng(seed);
  const parts = [];
  let size = 0;
  let section = 0;
  while (size < kib * 1024) {
    let block;
    const r = rand();
    if (r < 0.08) block = `${'#'.repeat(1 + (section++ % 4))} ${sentence(rand, 4)}`;
    else if (r < 0.45) block = [sentence(rand, 12), sentence(rand, 18), sentence(rand, 9)].join(' ');
    else if (r < 0.60) block = Array.from({ length: 3 + Math.floor(rand() * 5) }, () => `- ${sentence(rand, 8)}`).join('\n');
    else if (r < 0.68) block = Array.from({ length: 3 + Math.floor(rand() * 4) }, (_, k) => `${k + 1}. ${sentence(rand, 6)}`).join('\n');
    else if (r < 0.78) {
      const rows = ['| name | value | note |', '|---|---:|---|'];
      for (let k = 0; k < 4 + Math.floor(rand() * 6); k++) rows.push(`| ${WORDS[k % WORDS.length]} | ${Math.floor(rand() * 1000)} | ${sentence(rand, 3)} |`);
      block = rows.join('\n');
    } else if (r < 0.88) {
      const lines = [];
      for (let k = 0; k < 4 + Math.floor(rand() * 8); k++) lines.push(`  const ${WORDS[k % WORDS.length]}${k} = compute(${k}, "${WORDS[(k * 3) % WORDS.length]}");`);
      block = '```js\nfunction example() {\n' + lines.join('\n') + '\n}\n```';
    } else block = `> ${sentence(rand, 14)}\n> ${sentence(rand, 10)}`;
    parts.push(block);
    size += block.length + 2;
  }
  return parts.join('\n\n') + '\n';
}

function markedWorkload(units) {
  const { marked } = require('marked');
  const doc = markdownDocument(128);
  let checksum = 0;
  const renders = units * 12;
  for (let i = 0; i < renders; i++) {
    const html = marked.parse(doc);
    checksum = (checksum + html.length) | 0;
  }
  return checksum;
}

// ---- json --------------------------------------------------------------------

function jsonDocument(items, seed = 11) {
  const rand = prng(seed);
  return {
    version: 3,
    generated: 'fixed',
    items: Array.from({ length: items }, (_, i) => ({
      id: i,
      sku: `SKU-${(i * 7919) % 100000}`,
      title: sentence(rand, 5),
      price: Math.round(rand() * 100000) / 100,
      tags: [WORDS[i % WORDS.length], WORDS[(i * 3) % WORDS.length]],
      stock: { warehouse: WORDS[(i * 5) % WORDS.length], count: i % 97, reserved: i % 7 === 0 },
    })),
  };
}

function jsonWorkload(units) {
  const doc = jsonDocument(20000);
  let checksum = 0;
  const trips = units * 8;
  let text = JSON.stringify(doc);
  for (let i = 0; i < trips; i++) {
    const back = JSON.parse(text);
    back.items[i % back.items.length].stock.count++;
    text = JSON.stringify(back);
    checksum = (checksum + text.length + back.items.length) | 0;
  }
  return checksum;
}

const WORKLOADS = {
  synthetic: { run: synthetic, describe: '250,000 records per unit: small objects, template strings, arrays, join/map, a Map every 64; 1 in 8 kept in a 20,000-slot window' },
  marked: { run: markedWorkload, describe: '`marked.parse()` of a generated 128 KiB markdown document (headings, paragraphs with inline markup, lists, tables, code blocks, quotes), 12 renders per unit' },
  json: { run: jsonWorkload, describe: 'JSON.parse + JSON.stringify round trips of a generated 20,000-item document, 8 round trips per unit' },
};

/** Loads what a workload needs (outside the timed region). */
function prepare(name) {
  if (name === 'marked') require('marked');
}

module.exports = { WORKLOADS, prepare, prng, markdownDocument, jsonDocument };
