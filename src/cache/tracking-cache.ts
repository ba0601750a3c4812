/**
 * The live cache of one client: the pure core (`CacheCore`) kept in step with the server's
 * `CLIENT TRACKING` invalidations.
 *
 * RESP3 (default): tracking is switched on for the multiplexed connection itself. `attach` runs
 * for every new multiplexed connection before anything else is written on it, so `CLIENT
 * TRACKING ON` is pipelined ahead of every read the connection will carry: each of those reads
 * is tracked. Invalidations arrive as push frames on the same connection, in order with the
 * replies.
 *
 * RESP2: the server cannot push on a RESP2 connection, so invalidations go to a second
 * connection, leased from the client's pool (it counts in maxConnections), subscribed to
 * `__redis__:invalidate`; the multiplexed connection gets `CLIENT TRACKING ON REDIRECT <id>`.
 *
 * Flushes: the whole cache is emptied (and every reply in flight barred from it, by the global
 * epoch) when the multiplexed connection closes, when the redirect connection closes, and when
 * `CLIENT TRACKING` is refused; until tracking is on again (`armed`), cached reads go straight
 * to the server and nothing is stored. So no entry ever outlives the connection whose
 * invalidations would have removed it.
 */
import type { Connection } from '../connection/connection.js';
import { BasicCommand, type PendingCommand } from '../connection/pending-command.js';
import { ReplyError } from '../errors.js';
import type { RespArg, RespPush, RespValue } from '../protocol/resp-types.js';
import { coarseNow } from '../util/coarse-clock.js';
import { CacheCore, type Space } from './cache-core.js';
import { keyFromWire } from './cache-key.js';
import type { ResolvedCacheOptions } from './cache-options.js';

/** What the cache needs of its client. */
export interface CacheHost {
  /** Lease a connection from the client's budget (the RESP2 redirect connection). */
  acquire(): Promise<Connection>;
  /** Give a leased connection back by destroying it (it is subscribed: never reusable). */
  destroyLeased(conn: Connection): void;
}

/** Sends a command for a cached read, with the reading view's policy, and no reply transform. */
export interface RawSender {
  sendRaw(args: RespArg[]): Promise<unknown>;
}

/** Returned by `hit` when the read is not in the cache. */
export const MISS: unique symbol = Symbol('respool.cache.miss');

const INVALIDATE_CHANNEL = '__redis__:invalidate';
/** After a failed redirect setup, cached reads wait this long before the next attempt. */
const REDIRECT_RETRY_MS = 1_000;

export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly invalidations: number;
  readonly evictions: number;
  readonly entries: number;
  readonly bytes: number;
  readonly expirations: number;
  readonly flushes: number;
  readonly racedReplies: number;
  readonly joinedMisses: number;
  /** Cached reads sent straight to the server: tracking off, or a key that cannot be cached. */
  readonly bypassed: number;
  /** CLIENT TRACKING (or the redirect's setup) refused or failed. */
  readonly trackingErrors: number;
}

export class TrackingCache {
  readonly options: ResolvedCacheOptions;
  readonly core: CacheCore;
  readonly #host: CacheHost;
  /** Tracking is on for the current multiplexed connection: replies may be stored. */
  #armed = false;
  /** The multiplexed connection tracking was (or is being) switched on for. */
  #conn: Connection | null = null;
  #redirect: Connection | null = null;
  #redirectId: number | undefined;
  #redirecting: Promise<void> | null = null;
  #redirectRetryAt = 0;
  #closed = false;
  #trackingErrors = 0;
  #bypassed = 0;

  constructor(options: ResolvedCacheOptions, host: CacheHost) {
    this.options = options;
    this.#host = host;
    this.core = new CacheCore(options);
  }

  get armed(): boolean {
    return this.#armed;
  }

