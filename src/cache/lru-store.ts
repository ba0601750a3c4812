/**
 * The entries: maps from cache key to entry, an intrusive doubly linked list in recency order
 * (a hit moves its entry to the front without allocating), and an index from each Redis key to
 * the entries that depend on it, so an invalidation removes exactly those.
 *
 * Entries live in spaces: the general space, keyed by the whole read (`cacheKeyOf`), and one
 * space per one-key read (`GET k`, `HLEN k`, … in one decode mode), keyed by the Redis key
 * itself. A hit on `GET k` is then one lookup of the caller's own key string, with no cache
 * key to build (docs/caching.md, speed). One list and one byte count span every space.
 *
 * Bounded by `maxEntries` and `maxBytes` (an estimate, see `estimateBytes`): an insert evicts
 * from the least recently used end until both hold. An entry larger than `maxBytes` on its own
 * is not stored. Each entry has an absolute expiry (`now + ttl`); a lookup past it removes the
 * entry and misses. Time is passed in: no timers, no clock.
 */
import type { Ticket } from './epochs.js';

/** A miss in flight that later misses of the same read may join. */
export interface Flight {
  readonly ticket: Ticket;
  readonly promise: Promise<unknown>;
}

export interface Entry {
  readonly space: Space;
  readonly cacheKey: string;
  readonly keys: readonly string[];
  readonly value: unknown;
  readonly bytes: number;
  readonly expiresAt: number;
  /** `Promise.resolve(value)`, made by the first hit that wants it and shared by later ones. */
  resolved: Promise<unknown> | undefined;
  prev: Entry | null;
  next: Entry | null;
}

/** One space of entries (and of the misses in flight for them, kept by `CacheCore`). */
export class Space {
  readonly name: string;
  readonly entries = new Map<string, Entry>();
  readonly flights = new Map<string, Flight>();
  constructor(name: string) {
    this.name = name;
  }
}

export interface LruCounters {
  hits: number;
  misses: number;
  evictions: number;
  expirations: number;
}

export class LruStore {
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly counters: LruCounters = { hits: 0, misses: 0, evictions: 0, expirations: 0 };
  /** The general space: cache keys built from the whole read. */
  readonly general = new Space('');
  readonly #spaces = new Map<string, Space>([['', this.general]]);
  readonly #byKey = new Map<string, Set<Entry>>();
  /** Most recently used. */
  #head: Entry | null = null;
  /** Least recently used: evicted first. */
  #tail: Entry | null = null;
  #bytes = 0;
  #count = 0;

  constructor(maxEntries: number, maxBytes: number) {
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
  }

  get size(): number {
    return this.#count;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The space called `name`, made on first use; it lives as long as the store. */
  space(name: string): Space {
    let s = this.#spaces.get(name);
    if (s === undefined) {
      s = new Space(name);
      this.#spaces.set(name, s);
    }
    return s;
  }

  spaces(): IterableIterator<Space> {
    return this.#spaces.values();
  }

  /** The live entry for `cacheKey`, made most recent; undefined (a miss) if absent or expired. */
  get(cacheKey: string, now: number, space: Space = this.general): Entry | undefined {
    const e = space.entries.get(cacheKey);
    if (e === undefined) {
      this.counters.misses++;
      return undefined;
    }
    if (now >= e.expiresAt) {
      this.counters.expirations++;
      this.counters.misses++;
      this.#remove(e);
      return undefined;
    }
    this.counters.hits++;
    if (this.#head !== e) {
      this.#unlink(e);
      this.#pushFront(e);
    }
    return e;
  }

  /** Store (replacing any entry under the same cache key). False when it can never fit. */
  set(
    cacheKey: string,
    keys: readonly string[],
    value: unknown,
    bytes: number,
    expiresAt: number,
    space: Space = this.general,
  ): boolean {
    const old = space.entries.get(cacheKey);
    if (old !== undefined) this.#remove(old);
    if (bytes > this.maxBytes || this.maxEntries === 0) return false;
    const e: Entry = {
      space,
      cacheKey,
      keys,
      value,
      bytes,
      expiresAt,
      resolved: undefined,
      prev: null,
      next: null,
    };
    space.entries.set(cacheKey, e);
    this.#count++;
    for (const key of keys) {
      let set = this.#byKey.get(key);
      if (set === undefined) {
        set = new Set();
        this.#byKey.set(key, set);
      }
      set.add(e);
    }
    this.#pushFront(e);
    this.#bytes += bytes;
    while (this.#count > this.maxEntries || this.#bytes > this.maxBytes) {
      const victim = this.#tail;
      if (victim === null) break;
      this.counters.evictions++;
      this.#remove(victim);
    }
    return true;
  }

  /** Remove every entry that depends on `key`; returns how many. */
  deleteKey(key: string): number {
    const set = this.#byKey.get(key);
    if (set === undefined) return 0;
    let n = 0;
    for (const e of set) {
      this.#remove(e);
      n++;
    }
    return n;
  }

  /** Empty every space (the spaces themselves stay: readers hold them). */
  clear(): void {
    for (const s of this.#spaces.values()) s.entries.clear();
    this.#byKey.clear();
    this.#head = null;
    this.#tail = null;
    this.#bytes = 0;
    this.#count = 0;
  }

  #remove(e: Entry): void {
    const entries = e.space.entries;
    if (entries.get(e.cacheKey) !== e) return;
    entries.delete(e.cacheKey);
    this.#count--;
    for (const key of e.keys) {
      const set = this.#byKey.get(key);
      if (set === undefined) continue;
      set.delete(e);
      if (set.size === 0) this.#byKey.delete(key);
    }
    this.#unlink(e);
    this.#bytes -= e.bytes;
  }

  #unlink(e: Entry): void {
    if (e.prev !== null) e.prev.next = e.next;
    else this.#head = e.next;
    if (e.next !== null) e.next.prev = e.prev;
    else this.#tail = e.prev;
    e.prev = null;
    e.next = null;
  }

  #pushFront(e: Entry): void {
    e.next = this.#head;
    e.prev = null;
    if (this.#head !== null) this.#head.prev = e;
    this.#head = e;
    if (this.#tail === null) this.#tail = e;
  }

  /** Cache keys from most to least recently used, `space key` outside the general space (tests). */
  keysByRecency(): string[] {
    const out: string[] = [];
    for (let e = this.#head; e !== null; e = e.next) {
      out.push(e.space.name === '' ? e.cacheKey : `${e.space.name} ${e.cacheKey}`);
    }
    return out;
  }
}
