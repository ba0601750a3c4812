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
import { blockingTimeoutMs, isBlocking, requiresExclusive } from '../commands/classify.js';
import { prefixKeys } from '../commands/key-prefix.js';
import { InvalidArgumentError } from '../errors.js';
import { commandTraced } from '../metrics/channels.js';
import { traceCommand } from '../metrics/command-tracing.js';
import type { RespArg } from '../protocol/resp-types.js';
import { Multi, Pipeline } from './batch.js';
import { CachedClient, type CachedReads } from './cached-client.js';
import { type CallOptions, resolvePolicy } from './call-options.js';
import { ClientCore } from './client-core.js';
import { CommandApi, type Out } from './command-api.js';
import type { ClientEvents } from './events.js';
import type { LeasedConnection } from './leased-connection.js';
import type { ConnectionFactory } from './multiplexer.js';
import { type ClientOptions, resolveClientOptions } from './options.js';
import { type CommandPolicy, PromiseCommand } from './promise-command.js';

export type { CallOptions } from './call-options.js';

import type { Transform } from './reply-transforms.js';
import type { ClientStats } from './stats.js';
import type { MessageListener, Subscription } from './subscriber.js';

/** Options of one `withConnection` call. */
export interface LeaseOptions {
  /** Give up waiting for a connection when this signal aborts (ERR_ABORTED). */
  readonly signal?: AbortSignal;
  /** Overrides the client's acquireTimeoutMs for this lease; 0 = wait as long as it takes. */
  readonly acquireTimeoutMs?: number;
}

export class RespoolClient<S extends string | Buffer = string> extends CommandApi<'async', S> {
  readonly #core: ClientCore;
  readonly #policy: CommandPolicy;
  /** The keyPrefix option, read once: one field check per command when there is none. */
  readonly #prefix: string | undefined;
  #cached: CachedReads<S> | undefined;

  /** @internal Use `createClient()`. */
  constructor(core: ClientCore, policy: CommandPolicy) {
    super();
    this.#core = core;
    this.#policy = policy;
    this.#prefix = policy.keyPrefix;
  }

