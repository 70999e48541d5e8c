// A small allocation-heavy program: a request-like loop that builds short-lived
// objects, strings and Buffers, and keeps a bounded cache. Used by the README and tests.
'use strict';

const cache = new Map();
let checksum = 0;

function handleRequest(i) {
  const user = { id: i, name: `user-${i}`, tags: ['a', 'b', 'c'].map((t) => `${t}${i % 7}`) };
  const body = JSON.stringify({ user, items: Array.from({ length: 20 }, (_, k) => ({ k, v: k * i })) });
  const payload = Buffer.from(body);
  checksum = (checksum + payload.length) | 0;
  cache.set(i % 5000, body); // bounded: at most 5,000 entries stay alive
}

const iterations = Number(process.argv[2] ?? 200_000);
for (let i = 0; i < iterations; i++) handleRequest(i);
console.log(`handled ${iterations} requests, checksum ${checksum}, cache ${cache.size} entries`);
