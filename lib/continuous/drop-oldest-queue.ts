// A bounded FIFO that makes room by dropping its oldest entry: when a backend is
// slow or gone, memory stays at `capacity` entries and the newest data survives.

export class DropOldestQueue<T> {
  readonly capacity: number;
  #items: T[] = [];
  #dropped = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get length(): number { return this.#items.length; }
  /** Entries dropped to make room since creation. */
  get dropped(): number { return this.#dropped; }

  /** Adds `item`; returns the entry dropped to make room, if any. */
  push(item: T): T | undefined {
    let evicted: T | undefined;
    if (this.#items.length >= this.capacity) {
      evicted = this.#items.shift();
      this.#dropped++;
    }
    this.#items.push(item);
    return evicted;
  }

  shift(): T | undefined {
    return this.#items.shift();
  }

  /** Removes everything; returns how many entries there were. */
  clear(): number {
    const n = this.#items.length;
    this.#items = [];
    return n;
  }
}
