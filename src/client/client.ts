/**
 * The public client. A thin façade: typed methods (CommandApi) over a ClientCore that owns the
 * multiplexed connection and the pool of exclusive connections. `withOptions()` returns a view
 * sharing the same connections but decoding to Buffers, so buffer mode is per call site.
 *
 * Routing: ordinary commands → the multiplexed connection. Blocking commands (typed or through
 * `call`) → a leased connection, automatically. Commands that change connection state (WATCH,
 * MULTI, SELECT, SUBSCRIBE, …) are refused on the shared connection: use `withConnection`,
 * `multi()` or `subscribe()`.
 */
import type { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import { InvalidArgumentError } from '../errors.js';
import type { RespArg } from '../protocol/resp-types.js';
import { validateDurationMs } from '../validate.js';
import { Multi, Pipeline } from './batch.js';
import { CachedClient, type CachedReads } from './cached-client.js';
import { type CallOptions, resolvePolicy } from './call-options.js';
import { ClientCore } from './client-core.js';
import { ClientFacade } from './client-facade.js';
import { CLIENT_LEASE } from './connection-state-guard.js';
import type { ClientEvents } from './events.js';
import type { LeasedConnection } from './leased-connection.js';
import type { ConnectionFactory } from './multiplexer.js';
import { type ClientOptions, type ResolvedClientOptions, resolveClientOptions } from './options.js';
import { type CommandPolicy, PromiseCommand } from './promise-command.js';

export type { CallOptions } from './call-options.js';

import type { Transform } from './reply-transforms.js';
import type { ClientStats } from './stats.js';
import type { MessageListener, SubscribeKind, Subscription } from './subscriber.js';

/** Options of one `withConnection` call. */
export interface LeaseOptions {
  /** Give up waiting for a connection when this signal aborts (ERR_ABORTED). */
  readonly signal?: AbortSignal;
  /** Overrides the client's acquireTimeoutMs for this lease; 0 = wait as long as it takes. */
  readonly acquireTimeoutMs?: number;
  /**
   * The longest `fn` may hold the connection; past it the call rejects with ERR_LEASE_TIMEOUT,
   * the connection is destroyed and its slot freed. 0 = no limit. @default 0
   */
  readonly maxLeaseMs?: number;
}

export class RespoolClient<S extends string | Buffer = string> extends ClientFacade<
  S,
  ClientEvents
> {
  readonly #core: ClientCore;
  readonly #policy: CommandPolicy;
  #cached: CachedReads<S> | undefined;

  /** @internal Use `createClient()`. */
  constructor(core: ClientCore, policy: CommandPolicy) {
    super(policy, core.scope);
    this.#core = core;
    this.#policy = policy;
  }

  protected override _send(args: RespArg[], transform: Transform | undefined): Promise<unknown> {
    const core = this.#core;
    const mux = core.mux;
    return new PromiseCommand(args, this.#policy, transform, mux.counters, core.resend).start(mux);
  }

  protected override _runBlocking(
    args: RespArg[],
    transform: Transform | undefined,
    serverTimeoutMs: number | undefined,
  ): Promise<unknown> {
    return this.#core.runBlocking(args, this.#policy, transform, serverTimeoutMs);
  }

  protected override _subscribe(
    kind: SubscribeKind,
    names: string | readonly string[],
    listener: MessageListener<string | Buffer>,
  ): Promise<Subscription> {
    return this.#core.subscriber.subscribe(kind, names, listener, this.#policy.returnBuffers);
  }

  protected override get _emitter(): EventEmitter {
    return this.#core.events as EventEmitter;
  }

  protected override get _leaks(): EventEmitter {
    return this.#core.pool;
  }

  protected override get _exclusiveHint(): string {
    return CLIENT_LEASE;
  }

  /** A view of this client (same connections) with other per-call options. */
  withOptions(options: CallOptions<true>): RespoolClient<Buffer>;
  withOptions(options: CallOptions<false>): RespoolClient<string>;
  withOptions(options: CallOptions): RespoolClient<string | Buffer>;
  withOptions(options: CallOptions): RespoolClient<string | Buffer> {
    return new RespoolClient(this.#core, resolvePolicy(options, this.#policy));
  }

  /**
   * Reads answered from the client-side cache, kept fresh by CLIENT TRACKING (docs/caching.md):
   * `client.cached.get(k)`, `hgetall`, `mget`, … and `sync()`. Views share one cache.
   * @throws ERR_INVALID_ARGUMENT when the client was created without the `cache` option.
   */
  get cached(): CachedReads<S> {
    const cache = this.#core.cache;
    if (cache === undefined) {
      throw new InvalidArgumentError(
        'client.cached needs the cache option: createClient({ cache: { maxEntries, maxBytes, ttlMs } })',
      );
    }
    this.#cached ??= new CachedClient<S>(this.#core, cache, this.#policy);
    return this.#cached;
  }

  /**
   * Run `fn` with an exclusive connection (WATCH/MULTI/EXEC, SELECT, a series of blocking
   * commands). The connection goes back to the pool on every path, throws included, after what
   * `fn` changed (an open MULTI, WATCHed keys, the database) is undone; a connection that cannot
   * be restored is closed instead.
   * @throws ERR_POOL_TIMEOUT when no connection frees up within acquireTimeoutMs.
   */
  withConnection<T>(
    fn: (connection: LeasedConnection<S>) => T | Promise<T>,
    options: LeaseOptions = {},
  ): Promise<T> {
    // An invalid option throws synchronously, naming it, like every other option.
    const maxLeaseMs = validateDurationMs(options.maxLeaseMs ?? 0, 'maxLeaseMs');
    return this.#core.withConnection(
      fn,
      this.#policy,
      { signal: options.signal, timeoutMs: options.acquireTimeoutMs },
      maxLeaseMs,
    );
  }

  /** Queue commands and send them in one write with `exec()`; results stay per slot. */
  pipeline(): Pipeline<S> {
    const core = this.#core;
    return new Pipeline<S>({
      mux: core.mux,
      returnBuffers: this.#policy.returnBuffers,
      scope: core.scope,
      timeoutMs: this.#policy.timeoutMs,
      keyPrefix: this.#policy.keyPrefix,
    });
  }

  /** MULTI…EXEC in one write on the multiplexed connection: atomic, no lease needed. */
  multi(): Multi<S> {
    const core = this.#core;
    return new Multi<S>({
      mux: core.mux,
      returnBuffers: this.#policy.returnBuffers,
      scope: core.scope,
      timeoutMs: this.#policy.timeoutMs,
      keyPrefix: this.#policy.keyPrefix,
    });
  }

  /**
   * Events (on/once/off): `connect`, `ready`, `close`, `reconnecting`, `error`. `error` fires only
   * for what needs action (authentication refused, maxclients, a protocol violation); routine
   * closes and reconnects never reach it. Pub/sub: all subscriptions of a client share one
   * dedicated connection from the budget; it returns to the pool when the last one ends.
   */

  /** Connect the multiplexed connection now instead of on the first command. */
  async ready(): Promise<void> {
    await this.#core.mux.connect();
  }

  stats(): ClientStats {
    return this.#core.stats();
  }

  /**
   * Process-unique id of this client (`respool-1`, …), carried by every diagnostics_channel
   * message it publishes; the metrics helpers label its series with `name` or, without one, this.
   */
  get clientId(): string {
    return this.#core.options.clientId;
  }

  /** The `name` option (CLIENT SETNAME), if one was given. */
  get clientName(): string | undefined {
    return this.#core.options.name;
  }

  /**
   * Graceful: waits for every accepted command's reply and for leases to come back (up to
   * closeTimeoutMs, then they are destroyed), then closes. Idempotent.
   */
  close(): Promise<void> {
    return this.#core.close();
  }

  /** Immediate: pending commands fail, sockets are destroyed. Idempotent. */
  destroy(): void {
    this.#core.destroy();
  }

  [inspect.custom](): string {
    const o = this.#core.options;
    const endpoint = o.path ?? `${o.host}:${o.port}`;
    const s = this.stats();
    return `RespoolClient { endpoint: '${endpoint}', db: ${o.db}, open: ${s.open}, leased: ${s.leased}, idle: ${s.idle}, inFlight: ${s.inFlight}, closed: ${this.#core.mux.closed} }`;
  }
}

/**
 * Create a client. Connects lazily on the first command (or `ready()`).
 * @throws InvalidArgumentError synchronously for invalid options, naming the option and value.
 */
export function createClient(options?: string | ClientOptions): RespoolClient;
/** @internal Inject the connection layer (tests). */
export function createClient(
  options: string | ClientOptions | undefined,
  factory: ConnectionFactory,
): RespoolClient;
export function createClient(
  options?: string | ClientOptions,
  factory?: ConnectionFactory,
): RespoolClient {
  const resolved = resolveClientOptions(options);
  return new RespoolClient(new ClientCore(resolved, factory), defaultPolicy(resolved));
}

/** @internal The policy of a client's first view, from its options. */
export function defaultPolicy(resolved: ResolvedClientOptions): CommandPolicy {
  return Object.freeze({
    returnBuffers: resolved.returnBuffers,
    timeoutMs: resolved.commandTimeoutMs,
    idempotent: false,
    signal: undefined,
    keyPrefix: resolved.keyPrefix,
  });
}
