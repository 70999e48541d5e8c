// JSON text in chunks, for values too big to hold as one string at a time when
// memory counts (a capture written at exit): the text JSON.stringify gives, with
// typed arrays written as arrays, handed to a sink a chunk at a time.

/** Characters per chunk: below V8's large-object size, so chunks stay in the young generation. */
const CHUNK_CHARS = 1 << 15;

const isTypedArray = (v: object): v is ArrayBufferView => ArrayBuffer.isView(v) && !(v instanceof DataView);
/** What JSON.stringify leaves out of objects (and writes as null in arrays). */
const isOmitted = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

/**
 * Writes `value` as JSON to `sink`, in chunks of about 32 Ki characters: the
 * text `JSON.stringify(value, (key, v) => isTypedArray(v) ? Array.from(v) : v)`
 * gives (toJSON, omitted values, boxed primitives, non-finite numbers, key order
 * and circular structures as JSON.stringify has them), never held whole. The
 * chunks join to exactly that text; how it is cut is unspecified. Nothing is
 * written when the value itself is omitted (undefined, a function, a symbol).
 */
export function writeJsonChunks(value: unknown, sink: (chunk: string) => void, chunkChars = CHUNK_CHARS): void {
  new JsonChunks(sink, chunkChars).write(value);
}

class JsonChunks {
  #text = '';
  readonly #sink: (chunk: string) => void;
  readonly #chunkChars: number;
  /** The objects and arrays being written (to refuse circular structures, as JSON.stringify does). */
  readonly #open = new Set<object>();

  constructor(sink: (chunk: string) => void, chunkChars: number) {
    this.#sink = sink;
    this.#chunkChars = chunkChars;
  }

  write(value: unknown): void {
    const v = resolve(value, '');
    if (!isOmitted(v)) this.#value(v);
    if (this.#text.length > 0) this.#sink(this.#text);
    this.#text = '';
  }

  #put(text: string): void {
    this.#text += text;
    if (this.#text.length >= this.#chunkChars) {
      this.#sink(this.#text);
      this.#text = '';
    }
  }

  /** A value toJSON has been applied to, and which is not omitted. */
  #value(v: unknown): void {
    if (v === null || typeof v !== 'object') {
      // Primitives (a bigint throws JSON.stringify's TypeError).
      this.#put(typeof v === 'number' ? (Number.isFinite(v) ? String(v) : 'null') : JSON.stringify(v));
      return;
    }
    if (isTypedArray(v)) return this.#numbers(v);
    if (v instanceof Number || v instanceof String || v instanceof Boolean || v instanceof BigInt) {
      this.#put(JSON.stringify(v));
      return;
    }
    if (this.#open.has(v)) throw new TypeError('Converting circular structure to JSON');
    this.#open.add(v);
    if (Array.isArray(v)) {
      this.#put('[');
      for (let i = 0; i < v.length; i++) {
        if (i > 0) this.#put(',');
        const e = resolve(v[i], String(i));
        if (isOmitted(e)) this.#put('null');
        else this.#value(e);
      }
      this.#put(']');
    } else if (isFlat(v)) {
      this.#put(JSON.stringify(v));
    } else {
      const record = v as Record<string, unknown>;
      this.#put('{');
      let first = true;
      for (const key of Object.keys(record)) {
        const e = resolve(record[key], key);
        if (isOmitted(e)) continue;
        this.#put(first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`);
        first = false;
        this.#value(e);
      }
      this.#put('}');
    }
    this.#open.delete(v);
  }

  #numbers(a: ArrayBufferView): void {
    if (a instanceof BigInt64Array || a instanceof BigUint64Array) {
      if (a.length > 0) JSON.stringify(a[0]); // throws, as for Array.from(a)
      this.#put('[]');
      return;
    }
    const n = a as Float64Array; // any of the number arrays: subarray() and join() are the same for each
    if (n.length === 0) { this.#put('[]'); return; }
    // join() writes each number as JSON does (ToString), except NaN and ±Infinity (null in JSON).
    for (let i = 0; i < n.length; i += NUMBERS_PER_JOIN) {
      const part = n.subarray(i, i + NUMBERS_PER_JOIN);
      const text = allFinite(part) ? part.join(',') : Array.from(part, (x) => (Number.isFinite(x) ? String(x) : 'null')).join(',');
      this.#put(`${i === 0 ? '[' : ','}${text}`);
    }
    this.#put(']');
  }
}

/** Numbers of a typed array written by one join() (~10-20 characters each). */
const NUMBERS_PER_JOIN = 2048;

function allFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

/** `value` after its toJSON(key), as JSON.stringify reads a property. */
function resolve(value: unknown, key: string): unknown {
  if ((typeof value === 'object' && value !== null) || typeof value === 'function' || typeof value === 'bigint') {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return toJSON.call(value, key);
  }
  return value;
}

/**
 * An object whose own enumerable values are all primitives (or omitted), with no
 * toJSON: JSON.stringify writes it as this writer would, in one call.
 */
function isFlat(v: object): boolean {
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  const record = v as Record<string, unknown>;
  for (const key in record) {
    if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
    const e = record[key];
    if (e !== null && (typeof e === 'object' || typeof e === 'function' || typeof e === 'bigint')) return false;
  }
  return true;
}
