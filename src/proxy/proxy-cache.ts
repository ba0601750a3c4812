/**
 * `respool proxy --cache`: cached reads for every client of the proxy, from one tracking
 * connection per upstream node (docs/caching.md, proxy). The cache is a respool client with the
 * `cache` option (RESP3: CLIENT TRACKING on its one multiplexed connection, invalidations pushed
 * on it; bounded by maxEntries/maxBytes, LRU), or with `--cluster` a respool cluster with it
 * (`cluster.cached`: one such connection and cache per node, a node's entries flushed when any
 * of its slots moves away), and this class is a SharedPath the session sends a cacheable read
 * on, as it would on the upstream's shared path.
 *
 * The guarantee for each proxy client is stronger than a client's own: no `sync()` is needed.
 * Every cached read waits for a PING on the tracking connection (with a cluster: on every
 * primary's) sent after the read arrived (the reads that arrive in one tick share one PING). A write acknowledged to any client before the
 * read arrived had its invalidation queued on the tracking connection before its
 * acknowledgement, so before that PING's reply: by then the cache has dropped the entry. A hit
 * costs that shared PING instead of a GET per client, and the value is served by the proxy.
 *
 * What is cached: the one-key reads of proxy-cache-replies.ts (GET, HGET, HGETALL, SMEMBERS,
 * EXISTS with one key, TYPE, …) in database 0 on a standalone or cluster upstream, each reply re-encoded in
 * the client's protocol as the server would have sent it. The session's path rule (one path in
 * flight at a time) keeps a client's pipelined `SET k v` then `GET k` in order: the GET waits
 * until the SET is answered.
 */
import type { CachedClient } from '../client/cached-client.js';
import { createClient } from '../client/client.js';
import type { ClusterCachedClient } from '../cluster/cluster-cache.js';
import { createCluster } from '../cluster/cluster-client.js';
import type { PendingCommand } from '../connection/pending-command.js';
import { ReplyError } from '../errors.js';
import { proxyCachedRead } from './proxy-cache-replies.js';
import type { SharedPath } from './upstream.js';

export interface ProxyCacheOptions {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

/** Where the cache reads from: the standalone upstream, or the cluster's seed nodes. */
export type ProxyCacheSource = { readonly url: string } | { readonly nodes: readonly string[] };

export interface ProxyCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly entries: number;
  readonly bytes: number;
}

/** What the session's cached read is: its arguments as frame views, its client's protocol. */
interface CachedSlot extends PendingCommand {
  readonly args: readonly (string | Buffer)[];
  readonly session: { readonly protocol: 2 | 3 };
}

/** What the cache needs of a client or a cluster. */
interface CacheOwner {
  readonly cached: unknown;
  close(): Promise<void>;
}

export class ProxyCache implements SharedPath {
  readonly #owner: CacheOwner;
  readonly #stats: () => {
    cacheHits: number;
    cacheMisses: number;
    cacheEntries: number;
    cacheBytes: number;
  };
  // The views' `call()`: any cacheable read by its arguments, its reply untransformed.
  readonly #cached: CachedClient<Buffer> | ClusterCachedClient<Buffer>;
  /** The PING that reads arriving in this tick wait for; cleared on the next tick. */
  #barrier: Promise<void> | null = null;
  readonly #clearBarrier = (): void => {
    this.#barrier = null;
  };

  constructor(source: ProxyCacheSource, options: ProxyCacheOptions, clientOptions: object = {}) {
    const common = {
      ...clientOptions,
      protocol: 3 as const,
      maxConnections: 1,
      name: 'respool-proxy-cache',
      cache: { maxEntries: options.maxEntries, maxBytes: options.maxBytes },
    };
    if ('nodes' in source) {
      const cluster = createCluster({ ...common, nodes: source.nodes });
      this.#cached = cluster.withOptions({ returnBuffers: true })
        .cached as ClusterCachedClient<Buffer>;
      this.#stats = () => cluster.stats().total;
      this.#owner = cluster;
    } else {
      const client = createClient({ ...common, url: source.url });
      this.#cached = client.withOptions({ returnBuffers: true }).cached as CachedClient<Buffer>;
      this.#stats = () => client.stats();
      this.#owner = client;
    }
  }

  /** Whether a request is one the cache serves (the session asks before building arguments). */
  wants(name: string, argc: number, db: number): boolean {
    return db === 0 && proxyCachedRead(name, argc) !== undefined;
  }

  send(cmd: PendingCommand): boolean {
    const slot = cmd as CachedSlot;
    const protocol = slot.session.protocol;
    const args = slot.args.map(cacheableArg);
    const name = typeof args[0] === 'string' ? args[0].toLowerCase() : '';
    // wants() said yes for this name and count, so there is an encoder.
    const encode = proxyCachedRead(name, args.length)!;
    this.#sync()
      .then(() => this.#cached.call(...(args as [string, ...(string | Buffer)[]])))
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

  /** A PING on the tracking connection sent after now, shared by the reads of this tick. */
  #sync(): Promise<void> {
    let barrier = this.#barrier;
    if (barrier === null) {
      barrier = this.#cached.sync();
      this.#barrier = barrier;
      process.nextTick(this.#clearBarrier);
    }
    return barrier;
  }

  stats(): ProxyCacheStats {
    const s = this.#stats();
    return {
      hits: s.cacheHits,
      misses: s.cacheMisses,
      entries: s.cacheEntries,
      bytes: s.cacheBytes,
    };
  }

  close(): Promise<void> {
    return this.#owner.close();
  }
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
