/**
 * `client.cached`: the typed read methods, answered from the client-side cache when they can be
 * (docs/caching.md). The same methods as the client (CommandApi), with `_cmd` looking in the
 * cache first; the type exposes the cacheable reads only.
 *
 *   hit   → the stored reply, through the method's transform (a fresh object per call)
 *   miss  → one request per read in flight (concurrent misses join it), its key's PTTL behind
 *           it; stored unless an invalidation or a flush raced it
 *   tracking not on yet, a Buffer key, a bcast key outside the prefixes → sent as usual
 */
import { cacheKeyOf } from '../cache/cache-key.js';
import { cacheableKeys } from '../cache/cacheable-commands.js';
import { MISS, type TrackingCache } from '../cache/tracking-cache.js';
import { prefixKeys } from '../commands/key-prefix.js';
import { InvalidArgumentError } from '../errors.js';
import { commandTraced } from '../metrics/channels.js';
import { traceCommand } from '../metrics/command-tracing.js';
import type { RespArg } from '../protocol/resp-types.js';
import type { ClientCore } from './client-core.js';
import { CommandApi } from './command-api.js';
import { type CommandPolicy, PromiseCommand } from './promise-command.js';
import type { Transform } from './reply-transforms.js';

/** The methods of `client.cached`. */
export type CacheableMethod =
  | 'get'
  | 'mget'
  | 'getrange'
  | 'strlen'
  | 'getbit'
  | 'bitcount'
  | 'bitpos'
  | 'hget'
  | 'hmget'
  | 'hgetall'
  | 'hexists'
  | 'hlen'
  | 'hstrlen'
  | 'hkeys'
  | 'hvals'
  | 'smembers'
  | 'sismember'
  | 'smismember'
  | 'scard'
  | 'lrange'
  | 'lindex'
  | 'llen'
  | 'lpos'
  | 'zrange'
  | 'zrangeWithScores'
  | 'zrevrange'
  | 'zrangebyscore'
  | 'zrangebylex'
  | 'zscore'
  | 'zmscore'
  | 'zcard'
  | 'zcount'
  | 'zlexcount'
  | 'zrank'
  | 'zrevrank'
  | 'type'
  | 'exists'
  | 'geopos'
  | 'geodist'
  | 'geohash'
  | 'xlen';

/** `client.cached`: cacheable reads, and `sync()`. */
export type CachedReads<S extends string | Buffer = string> = Pick<
  CachedClient<S>,
  CacheableMethod | 'sync'
>;

function out(value: unknown, transform: Transform | undefined): unknown {
  if (transform !== undefined) return transform(value as never);
  // Callers get their own array; the elements (strings, or Buffers: treat them as read-only)
  // are shared with the cache.
  return Array.isArray(value) ? value.slice() : value;
}

// Structurally a RawSender (the cache calls sendRaw), but not declared so: sendRaw is internal and
// stripped from the published types, where an `implements` clause would then not compile.
export class CachedClient<S extends string | Buffer = string> extends CommandApi<'async', S> {
  readonly #core: ClientCore;
  readonly #cache: TrackingCache;
  readonly #policy: CommandPolicy;
  readonly #prefix: string | undefined;

  /** @internal Use `client.cached`. */
  constructor(core: ClientCore, cache: TrackingCache, policy: CommandPolicy) {
    super();
    this.#core = core;
    this.#cache = cache;
    this.#policy = policy;
    this.#prefix = policy.keyPrefix;
  }

  protected override _cmd(args: RespArg[], transform: Transform | undefined): Promise<unknown> {
    if (this.#prefix !== undefined) args = prefixKeys(args, this.#prefix);
    if (commandTraced()) {
      return traceCommand(this.#core.scope, args, () => this.#read(args, transform));
    }
    return this.#read(args, transform);
  }

  #read(args: RespArg[], transform: Transform | undefined): Promise<unknown> {
    const cache = this.#cache;
    const keys = cacheableKeys(args);
    const cacheKey =
      keys !== undefined && cache.usable(keys)
        ? cacheKeyOf(args, this.#policy.returnBuffers)
        : undefined;
    if (keys === undefined || cacheKey === undefined) {
      return new PromiseCommand(
        args,
        this.#policy,
        transform,
        this.#core.mux.counters,
        this.#core.resend,
      ).start(this.#core.mux);
    }
    const value = cache.hit(cacheKey);
    if (value !== MISS) {
      try {
        return Promise.resolve(out(value, transform));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return cache.fetch(cacheKey, keys, args, this).then((v) => out(v, transform));
  }

  /** @internal The request behind a miss: the view's policy, the reply as decoded. */
  sendRaw(args: RespArg[]): Promise<unknown> {
    const core = this.#core;
    return new PromiseCommand(args, this.#policy, undefined, core.mux.counters, core.resend).start(
      core.mux,
    );
  }

  protected override _block(): Promise<unknown> {
    return Promise.reject(
      new InvalidArgumentError('Blocking commands cannot be cached; use the client itself'),
    );
  }

  /**
   * One round trip on the connection invalidations arrive on. Once it resolves, every write
   * acknowledged (to any client) before it was called has been invalidated here, so the cached
   * reads issued from then on see it (docs/caching.md, the guarantee).
   */
  sync(): Promise<void> {
    return this.#cache.sync(this);
  }
}
