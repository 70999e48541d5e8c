// A service-like loop whose memory is mostly outside V8's heap: uploads kept in a
// cache (Buffers), gzip of each response (zlib's state, freed), JSON parsing.
// Try: allocscope run --native examples/native-buffers.js
'use strict';
const zlib = require('node:zlib');

const rounds = Number(process.argv[2] ?? 2000);
// Exported, so it stays reachable after the script's last line, as a service's cache would.
const cache = new Map();
module.exports = { cache };

function handleUpload(id, size) {
  cache.set(id, Buffer.allocUnsafe(size));
}

function compressResponse(body) {
  return zlib.gzipSync(body);
}

function parseRequest(text) {
  return JSON.parse(text);
}

for (let i = 0; i < rounds; i++) {
  handleUpload(i % 500, 64 * 1024);
  compressResponse(Buffer.alloc(16 * 1024, i));
  parseRequest(JSON.stringify({ id: i, items: Array.from({ length: 50 }, (_, k) => k) }));
}
console.log(`cached ${cache.size} uploads`);
