/**
 * The front door shared by `RespoolClient`, `RespoolCluster` and a cluster's node clients: the
 * typed command chain (CommandApi) with keyPrefix and diagnostics applied in one place, `call`
 * with its blocking and connection-state checks, the pub/sub methods, typed events
 * (`on`/`once`/`off`), `onLeak` and `await using`. Each subclass says only where a command goes.
 */
import type { EventEmitter } from 'node:events';
import { blockingTimeoutMs, isBlocking } from '../commands/classify.js';
import { prefixKeys } from '../commands/key-prefix.js';
import { commandTraced } from '../metrics/channels.js';
import type { ClientScope } from '../metrics/client-scope.js';
import { traceCommand } from '../metrics/command-tracing.js';
import type { RespArg } from '../protocol/resp-types.js';
import type { CallOptions } from './call-options.js';
import { CommandApi, type Out } from './command-api.js';
import { sharedConnectionRefusal } from './connection-state-guard.js';
import type { CommandPolicy } from './promise-command.js';
import type { Transform } from './reply-transforms.js';
import type { MessageListener, SubscribeKind, Subscription } from './subscriber.js';

/** A map of event names to their argument lists. */
export type EventMap<E> = { [K in keyof E]: unknown[] };

export abstract class ClientFacade<
  S extends string | Buffer,
  E extends EventMap<E>,
> extends CommandApi<'async', S> {
  /** The per-call options of this view (one frozen object, shared by its commands). */
  protected readonly policy: CommandPolicy;
  /** The keyPrefix option, read once: one field check per command when there is none. */
  readonly #prefix: string | undefined;
  readonly #scope: ClientScope;

  protected constructor(policy: CommandPolicy, scope: ClientScope) {
    super();
    this.policy = policy;
    this.#prefix = policy.keyPrefix;
    this.#scope = scope;
  }

  /** Send one (prefixed) command where this front door sends commands. */
  protected abstract _send(args: RespArg[], transform: Transform | undefined): Promise<unknown>;
  /** Run one (prefixed) blocking command on an exclusive connection. */
  protected abstract _runBlocking(
    args: RespArg[],
    transform: Transform | undefined,
    serverTimeoutMs: number | undefined,
  ): Promise<unknown>;
  protected abstract _subscribe(
    kind: SubscribeKind,
    names: string | readonly string[],
    listener: MessageListener<string | Buffer>,
  ): Promise<Subscription>;
  /** The emitter of this front door's events, untyped: the methods below carry the types. */
  protected abstract get _emitter(): EventEmitter;
  /** Where `leak` warnings are emitted. */
  protected abstract get _leaks(): EventEmitter;
  /** What to use instead of a command that would change a shared connection's state. */
  protected abstract get _exclusiveHint(): string;

  abstract withOptions(options: CallOptions): ClientFacade<string | Buffer, E>;
  abstract close(): Promise<void>;
  abstract destroy(): void;

  protected override _cmd(args: RespArg[], transform: Transform | undefined): Promise<unknown> {
    if (this.#prefix !== undefined) args = prefixKeys(args, this.#prefix);
    // Diagnostics: one inlined check per command when nobody listens (channels.bench.ts).
    if (commandTraced()) return traceCommand(this.#scope, args, () => this._send(args, transform));
    return this._send(args, transform);
  }

  protected override _block(
    args: RespArg[],
    transform: Transform | undefined,
    serverTimeoutMs: number | undefined,
  ): Promise<unknown> {
    if (this.#prefix !== undefined) args = prefixKeys(args, this.#prefix);
    if (commandTraced()) {
      return traceCommand(this.#scope, args, () =>
        this._runBlocking(args, transform, serverTimeoutMs),
      );
    }
    return this._runBlocking(args, transform, serverTimeoutMs);
  }

  /**
   * Any command, by name. Blocking commands run on a leased connection. Commands that would
   * change the shared connection's state (WATCH, MULTI, SELECT, SUBSCRIBE, MONITOR, …) are
   * refused here: use `withConnection`, `multi()` or `subscribe()`.
   */
  override call(name: string, ...args: RespArg[]): Out<'async', unknown, this> {
    const full: RespArg[] = [name, ...args];
    if (isBlocking(full)) return this._block(full, undefined, blockingTimeoutMs(full));
    const refusal = sharedConnectionRefusal(full, this._exclusiveHint);
    if (refusal !== undefined) return Promise.reject(refusal);
    return this._cmd(full, undefined);
  }

  /** Like `call`, with blob and simple strings decoded to Buffers. */
  callBuffer(name: string, ...args: RespArg[]): Promise<unknown> {
    return this.withOptions({ returnBuffers: true }).call(name, ...args);
  }

  /**
   * SUBSCRIBE: `listener(message, channel)` for each message. Resolves once the server
   * confirmed. Use a `withOptions({ returnBuffers: true })` view for Buffer messages.
   */
  subscribe(
    channels: string | readonly string[],
    listener: (message: S, channel: string) => void,
  ): Promise<Subscription> {
    return this._subscribe('subscribe', channels, listener as MessageListener<string | Buffer>);
  }

  /** PSUBSCRIBE: `listener(message, channel, pattern)` for messages on matching channels. */
  psubscribe(
    patterns: string | readonly string[],
    listener: (message: S, channel: string, pattern: string) => void,
  ): Promise<Subscription> {
    return this._subscribe('psubscribe', patterns, listener as MessageListener<string | Buffer>);
  }

  /** SSUBSCRIBE (sharded pub/sub, Redis 7): `listener(message, channel)`. */
  ssubscribe(
    channels: string | readonly string[],
    listener: (message: S, channel: string) => void,
  ): Promise<Subscription> {
    return this._subscribe('ssubscribe', channels, listener as MessageListener<string | Buffer>);
  }

  on<K extends keyof E>(event: K, listener: (...args: E[K]) => void): this {
    this._emitter.on(event as string, listener as (...args: unknown[]) => void);
    return this;
  }

  once<K extends keyof E>(event: K, listener: (...args: E[K]) => void): this {
    this._emitter.once(event as string, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof E>(event: K, listener: (...args: E[K]) => void): this {
    this._emitter.off(event as string, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Listen for lease leak warnings (a lease held longer than leakWarningMs). */
  onLeak(listener: (info: { heldMs: number; stack: string }) => void): () => void {
    const leaks = this._leaks;
    leaks.on('leak', listener);
    return () => leaks.off('leak', listener);
  }

  /** Close on `await using` (explicit resource management). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
