/**
 * `respool proxy --cache`: cached reads for every client of the proxy, from one tracking
 * connection per upstream node (docs/caching.md, proxy). The tracking connections are the
 * upstream's own (`Upstream.cache`): a RESP3 ClientCore with the `cache` option in each server's
 * CoreSet (CLIENT TRACKING on its one multiplexed connection, invalidations pushed on it;
 * bounded by maxEntries/maxBytes, LRU), each taking a slot of the one `--max-connections`
 * budget; with `--cluster`, the cluster engine's `cluster.cached` over the proxy's own nodes (a
 * node's entries flushed when any of its slots moves away). This class is a SharedPath the
 * session sends a cacheable read on, as it would on the upstream's shared path.
 *
 * The guarantee for each proxy client is stronger than a client's own: no `sync()` is needed.
 * Every cached read waits for a PING on the tracking connection (with a cluster: on every
 * primary's) sent after the read arrived (the reads that arrive in one tick share one PING). A
 * write acknowledged to any client before the read arrived had its invalidation queued on the
 * tracking connection before its acknowledgement, so before that PING's reply: by then the cache has dropped the entry. A hit
 * costs that shared PING instead of a GET per client, and the value is served by the proxy.
 *
 * What is cached: the one-key reads of proxy-cache-replies.ts (GET, HGET, HGETALL, SMEMBERS,
 * EXISTS with one key, TYPE, …) in database 0 on a standalone or cluster upstream, each reply
 * re-encoded in the client's protocol as the server would have sent it. The session's path rule
 * (one path in flight at a time) keeps a client's pipelined `SET k v` then `GET k` in order: the GET waits
 * until the SET is answered.
 */
import { type CacheStats, MISS, NO_CACHE_STATS } from '../cache/tracking-cache.js';
import type { PendingCommand } from '../connection/pending-command.js';
import { ReplyError } from '../errors.js';
import { encodeMget, proxyCachedRead } from './proxy-cache-replies.js';
import { errorReply } from './replies.js';
import type { SharedPath } from './upstream.js';

/**
 * What an upstream gives the cache (`Upstream.cache`): its cached reads, on tracking
 * connections it opened under its own budget, and their counters.
 */
export interface ProxyCacheBackend {
  /** A cacheable read by its arguments, its reply as decoded (Buffers for strings). */
  call(...args: [string, ...(string | Buffer)[]]): Promise<unknown>;
  /** One round trip on every tracking connection in use. */
  sync(): Promise<void>;
  /** The stored reply of the one-key read `name key`, or MISS; nothing sent (counted). */
  peek(name: string, key: string): unknown;
  /** The tracking caches' counters, summed over nodes. */
  stats(): CacheStats;
}

export interface ProxyCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly invalidations: number;
  readonly evictions: number;
  /** Whole-cache flushes (a tracking connection lost, a tracking error, a slot moved away). */
  readonly flushes: number;
  readonly entries: number;
  readonly bytes: number;
}

/** What the session's cached read is: its arguments as frame views, its client's protocol. */
interface CachedSlot extends PendingCommand {
  readonly args: readonly (string | Buffer)[];
  readonly session: { readonly protocol: 2 | 3 };
}

