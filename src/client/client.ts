/**
 * The public client. A thin façade: typed methods (CommandApi) over a Multiplexer that owns the
 * connection. `withOptions()` returns a view that shares the same connection but decodes to
 * Buffers, so buffer mode is per call site, not per connection.
 */
import { inspect } from 'node:util';
import { requiresExclusive } from '../commands/classify.js';
import { InvalidArgumentError } from '../errors.js';
import type { RespArg } from '../protocol/resp-types.js';
import { Multi, Pipeline } from './batch.js';
import { CommandApi, type Out } from './command-api.js';
import { type ConnectionFactory, Multiplexer } from './multiplexer.js';
import { type ClientOptions, type ResolvedClientOptions, resolveClientOptions } from './options.js';
import { PromiseCommand } from './promise-command.js';
import type { Transform } from './reply-transforms.js';
import type { ClientStats } from './stats.js';

/** Per-view options for `withOptions()`. */
export interface CallOptions<B extends boolean = boolean> {
  /** Decode blob and simple strings to Buffers. */
  readonly returnBuffers?: B;
}

export class RespoolClient<S extends string | Buffer = string> extends CommandApi<'async', S> {
  readonly #mux: Multiplexer;
  readonly #options: ResolvedClientOptions;
  readonly #returnBuffers: boolean;

  /** @internal Use `createClient()`. */
  constructor(mux: Multiplexer, options: ResolvedClientOptions, returnBuffers: boolean) {
    super();
    this.#mux = mux;
    this.#options = options;
    this.#returnBuffers = returnBuffers;
  }

  protected override _cmd(args: RespArg[], transform: Transform | undefined): Promise<unknown> {
    const cmd = new PromiseCommand(args, this.#returnBuffers, transform, this.#mux.counters);
    const promise = cmd.promise();
    try {
      this.#mux.send(cmd);
    } catch (error) {
      // Only argument validation throws here, before anything was queued.
      cmd.reject(error as Error);
    }
    return promise;
  }

  /**
   * Any command, by name. Commands that would change the shared connection's state or block it
   * (BLPOP, SUBSCRIBE, WATCH, SELECT, …) are refused on the multiplexed connection.
   */
  override call(name: string, ...args: RespArg[]): Out<'async', unknown, this> {
    const full: RespArg[] = [name, ...args];
    const refusal = refuseExclusive(full);
    if (refusal !== undefined) return Promise.reject(refusal);
    return this._cmd(full, undefined);
  }

  /** Like `call`, with blob and simple strings decoded to Buffers. */
  callBuffer(name: string, ...args: RespArg[]): Promise<unknown> {
    return this.withOptions({ returnBuffers: true }).call(name, ...args);
  }

  /** A view of this client (same connection) with other per-call options. */
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
    return new RespoolClient(this.#mux, this.#options, returnBuffers);
  }

  /** Queue commands and send them in one write with `exec()`; results stay per slot. */
  pipeline(): Pipeline<S> {
    return new Pipeline<S>({ mux: this.#mux, returnBuffers: this.#returnBuffers });
  }

  /** MULTI…EXEC in one write on the multiplexed connection: atomic, no lease needed. */
  multi(): Multi<S> {
    return new Multi<S>({ mux: this.#mux, returnBuffers: this.#returnBuffers });
  }

  /** Connect now instead of on the first command. Rejects with the connect error. */
  async ready(): Promise<void> {
    await this.#mux.connect();
  }

  stats(): ClientStats {
    return this.#mux.stats();
  }

  /** Graceful: waits for every accepted command's reply, then closes. Idempotent. */
  close(): Promise<void> {
    return this.#mux.close();
  }

  /** Immediate: pending commands fail, sockets are destroyed. Idempotent. */
  destroy(): void {
    this.#mux.destroy();
  }

  /** Close on `await using` (explicit resource management). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  [inspect.custom](): string {
    const o = this.#options;
    const endpoint = o.path ?? `${o.host}:${o.port}`;
    const s = this.stats();
    return `RespoolClient { endpoint: '${endpoint}', db: ${o.db}, open: ${s.open}, inFlight: ${s.inFlight}, closed: ${this.#mux.closed} }`;
  }
}

function refuseExclusive(args: readonly RespArg[]): Error | undefined {
  if (!requiresExclusive(args)) return undefined;
  const name = String(args[0]).toUpperCase();
  return new InvalidArgumentError(
    `${name} cannot run on the shared multiplexed connection: it would block or change the state of a connection every caller shares`,
  );
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
  return new RespoolClient(new Multiplexer(resolved, factory), resolved, resolved.returnBuffers);
}
