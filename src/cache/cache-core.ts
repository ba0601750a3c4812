/**
 * The pure core of client-side caching: no sockets, no timers, time passed in. It joins three
 * parts: the bounded LRU of entries (`LruStore`), the invalidation epochs that decide whether a
 * reply may be stored (`Epochs`: the race rule), and single-flight of concurrent misses (one
 * request per cache key in flight, joined only while it can still be stored).
 *
 *   lookup(ck, now)            a live entry, or undefined (a miss)
 *   flight(ck)                 a miss already in flight that a new read may join, if any
 *   begin(keys)                a miss is being sent: its keys' epochs are recorded
 *   publish(ck, ticket, p)     later misses of the same read may join `p`
 *   complete(ticket, …)        its reply arrived: stored only if no epoch moved; then released
 *   abandon(ticket)            it failed: released, nothing stored
 *   invalidate(key) / flush()  from the server's invalidation messages, or a lost connection
 */
import { Epochs, type Ticket } from './epochs.js';
import { estimateEntryBytes } from './estimate-bytes.js';
import { type Entry, LruStore, type Space } from './lru-store.js';

export type { Ticket } from './epochs.js';
export type { Entry, Space } from './lru-store.js';

export interface CacheLimits {
  readonly maxEntries: number;
  readonly maxBytes: number;
  /** Longest an entry lives, whatever the server says about its key. */
  readonly ttlMs: number;
}

export interface CacheCounters {
  hits: number;
  misses: number;
  /** Invalidation messages handled (one per key named, or one per flush-all message). */
  invalidations: number;
  /** Entries removed by an invalidation. */
  invalidatedEntries: number;
  evictions: number;
  expirations: number;
  /** Whole-cache flushes: lost connections, tracking errors, flush-all messages. */
  flushes: number;
  /** Replies not stored because an invalidation or a flush raced them. */
  racedReplies: number;
  /** Reads that joined a miss already in flight instead of sending their own. */
  joinedMisses: number;
}

export class CacheCore {
  readonly limits: CacheLimits;
  readonly #store: LruStore;
  readonly #epochs = new Epochs();
  readonly #counters = {
    invalidations: 0,
    invalidatedEntries: 0,
    flushes: 0,
    racedReplies: 0,
    joinedMisses: 0,
  };

  constructor(limits: CacheLimits) {
    this.limits = limits;
    this.#store = new LruStore(limits.maxEntries, limits.maxBytes);
  }

  /** The general space, and the space of one-key reads called `name` (see LruStore). */
  get general(): Space {
    return this.#store.general;
  }

  space(name: string): Space {
    return this.#store.space(name);
  }

  lookup(cacheKey: string, now: number, space?: Space): Entry | undefined {
    return this.#store.get(cacheKey, now, space);
  }

  /**
   * The request in flight for `cacheKey`, if its reply could still be stored: a read issued
   * after an invalidation of its keys must not join a request sent before it.
   */
  flight(cacheKey: string, space: Space = this.#store.general): Promise<unknown> | undefined {
    const f = space.flights.get(cacheKey);
    if (f === undefined) return undefined;
    if (!this.#epochs.current(f.ticket)) {
      space.flights.delete(cacheKey);
      return undefined;
    }
    this.#counters.joinedMisses++;
    return f.promise;
  }

  /** A miss is being sent now: record the epochs of `keys`. */
  begin(keys: readonly string[]): Ticket {
    return this.#epochs.begin(keys);
  }

  /** Later misses of `cacheKey` may join `promise` (the request behind `ticket`). */
  publish(
    cacheKey: string,
    ticket: Ticket,
    promise: Promise<unknown>,
    space: Space = this.#store.general,
  ): void {
    space.flights.set(cacheKey, { ticket, promise });
  }

  /**
   * The reply to a miss arrived. Stored unless an invalidation of its keys or a flush happened
   * since `begin` (then it may predate a write). `ttlMs` is the entry's own cap (the key's
   * PTTL), below the configured one. Returns whether it was stored.
   */
  complete(
    cacheKey: string,
    ticket: Ticket,
    value: unknown,
    now: number,
    ttlMs = Number.POSITIVE_INFINITY,
    space: Space = this.#store.general,
  ): boolean {
    this.#endFlight(cacheKey, ticket, space);
    const current = this.#epochs.current(ticket);
    this.#epochs.release(ticket);
    if (!current) {
      this.#counters.racedReplies++;
      return false;
    }
    const ttl = Math.min(this.limits.ttlMs, ttlMs);
    if (!(ttl > 0)) return false;
    // In a one-key space the cache key is the Redis key itself, already counted with the keys.
    const bytes = estimateEntryBytes(
      space === this.#store.general ? cacheKey : '',
      ticket.keys,
      value,
    );
    return this.#store.set(cacheKey, ticket.keys, value, bytes, now + ttl, space);
  }

  /** The miss failed: nothing is stored. */
  abandon(cacheKey: string, ticket: Ticket, space: Space = this.#store.general): void {
    this.#endFlight(cacheKey, ticket, space);
    this.#epochs.release(ticket);
  }

  #endFlight(cacheKey: string, ticket: Ticket, space: Space): void {
    if (space.flights.get(cacheKey)?.ticket === ticket) space.flights.delete(cacheKey);
  }

  /** The server says `key` changed: its entries go, and replies in flight for it are not stored. */
  invalidate(key: string): void {
    this.#counters.invalidations++;
    this.#epochs.invalidate(key);
    this.#counters.invalidatedEntries += this.#store.deleteKey(key);
  }

  /** Everything goes, and no reply in flight is stored. */
  flush(): void {
    this.#counters.flushes++;
    this.#epochs.flush();
    this.#store.clear();
    for (const space of this.#store.spaces()) space.flights.clear();
  }

  /** Flush-all message from the server (FLUSHALL, FLUSHDB): counted as an invalidation too. */
  invalidateAll(): void {
    this.#counters.invalidations++;
    this.flush();
  }

  get entries(): number {
    return this.#store.size;
  }

  get bytes(): number {
    return this.#store.bytes;
  }

  /** Keys with a read in flight (tests: must fall back to 0). */
  get watchedKeys(): number {
    return this.#epochs.watched;
  }

  counters(): CacheCounters {
    const s = this.#store.counters;
    return {
      hits: s.hits,
      misses: s.misses,
      evictions: s.evictions,
      expirations: s.expirations,
      ...this.#counters,
    };
  }

  /** Cache keys from most to least recently used (tests). */
  keysByRecency(): string[] {
    return this.#store.keysByRecency();
  }
}