  protected override _cmd(args: RespArg[], transform: Transform | undefined): Promise<unknown> {
    if (this.#prefix !== undefined) args = prefixKeys(args, this.#prefix);
    // Diagnostics: one inlined check per command when nobody listens (channels.bench.ts).
    if (commandTraced()) {
      return traceCommand(this.#core.scope, args, () => this.#send(args, transform));
    }
    return this.#send(args, transform);
  }

  #send(args: RespArg[], transform: Transform | undefined): Promise<unknown> {
    const core = this.#core;
    const mux = core.mux;
    return new PromiseCommand(args, this.#policy, transform, mux.counters, core.resend).start(mux);
  }

  protected override _block(
    args: RespArg[],
    transform: Transform | undefined,
    serverTimeoutMs: number | undefined,
  ): Promise<unknown> {
    if (this.#prefix !== undefined) args = prefixKeys(args, this.#prefix);
    const core = this.#core;
    if (commandTraced()) {
      return traceCommand(core.scope, args, () =>
        core.runBlocking(args, this.#policy, transform, serverTimeoutMs),
      );
    }
    return core.runBlocking(args, this.#policy, transform, serverTimeoutMs);
  }

  /**
   * Any command, by name. Blocking commands run on a leased connection. Commands that would
   * change the shared connection's state (WATCH, MULTI, SELECT, SUBSCRIBE, MONITOR, …) are
   * refused here: use `withConnection`, `multi()` or `subscribe()`.
   */
  override call(name: string, ...args: RespArg[]): Out<'async', unknown, this> {
    const full: RespArg[] = [name, ...args];
    if (isBlocking(full)) return this._block(full, undefined, blockingTimeoutMs(full));
    if (requiresExclusive(full)) {
      return Promise.reject(
        new InvalidArgumentError(
          `${name.toUpperCase()} cannot run on the shared multiplexed connection: it would change the state of a connection every caller shares; use withConnection(), multi() or subscribe()`,
        ),
      );
    }
    return this._cmd(full, undefined);
  }

  /** Like `call`, with blob and simple strings decoded to Buffers. */
  callBuffer(name: string, ...args: RespArg[]): Promise<unknown> {
    return this.withOptions({ returnBuffers: true }).call(name, ...args);
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
    return this.#core.withConnection(fn, this.#policy, {
      signal: options.signal,
      timeoutMs: options.acquireTimeoutMs,
    });
  }

  /** Queue commands and send them in one write with `exec()`; results stay per slot. */
  pipeline(): Pipeline<S> {
    const core = this.#core;
    return new Pipeline<S>({
      mux: core.mux,
      returnBuffers: this.#policy.returnBuffers,
      scope: core.scope,
      timeoutMs: this.#policy.timeoutMs,
      keyPrefix: this.#prefix,
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
      keyPrefix: this.#prefix,
    });
  }

  /**
   * SUBSCRIBE: `listener(message, channel)` for each message. All subscriptions of a client share
   * one dedicated connection from the budget; it returns to the pool when the last one ends.
   * Resolves once the server confirmed. Use a `withOptions({ returnBuffers: true })` view for
   * Buffer messages.
   */
  subscribe(
    channels: string | readonly string[],
    listener: (message: S, channel: string) => void,
  ): Promise<Subscription> {
    return this.#core.subscriber.subscribe(
      'subscribe',
      channels,
      listener as MessageListener<string | Buffer>,
      this.#policy.returnBuffers,
    );
  }

  /** PSUBSCRIBE: `listener(message, channel, pattern)` for messages on matching channels. */
  psubscribe(
    patterns: string | readonly string[],
    listener: (message: S, channel: string, pattern: string) => void,
  ): Promise<Subscription> {
    return this.#core.subscriber.subscribe(
      'psubscribe',
      patterns,
      listener as MessageListener<string | Buffer>,
      this.#policy.returnBuffers,
    );
  }

  /** SSUBSCRIBE (sharded pub/sub, Redis 7): `listener(message, channel)`. */
  ssubscribe(
    channels: string | readonly string[],
    listener: (message: S, channel: string) => void,
  ): Promise<Subscription> {
    return this.#core.subscriber.subscribe(
      'ssubscribe',
      channels,
      listener as MessageListener<string | Buffer>,
      this.#policy.returnBuffers,
    );
  }

  /**
   * Client events: `connect`, `ready`, `close`, `reconnecting`, `error`. `error` fires only for
   * what needs action (authentication refused, maxclients, a protocol violation); routine
   * closes and reconnects never reach it.
   */
  on<K extends keyof ClientEvents>(event: K, listener: (...args: ClientEvents[K]) => void): this {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<K extends keyof ClientEvents>(event: K, listener: (...args: ClientEvents[K]) => void): this {
    this.#emitter.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof ClientEvents>(event: K, listener: (...args: ClientEvents[K]) => void): this {
    this.#emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** The core's emitter, untyped: the public methods above carry the event types. */
  get #emitter(): EventEmitter {
    return this.#core.events as EventEmitter;
  }

  /** Listen for lease leak warnings (a lease held longer than leakWarningMs). */
  onLeak(listener: (info: { heldMs: number; stack: string }) => void): () => void {
    this.#core.pool.on('leak', listener);
    return () => this.#core.pool.off('leak', listener);
  }

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

  /** Close on `await using` (explicit resource management). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
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
  const policy: CommandPolicy = Object.freeze({
    returnBuffers: resolved.returnBuffers,
    timeoutMs: resolved.commandTimeoutMs,
    idempotent: false,
    signal: undefined,
    keyPrefix: resolved.keyPrefix,
  });
  return new RespoolClient(new ClientCore(resolved, factory), policy);
}
