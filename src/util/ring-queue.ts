/**
 * A FIFO queue on a power-of-two ring buffer: O(1) push and shift with no `Array.shift` (which
 * is O(n) once V8 gives up on its left-trim fast path) and no per-item node allocation.
 *
 *   items: [ . . . h x x x x t . . . ]     h = #head (next to shift), t = (#head + #size) & mask
 *
 * The ring doubles when full and never shrinks below its high-water mark, so a queue that
 * carried a burst keeps its capacity (no resize churn on the next burst).
 */
export class RingQueue<T> {
  #items: (T | undefined)[];
  #mask: number;
  #head = 0;
  #size = 0;

  constructor(initialCapacity = 16) {
    let capacity = 2;
    while (capacity < initialCapacity) capacity *= 2;
    this.#items = new Array<T | undefined>(capacity).fill(undefined);
    this.#mask = capacity - 1;
  }

  get length(): number {
    return this.#size;
  }

  push(item: T): void {
    if (this.#size > this.#mask) this.#grow();
    this.#items[(this.#head + this.#size) & this.#mask] = item;
    this.#size++;
  }

  /** Remove and return the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined; // release the reference for the GC
    this.#head = (this.#head + 1) & this.#mask;
    this.#size--;
    return item;
  }

  /** The oldest item without removing it. */
  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[this.#head];
  }

  /** The i-th oldest item (0 = head), or undefined past the end. */
  at(i: number): T | undefined {
    return i < 0 || i >= this.#size ? undefined : this.#items[(this.#head + i) & this.#mask];
  }

  /** Remove every item and return them oldest first. */
  drain(): T[] {
    const out: T[] = [];
    // Counted, not "until shift() returns undefined": an undefined item would end that early.
    while (this.#size > 0) out.push(this.shift() as T);
    return out;
  }

  /** Remove the first item for which `match` is true; O(n), for cancellation paths only. */
  remove(match: (item: T) => boolean): T | undefined {
    for (let i = 0; i < this.#size; i++) {
      const idx = (this.#head + i) & this.#mask;
      const item = this.#items[idx] as T;
      if (!match(item)) continue;
      for (let j = i; j < this.#size - 1; j++) {
        this.#items[(this.#head + j) & this.#mask] = this.#items[(this.#head + j + 1) & this.#mask];
      }
      this.#items[(this.#head + this.#size - 1) & this.#mask] = undefined;
      this.#size--;
      return item;
    }
    return undefined;
  }

  #grow(): void {
    const old = this.#items;
    const capacity = old.length * 2;
    const items = new Array<T | undefined>(capacity).fill(undefined);
    for (let i = 0; i < this.#size; i++) items[i] = old[(this.#head + i) & this.#mask];
    this.#items = items;
    this.#mask = capacity - 1;
    this.#head = 0;
  }
}
