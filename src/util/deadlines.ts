/**
 * The one deadline structure of the library: a set of items, each due at a time on the
 * `performance.now()` clock, behind ONE timer armed at the earliest. It serves everything that
 * waits with a deadline: connections' in-flight commands (one entry per connection, at the
 * earliest deadline of its queue, which connection/deadlines.ts scans in reply order), commands
 * waiting for the multiplexed connection, the cluster's parked commands, callers waiting for a
 * pooled connection, lease durations (`maxLeaseMs`) and blocking commands' own deadlines.
 *
 * A binary min-heap keyed by time; `delete` is O(1) (the entry is marked and skipped when it
 * surfaces), so a command that is sent, or a waiter that is served, costs no heap work.
 *
 *   add(item, at) ─ heap ─ timer at the earliest ─ due: onDue(item) for each expired item
 */

/**
 * An item is due when its time is at most this far ahead: timers may fire up to ~1 ms early by
 * `performance.now()` (libuv fires on its millisecond loop clock). An `onDue` that checks times
 * itself must use the same slack, or it would schedule again an item that just came due.
 */
export const DUE_SLACK_MS = 1;

interface Entry<T> {
  readonly item: T;
  readonly at: number;
  live: boolean;
}

export interface DeadlinesOptions {
  /**
   * Keep the process alive while something is due (a caller awaits it, as a socket would keep
   * it). false for safety nets that must not hold a process open.
   */
  readonly ref: boolean;
}

export class Deadlines<T> {
  readonly #heap: Entry<T>[] = [];
  readonly #entries = new Map<T, Entry<T>>();
  readonly #onDue: (item: T, now: number) => void;
  readonly #ref: boolean;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  /** @param onDue Called once per item whose time has come (it is removed first). */
  constructor(onDue: (item: T, now: number) => void, options: DeadlinesOptions) {
    this.#onDue = onDue;
    this.#ref = options.ref;
  }

  /** Items still due. */
  get size(): number {
    return this.#entries.size;
  }

  /** Schedule `item` at `at` (performance.now() ms); replaces its earlier schedule. */
  add(item: T, at: number): void {
    this.delete(item);
    const entry: Entry<T> = { item, at, live: true };
    this.#entries.set(item, entry);
    this.#push(entry);
    if (at < this.#timerAt) this.#arm(at);
  }

  /** Unschedule `item` (served, sent, settled). True when it was scheduled. */
  delete(item: T): boolean {
    const entry = this.#entries.get(item);
    if (entry === undefined) return false;
    entry.live = false;
    this.#entries.delete(item);
    if (this.#entries.size === 0) this.clear();
    return true;
  }

  has(item: T): boolean {
    return this.#entries.has(item);
  }

  /** Drop everything and stop the timer. */
  clear(): void {
    this.#heap.length = 0;
    this.#entries.clear();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(this.#fire, Math.max(0, at - performance.now()));
    if (!this.#ref) this.#timer.unref();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    for (let top = this.#heap[0]; top !== undefined; top = this.#heap[0]) {
      if (!top.live) {
        this.#pop();
        continue;
      }
      if (top.at > now + DUE_SLACK_MS) {
        this.#arm(top.at);
        return;
      }
      this.#pop();
      top.live = false;
      this.#entries.delete(top.item);
      this.#onDue(top.item, now);
    }
  };

  #push(entry: Entry<T>): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.at <= entry.at) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && heap[right]!.at < heap[left]!.at ? right : left;
      if (heap[child]!.at >= last.at) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}
