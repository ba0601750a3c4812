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
import { inspect } from 'node:util';
import { blockingTimeoutMs, isBlocking, requiresExclusive } from '../commands/classify.js';
import { InvalidArgumentError } from '../errors.js';
import type { RespArg } from '../protocol/resp-types.js';
import { Multi, Pipeline } from './batch.js';
import { ClientCore } from './client-core.js';
import { CommandApi, type Out } from './command-api.js';
import type { LeasedConnection } from './leased-connection.js';
import type { ConnectionFactory } from './multiplexer.js';
import { type ClientOptions, resolveClientOptions } from './options.js';
import { PromiseCommand } from './promise-command.js';
import type { Transform } from './reply-transforms.js';
import type { ClientStats } from './stats.js';
import type { MessageListener, Subscription } from './subscriber.js';

/** Per-view options for `withOptions()`. */
export interface CallOptions<B extends boolean = boolean> {
  /** Decode blob and simple strings to Buffers. */
  readonly returnBuffers?: B;
}

/** Options of one `withConnection` call. */
export interface LeaseOptions {
  /** Give up waiting for a connection when this signal aborts (ERR_ABORTED). */
  readonly signal?: AbortSignal;
  /** Overrides the client's acquireTimeoutMs for this lease; 0 = wait as long as it takes. */
  readonly acquireTimeoutMs?: number;
}

export class RespoolClient<S extends string | Buffer = string> extends CommandApi<'async', S> {
  readonly #core: ClientCore;
  readonly #returnBuffers: boolean;

  /** @internal Use `createClient()`. */
  constructor(core: ClientCore, returnBuffers: boolean) {
    super();
    this.#core = core;
    this.#returnBuffers = returnBuffers;
  }

  protected override _cmd(args: RespArg[], transform: Transform | undefined): Promise<unknown> {
    const mux = this.#core.mux;
    const cmd = new PromiseCommand(args, this.#returnBuffers, transform, mux.counters);
    const promise = cmd.promise();
    try {
      mux.send(cmd);
    } catch (error) {
      // Only argument validation throws here, before anything was queued.
      cmd.reject(error as Error);
    }
    return promise;
  }

  protected override _block(
    args: RespArg[],
    transform: Transform | undefined,
    serverTimeoutMs: number | undefined,
  ): Promise<unknown> {
    return this.#core.runBlocking(args, this.#returnBuffers, transform, serverTimeoutMs);
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
    const returnBuffers = options.returnBuffers ?? this.#returnBuffers;
    if (typeof returnBuffers !== 'boolean') {
      throw new InvalidArgumentError(
        `Invalid option "returnBuffers": expected true or false, got ${typeof returnBuffers}`,
      );
    }
    return new RespoolClient(this.#core, returnBuffers);
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
    return this.#core.withConnection(fn, this.#returnBuffers, {
      signal: options.signal,
      timeoutMs: options.acquireTimeoutMs,
    });
  }

  /** Queue commands and send them in one write with `exec()`; results stay per slot. */
  pipeline(): Pipeline<S> {
    return new Pipeline<S>({ mux: this.#core.mux, returnBuffers: this.#returnBuffers });
  }

  /** MULTI…EXEC in one write on the multiplexed connection: atomic, no lease needed. */
  multi(): Multi<S> {
    return new Multi<S>({ mux: this.#core.mux, returnBuffers: this.#returnBuffers });
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
      this.#returnBuffers,
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
      this.#returnBuffers,
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
      this.#returnBuffers,
    );
  }

  /** SPUBLISH to a shard channel. */
  spublish(channel: RespArg, message: RespArg): Promise<number> {
    return this._cmd(['SPUBLISH', channel, message], undefined) as Promise<number>;
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
  return new RespoolClient(new ClientCore(resolved, factory), resolved.returnBuffers);
}