export class ProxyCache implements SharedPath {
  readonly #backend: ProxyCacheBackend;
  /** The PING that reads arriving in this tick wait for; cleared on the next tick. */
  #barrier: Promise<void> | null = null;
  readonly #clearBarrier = (): void => {
    this.#barrier = null;
  };

  /** Where an MGET not wholly cached goes: the upstream's shared path in db 0. */
  readonly #shared: (protocol: 2 | 3) => SharedPath | Error;

  constructor(backend: ProxyCacheBackend, shared: (protocol: 2 | 3) => SharedPath | Error) {
    this.#backend = backend;
    this.#shared = shared;
  }

  /** Whether a request is one the cache serves (the session asks before building arguments). */
  wants(name: string, argc: number, db: number): boolean {
    return (
      db === 0 && (proxyCachedRead(name, argc) !== undefined || (name === 'mget' && argc >= 2))
    );
  }

  /** Reads answered from the cache or its connection's promises: batched as before. */
  readonly idle = false;

  send(cmd: PendingCommand): boolean {
    const slot = cmd as CachedSlot;
    const protocol = slot.session.protocol;
    const args = slot.args.map(cacheableArg);
    const name = typeof args[0] === 'string' ? args[0].toLowerCase() : '';
    if (name === 'mget') {
      this.#sync().then(
        () => this.#mget(slot, args, protocol),
        () => this.#forward(slot, protocol),
      );
      return true;
    }
    // wants() said yes for this name and count, so there is an encoder.
    const encode = proxyCachedRead(name, args.length)!;
    this.#sync()
      .then(() => this.#backend.call(...(args as [string, ...(string | Buffer)[]])))
      .then(
        (value) => slot.reply(encode(value, protocol)),
        (error: unknown) => {
          // The server's own refusal (WRONGTYPE, …) is the client's reply, as without the cache.
          if (error instanceof ReplyError)
            slot.reply(Buffer.from(`-${oneLine(error.message)}\r\n`));
          else slot.fail(error instanceof Error ? error : new Error(String(error)));
        },
      );
    return true;
  }

  /**
   * After the barrier: every key's GET entry, if each has one, is the reply. Those entries were
   * all current when the PING was answered (each invalidation before it had removed its entry),
   * so together they are one moment's values, as one MGET would read them. Otherwise (a key not
   * cached, or not text the cache can match) the MGET goes to the server as it came.
   */
  #mget(slot: CachedSlot, args: readonly (string | Buffer)[], protocol: 2 | 3): void {
    const values: unknown[] = [];
    for (let i = 1; i < args.length; i++) {
      const key = args[i]!;
      const value = typeof key === 'string' ? this.#backend.peek('GET', key) : MISS;
      if (value === MISS) {
        this.#forward(slot, protocol);
        return;
      }
      values.push(value);
    }
    slot.reply(encodeMget(values, protocol));
  }

  /** The request as the client sent it, on the upstream's shared path: the server answers. */
  #forward(slot: CachedSlot, protocol: 2 | 3): void {
    const path = this.#shared(protocol);
    if (path instanceof Error) slot.reply(errorReply(`respool proxy: ${path.message}`));
    // Congestion is not reported back: the session already counts this request as in flight.
    else path.send(slot);
  }

  /** A PING on the tracking connection sent after now, shared by the reads of this tick. */
  #sync(): Promise<void> {
    let barrier = this.#barrier;
    if (barrier === null) {
      barrier = this.#backend.sync();
      this.#barrier = barrier;
      process.nextTick(this.#clearBarrier);
    }
    return barrier;
  }

  stats(): ProxyCacheStats {
    const s = this.#backend.stats();
    return {
      hits: s.hits,
      misses: s.misses,
      invalidations: s.invalidations,
      evictions: s.evictions,
      flushes: s.flushes,
      entries: s.entries,
      bytes: s.bytes,
    };
  }
}

/** Counters of several nodes' caches, added up. */
export function sumCacheStats(all: Iterable<CacheStats>): CacheStats {
  const total: Record<string, number> = { ...NO_CACHE_STATS };
  for (const s of all) {
    for (const [name, value] of Object.entries(s)) total[name] = (total[name] ?? 0) + value;
  }
  return total as unknown as CacheStats;
}

/**
 * An argument as a string when its bytes are exactly the UTF-8 of one (then the read can be
 * cached and matched to invalidations); else the bytes, which the client sends uncached.
 */
function cacheableArg(raw: string | Buffer | undefined): string | Buffer {
  if (typeof raw === 'string') return raw;
  const bytes = Buffer.from(raw ?? Buffer.alloc(0));
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : bytes;
}

function oneLine(message: string): string {
  return message.replace(/[\r\n]+/g, ' ');
}
