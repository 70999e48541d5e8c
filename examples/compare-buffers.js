// Three ways to get a 4 KiB scratch Buffer per request: which is cheapest?
//   node examples/compare-buffers.js
const { compare, pools } = require('allocscope');

const pool = pools.create('scratch', { mode: 'fast' });
const work = (b) => { b[0] = 1; b[4095] = 2; return b[0] + b[4095]; };

compare({
  'Buffer.alloc': () => work(Buffer.alloc(4096)),
  'Buffer.allocUnsafe': () => work(Buffer.allocUnsafe(4096)),
  'BufferPool (fast)': () => { const b = pool.alloc(4096); const r = work(b); pool.release(b); return r; },
}).then((comparison) => console.log(String(comparison)));
