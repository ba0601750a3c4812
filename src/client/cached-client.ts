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

import type { Space } from '../cache/cache-core.js';
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

function settled(value: unknown, transform: Transform | undefined): Promise<unknown> {
  try {
    return Promise.resolve(out(value, transform));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * What a cluster node's view does with a failed miss (or bypassed read) before its caller sees
 * it: a MOVED/ASK means the key is not this node's, so the read goes through the cluster's
 * router instead. Hits never reach it.
 */
export type MissFallback = (
  args: RespArg[],
  transform: Transform | undefined,
  error: unknown,
) => Promise<unknown>;

/** ES2024's String.prototype.isWellFormed (Node 20 has it; the project's lib is ES2023). */
function wellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

// Structurally a RawSender (the cache calls sendRaw), but not declared so: sendRaw is internal and
// stripped from the published types, where an `implements` clause would then not compile.
export class CachedClient<S extends string | Buffer = string> extends CommandApi<'async', S> {
  readonly #core: ClientCore;
  readonly #cache: TrackingCache;
  readonly #policy: CommandPolicy;
  readonly #prefix: string | undefined;
  /** `s` or `b`: string and Buffer replies are cached apart. */
  readonly #mode: string;
  /** This view's one-key spaces, by command name as the methods spell it. */
  readonly #spaces = new Map<string, Space>();
  /** The GET space, for the hit path of `get`; undefined with a key prefix (no fast path). */
  readonly #getSpace: Space | undefined;
  readonly #fallback: MissFallback | undefined;

  /** @internal Use `client.cached` (`fallback`: a cluster node's view, see MissFallback). */
  constructor(
    core: ClientCore,
    cache: TrackingCache,
    policy: CommandPolicy,
    fallback?: MissFallback,
  ) {
    super();
    this.#fallback = fallback;
    this.#core = core;
    this.#cache = cache;
    this.#policy = policy;
    this.#prefix = policy.keyPrefix;
    this.#mode = policy.returnBuffers ? 'b' : 's';
    this.#getSpace = this.#prefix === undefined ? this.#spaceOf('GET') : undefined;
  }

  /**
   * The hot path (docs/caching.md, speed): a hit on `get(k)` is one Map lookup of the caller's
   * key, an LRU touch and the entry's already-resolved promise; no argument array, no cache key,
   * no promise made per call. Anything else (a miss, a prefix, tracing on) takes the full path.
   */
  override get(key: RespArg): Promise<S | null> {
    const space = this.#getSpace;
    if (space !== undefined && typeof key === 'string' && !commandTraced()) {
      const p = this.#cache.hitPromise(key, space);
      if (p !== undefined) return p as Promise<S | null>;
      // A miss, counted once: straight to the request, not through a second lookup.
      return this.#miss(['GET', key], undefined, [key], space, key) as Promise<S | null>;
    }
    return super.get(key);
  }

  protected override _cmd(args: RespArg[], transform: Transform | undefined): Promise<unknown> {
    if (this.#prefix !== undefined) args = prefixKeys(args, this.#prefix);
    if (commandTraced()) {
      return traceCommand(this.#core.scope, args, () => this.#read(args, transform));
    }
    return this.#read(args, transform);
  }

  /** @internal A read whose keys are already prefixed (a cluster view routes, then calls it). */
  read(args: RespArg[], transform: Transform | undefined): Promise<unknown> {
    return this._cmd(args, transform);
  }

  #spaceOf(name: string): Space {
    let space = this.#spaces.get(name);
    if (space === undefined) {
      space = this.#cache.core.space(`${this.#mode}${name.toUpperCase()}`);
      this.#spaces.set(name, space);
    }
    return space;
  }

  #read(args: RespArg[], transform: Transform | undefined): Promise<unknown> {
    const cache = this.#cache;
    const keys = cacheableKeys(args);
    if (keys === undefined) return this.#send(args, transform);
    // Hits need no `usable` check: nothing is stored while tracking is off, and only reads that
    // passed it on their miss are stored.
    let space: Space | undefined;
    let cacheKey: string | undefined;
    const only = args[1];
    if (args.length === 2 && typeof only === 'string') {
      // A one-key read: its command's space, keyed by the Redis key itself.
      space = this.#spaceOf(args[0] as string);
      const value = cache.hit(only, space);
      if (value !== MISS) return settled(value, transform);
      cacheKey = only;
    } else {
      cacheKey = cacheKeyOf(args, this.#policy.returnBuffers);
      if (cacheKey !== undefined) {
        const value = cache.hit(cacheKey);
        if (value !== MISS) return settled(value, transform);
      }
    }
    return this.#miss(args, transform, keys, space, cacheKey);
  }

  /**
   * A read not in the cache: sent through the cache (single-flight, stored if no invalidation
   * races it) when it may be stored, else sent as usual. In a one-key space `cacheKey` is the
   * Redis key, checked here: only a well-formed one can be matched to its invalidations.
   */
  #miss(
    args: RespArg[],
    transform: Transform | undefined,
    keys: string[],
    space: Space | undefined,
    cacheKey: string | undefined,
  ): Promise<unknown> {
    const cache = this.#cache;
    if (
      cacheKey === undefined ||
      (space !== undefined && !wellFormed(cacheKey)) ||
      !cache.usable(keys)
    ) {
      return this.#fallible(this.#send(args, transform), args, transform);
    }
    return this.#fallible(
      cache.fetch(cacheKey, keys, args, this, space).then((v) => out(v, transform)),
      args,
      transform,
    );
  }

  #fallible(
    p: Promise<unknown>,
    args: RespArg[],
    transform: Transform | undefined,
  ): Promise<unknown> {
    const fallback = this.#fallback;
    return fallback === undefined
      ? p
      : p.catch((error: unknown) => fallback(args, transform, error));
  }

  #send(args: RespArg[], transform: Transform | undefined): Promise<unknown> {
    const core = this.#core;
    return new PromiseCommand(args, this.#policy, transform, core.mux.counters, core.resend).start(
      core.mux,
    );
  }

  /**
   * @internal The stored reply of the one-key read `name key` (`GET k`), or MISS; nothing is
   * sent (the proxy answers an MGET from GET entries only when every key has one). Counted as a
   * lookup is: a hit, or a miss.
   */
  peek(name: string, key: string): unknown {
    return this.#cache.hit(key, this.#spaceOf(name));
  }

  /** @internal The request behind a miss: the view's policy, the reply as decoded. */
  sendRaw(args: RespArg[]): Promise<unknown> {
    return this.#send(args, undefined);
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
