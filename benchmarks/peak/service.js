'use strict';
// The steady-state service's work, shared by server.js (under autocannon) and
// soak.js (a loop, no sockets): a bounded LRU cache of ~1 KB records (a Map in
// insertion order; a miss builds a record and evicts the oldest), and a JSON
// response built from the record per request. The live heap stays flat; the
// garbage per request keeps scavenges coming.
const CACHE_ENTRIES = 50_000;
const KEYS = 100_000; // half the requests miss

function createService() {
  const cache = new Map();
  let seq = 0;
  function record(key) {
    return { key, name: `customer-${key}`, lines: Array.from({ length: 8 }, (_, i) => ({ sku: `sku-${(key + i) % 997}`, qty: i + 1, price: key * 0.01 + i })), note: 'x'.repeat(200) + key };
  }
  function lookup(key) {
    let r = cache.get(key);
    if (r) {
      cache.delete(key); // most recently used goes last
    } else {
      r = record(key);
      if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value);
    }
    cache.set(key, r);
    return r;
  }
  /** One request's response body. */
  function handle() {
    const key = ((seq++ * 2654435761) >>> 0) % KEYS;
    const r = lookup(key);
    const total = r.lines.reduce((s, l) => s + l.qty * l.price, 0);
    return JSON.stringify({ key, name: r.name, lines: r.lines, total });
  }
  return { handle, cache };
}

module.exports = { createService, CACHE_ENTRIES };