  /**
   * A new multiplexed connection, before anything else is written on it. Whatever the cache
   * held was kept fresh by the previous connection's invalidations, which are gone: flush.
   */
  attach(conn: Connection): void {
    this.#disarm();
    if (this.#closed) return;
    this.#conn = conn;
    conn.once('close', () => {
      if (this.#conn !== conn) return;
      this.#conn = null;
      this.#disarm();
    });
    if (conn.protocol === 3) {
      conn.on('push', (push) => {
        if (push.kind === 'invalidate') this.#onInvalidate(push.data[1]);
      });
      this.#track(conn, []);
      return;
    }
    if (this.#redirectId !== undefined) this.#track(conn, ['REDIRECT', this.#redirectId]);
    else this.#ensureRedirect();
  }

  /** `CLIENT TRACKING ON …` on `conn`, written before any later read; armed from now on. */
  #track(conn: Connection, redirect: RespArg[]): void {
    const args: RespArg[] = ['CLIENT', 'TRACKING', 'ON', ...redirect];
    if (this.options.mode === 'bcast') {
      args.push('BCAST');
      for (const p of this.options.prefixes) if (p !== '') args.push('PREFIX', p);
    }
    const cmd: PendingCommand = new BasicCommand({
      args,
      reply: (value) => {
        if (value instanceof ReplyError) this.#trackingFailed(conn);
      },
      fail: () => this.#trackingFailed(conn),
    });
    try {
      conn.send(cmd);
    } catch {
      this.#trackingFailed(conn);
      return;
    }
    this.#armed = true;
  }

  #trackingFailed(conn: Connection): void {
    this.#trackingErrors++;
    if (this.#conn === conn) this.#disarm();
  }

  /** Stop storing, and forget everything: no invalidation will reach what is held now. */
  #disarm(): void {
    this.#armed = false;
    this.core.flush();
  }

  /** RESP2: lease the redirect connection, learn its id, subscribe, then track the mux. */
  #ensureRedirect(): void {
    if (this.#redirecting !== null || this.#closed) return;
    if (performance.now() < this.#redirectRetryAt) return;
    this.#redirecting = this.#openRedirect()
      .then(
        () => {
          const conn = this.#conn;
          if (conn !== null && !this.#armed && this.#redirectId !== undefined) {
            this.#track(conn, ['REDIRECT', this.#redirectId]);
          }
        },
        () => {
          this.#trackingErrors++;
          this.#redirectRetryAt = performance.now() + REDIRECT_RETRY_MS;
        },
      )
      .finally(() => {
        this.#redirecting = null;
      });
  }

  async #openRedirect(): Promise<void> {
    const conn = await this.#host.acquire();
    if (this.#closed) {
      this.#host.destroyLeased(conn);
      return;
    }
    try {
      conn.setSubscriberMode(true);
      const id = await request(conn, ['CLIENT', 'ID']);
      if (typeof id !== 'number') throw new Error('CLIENT ID did not answer an integer');
      const subscribed = new Promise<void>((resolve, reject) => {
        conn.on('push', (push) => {
          if (push.kind === 'subscribe') resolve();
          else this.#onRedirectPush(push);
        });
        conn.once('close', (error) => reject(error ?? new Error('redirect connection closed')));
      });
      conn.sendWithoutReply(['SUBSCRIBE', INVALIDATE_CHANNEL]);
      await subscribed;
      conn.once('close', () => this.#onRedirectClose(conn));
      this.#redirect = conn;
      this.#redirectId = id;
    } catch (error) {
      this.#host.destroyLeased(conn);
      throw error;
    }
  }

  #onRedirectPush(push: RespPush): void {
    if (push.kind === 'message' && String(push.data[1]) === INVALIDATE_CHANNEL) {
      this.#onInvalidate(push.data[2]);
    }
  }

  /** Invalidations for the current tracking are lost with it: flush, and set it up again. */
  #onRedirectClose(conn: Connection): void {
    if (this.#redirect !== conn) return;
    this.#redirect = null;
    this.#redirectId = undefined;
    this.#disarm();
    if (this.#conn !== null) this.#ensureRedirect();
  }

  /** One invalidation message: a list of keys, or null for "everything" (FLUSHALL, FLUSHDB). */
  #onInvalidate(keys: RespValue | undefined): void {
    if (!Array.isArray(keys)) {
      this.core.invalidateAll();
      return;
    }
    for (const k of keys) {
      const key = keyFromWire(k);
      if (key !== undefined) this.core.invalidate(key);
    }
  }

  /**
   * Whether a read of `keys` may use the cache now. In bcast mode, only keys under a prefix are
   * invalidated by the server, so only those.
   */
  usable(keys: readonly string[]): boolean {
    if (!this.#armed) {
      this.#bypassed++;
      if (this.#conn !== null && this.#conn.protocol === 2) this.#ensureRedirect();
      return false;
    }
    if (this.options.mode === 'bcast') {
      for (const key of keys) {
        if (!this.options.prefixes.some((p) => key.startsWith(p))) {
          this.#bypassed++;
          return false;
        }
      }
    }
    return true;
  }

  /** The cached reply for `cacheKey` (in `space`, by default the general one), or MISS. */
  hit(cacheKey: string, space?: Space): unknown {
    const e = this.core.lookup(cacheKey, coarseNow(), space);
    return e === undefined ? MISS : e.value;
  }

  /**
   * The hot path of a one-key read with no reply transform (`cached.get(k)`): the entry's
   * already-resolved promise, shared by every hit on it, or undefined on a miss. No check of
   * `usable` is needed: nothing is stored while tracking is off (every flush empties the
   * store), and only keys that passed it on their miss (well-formed, under a bcast prefix) are.
   */
  hitPromise(key: string, space: Space): Promise<unknown> | undefined {
    const e = this.core.lookup(key, coarseNow(), space);
    if (e === undefined) return undefined;
    if (e.resolved === undefined) e.resolved = Promise.resolve(e.value);
    return e.resolved;
  }

  /**
   * A miss: join the same read already in flight, or send it, with a PTTL per key pipelined
   * behind it (the entry must not outlive the key), and store the reply if no invalidation or
   * flush raced it.
   */
  fetch(
    cacheKey: string,
    keys: readonly string[],
    args: RespArg[],
    sender: RawSender,
    space?: Space,
  ): Promise<unknown> {
    const joined = this.core.flight(cacheKey, space);
    if (joined !== undefined) return joined;
    const core = this.core;
    const ticket = core.begin(keys);
    const replies: Promise<unknown>[] = [sender.sendRaw(args)];
    for (const key of keys) replies.push(sender.sendRaw(['PTTL', key]));
    const whole = Promise.all(replies).then(
      (values) => {
        let ttlMs = Number.POSITIVE_INFINITY;
        for (let i = 1; i < values.length; i++) {
          const pttl = values[i];
          // -1: no expiry; -2: no key (a later SET invalidates it). Else the key's remaining life.
          if (typeof pttl === 'number' && pttl >= 0) ttlMs = Math.min(ttlMs, pttl);
        }
        core.complete(cacheKey, ticket, values[0], coarseNow(), ttlMs, space);
        return values[0];
      },
      (error: unknown) => {
        core.abandon(cacheKey, ticket, space);
        throw error;
      },
    );
    core.publish(cacheKey, ticket, whole, space);
    return whole;
  }

  /**
   * One round trip on the connection invalidations arrive on: once it resolves, every write
   * acknowledged before the call has been invalidated here.
   */
  async sync(sender: RawSender): Promise<void> {
    const redirect = this.#redirect;
    if (this.#conn?.protocol === 2 && redirect !== null) {
      await request(redirect, ['PING']);
      return;
    }
    await sender.sendRaw(['PING']);
  }

  stats(): CacheStats {
    const c = this.core.counters();
    return {
      hits: c.hits,
      misses: c.misses,
      invalidations: c.invalidations,
      evictions: c.evictions,
      entries: this.core.entries,
      bytes: this.core.bytes,
      expirations: c.expirations,
      flushes: c.flushes,
      racedReplies: c.racedReplies,
      joinedMisses: c.joinedMisses,
      bypassed: this.#bypassed,
      trackingErrors: this.#trackingErrors,
    };
  }

  /** Stop caching; the redirect connection, if any, is closed (its slot freed). */
  close(): void {
    this.#closed = true;
    this.#disarm();
    const redirect = this.#redirect;
    this.#redirect = null;
    this.#redirectId = undefined;
    if (redirect !== null) this.#host.destroyLeased(redirect);
  }
}

function request(conn: Connection, args: RespArg[]): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    conn.send(new BasicCommand({ args, reply: resolve, fail: reject }));
  });
}

/** Zeroed cache stats, for a client without a cache. */
export const NO_CACHE_STATS: CacheStats = Object.freeze({
  hits: 0,
  misses: 0,
  invalidations: 0,
  evictions: 0,
  entries: 0,
  bytes: 0,
  expirations: 0,
  flushes: 0,
  racedReplies: 0,
  joinedMisses: 0,
  bypassed: 0,
  trackingErrors: 0,
});
