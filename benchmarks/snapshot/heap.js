'use strict';
// A realistic application heap of about `targetMB` MB of used JS heap: a Map of
// sessions (objects with nested objects, arrays, strings and a closure each),
// an index object, request logs as arrays of strings, and per-session
// listeners kept by an EventEmitter. Deterministic: the same size gives the
// same graph.
const { EventEmitter } = require('node:events');

class Session {
  constructor(i) {
    this.id = i;
    this.user = { name: `user${i}`, email: `user${i}@example.com`, roles: ['reader', i % 7 === 0 ? 'admin' : 'writer'] };
    this.history = [i, i + 1, i + 2, i + 3];
    this.createdAt = 1_700_000_000_000 + i;
    this.onClose = () => this.id; // a closure and its context
  }
}

function buildHeap(targetMB) {
  const sessions = new Map();
  const byEmail = Object.create(null);
  const logs = [];
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  let i = 0;
  while (process.memoryUsage().heapUsed < targetMB * 1e6) {
    for (let k = 0; k < 2000; k++, i++) {
      const s = new Session(i);
      sessions.set(`sid-${i}`, s);
      if (i % 4 === 0) byEmail[s.user.email] = s;
      if (i % 10 === 0) logs.push([`GET /api/items/${i}`, `200`, `${i % 1000} ms`]);
      if (i % 50 === 0) bus.on('tick', () => s.history.length);
    }
  }
  globalThis.benchmarkHeap = { sessions, byEmail, logs, bus };
  return i;
}

module.exports = { buildHeap, Session };
