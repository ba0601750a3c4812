/**
 * The handle `withConnection(fn)` gives `fn`: the full command API on one exclusive connection.
 * Everything runs on that connection in order, so connection state is the caller's to use:
 * WATCH…MULTI…EXEC, SELECT, blocking commands. What the lease changes is tracked (LeaseState)
 * and undone on release. After release the handle refuses further commands.
 */

import { prefixKeys } from '../commands/key-prefix.js';
import type { Connection } from '../connection/connection.js';
import type { PendingCommand } from '../connection/pending-command.js';
import { ClientClosedError } from '../errors.js';
import { commandTraced } from '../metrics/channels.js';
import type { ClientScope } from '../metrics/client-scope.js';
import { traceCommand } from '../metrics/command-tracing.js';
import type { RespArg } from '../protocol/resp-types.js';
import type { Deadlines } from '../util/deadlines.js';
import { Multi, Pipeline } from './batch.js';
import { BlockingDeadline } from './blocking-deadline.js';
import { CommandApi, type Out } from './command-api.js';
import { leaseRefusal } from './connection-state-guard.js';
import type { Expiring } from './lease-limit.js';
import type { LeaseState } from './lease-state.js';
import { type CommandPolicy, PromiseCommand } from './promise-command.js';
import type { Transform } from './reply-transforms.js';
import type { ClientCounters } from './stats.js';

export interface LeaseContext {
  readonly counters: ClientCounters;
  readonly blockingGraceMs: number;
  /** The client's diagnostics scope: commands on the lease are traced like any other. */
  readonly scope: ClientScope;
  /** The client's deadlines, where a blocking command's deadline is kept. */
  readonly deadlines: Deadlines<Expiring>;
}

export class LeasedConnection<S extends string | Buffer = string> extends CommandApi<'async', S> {
  #conn: Connection | null;
  readonly #state: LeaseState;
  readonly #returnBuffers: boolean;
  readonly #policy: CommandPolicy;
  readonly #context: LeaseContext;
  /** Transient replies (LOADING, …) are retried on the same connection while the lease lasts. */
  readonly #resend = (cmd: PromiseCommand): void => this.#send(cmd);
  /** The lease as a command sink (PromiseCommand.start). */
  readonly #sink = { send: this.#resend };

  /** @internal Created by the client for the duration of `withConnection`. */
  constructor(conn: Connection, state: LeaseState, policy: CommandPolicy, context: LeaseContext) {
    super();
    this.#conn = conn;
    this.#state = state;
    this.#policy = policy;
    this.#returnBuffers = policy.returnBuffers;
    this.#context = context;
  }

  /** @internal Called on release: the handle is dead from now on. */
  end(): void {
    this.#conn = null;
  }

  /** Send on the leased connection, recording what it does to the connection's state. */
  #send(cmd: PendingCommand): void {
    const conn = this.#conn;
    if (conn === null) {
      cmd.fail(
        new ClientClosedError(
          'This lease was released; use the connection only inside withConnection',
        ),
      );
      return;
    }
    this.#state.observe(cmd.args);
    this.#context.counters.commandsSent++;
    conn.send(cmd);
  }

  protected override _cmd(args: RespArg[], transform: Transform | undefined): Promise<unknown> {
    return this.#run(args, transform, this.#policy);
  }

  #run(args: RespArg[], transform: Transform | undefined, policy: CommandPolicy): Promise<unknown> {
    if (policy.keyPrefix !== undefined) args = prefixKeys(args, policy.keyPrefix);
    // Diagnostics: one inlined check per command when nobody listens.
    if (commandTraced()) {
      return traceCommand(this.#context.scope, args, () => this.#issue(args, transform, policy));
    }
    return this.#issue(args, transform, policy);
  }

  #issue(
    args: RespArg[],
    transform: Transform | undefined,
    policy: CommandPolicy,
  ): Promise<unknown> {
    return new PromiseCommand(args, policy, transform, this.#context.counters, this.#resend).start(
      this.#sink,
    );
  }

  /**
   * A blocking command runs in place, with a client-side deadline of its own timeout plus the
   * grace period. At the deadline the connection is destroyed: left alive, it could still pop
   * an element that nobody would receive (GLIDE #6794).
   */
  protected override _block(
    args: RespArg[],
    transform: Transform | undefined,
    serverTimeoutMs: number | undefined,
  ): Promise<unknown> {
    const conn = this.#conn;
    // Its own timeout (plus grace) is a blocking command's deadline, not commandTimeoutMs.
    const promise = this.#run(args, transform, { ...this.#policy, timeoutMs: 0 });
    if (conn === null || serverTimeoutMs === undefined || serverTimeoutMs === 0) return promise;
    const deadline = new BlockingDeadline(
      this.#context.deadlines,
      args,
      serverTimeoutMs,
      this.#context.blockingGraceMs,
      (error) => conn.destroy(error),
    );
    return promise.finally(() => deadline.disarm());
  }

  override call(name: string, ...args: RespArg[]): Out<'async', unknown, this> {
    const full: RespArg[] = [name, ...args];
    const refusal = leaseRefusal(full);
    if (refusal !== undefined) return Promise.reject(refusal);
    return this._cmd(full, undefined);
  }

  /** WATCH keys for an optimistic transaction; a later EXEC resolves null if any changed. */
  watch(...keys: RespArg[]): Promise<string> {
    return this._cmd(['WATCH', ...keys], undefined) as Promise<string>;
  }

  unwatch(): Promise<string> {
    return this._cmd(['UNWATCH'], undefined) as Promise<string>;
  }

  /** DISCARD a MULTI opened with `call('MULTI')` (a `multi()` builder never leaves one open). */
  discard(): Promise<string> {
    return this._cmd(['DISCARD'], undefined) as Promise<string>;
  }

  // Connection state: typed here only, because on the shared connection these would change it
  // for every caller. The release undoes SELECT; NO-EVICT and NO-TOUCH cannot be undone, so a
  // connection that used them is closed on release instead of going back to the pool.
  /** SELECT another database for the rest of this lease. */
  select(db: number): Promise<string> {
    return this._cmd(['SELECT', db], undefined) as Promise<string>;
  }
  /** CLIENT SETNAME for the rest of this lease (the client's own name comes back on release). */
  clientSetname(name: string): Promise<string> {
    return this._cmd(['CLIENT', 'SETNAME', name], undefined) as Promise<string>;
  }
  clientNoEvict(on: boolean): Promise<string> {
    return this._cmd(['CLIENT', 'NO-EVICT', on ? 'ON' : 'OFF'], undefined) as Promise<string>;
  }
  /** CLIENT NO-TOUCH (Redis 7.2): this connection's reads leave keys' LRU/LFU alone. */
  clientNoTouch(on: boolean): Promise<string> {
    return this._cmd(['CLIENT', 'NO-TOUCH', on ? 'ON' : 'OFF'], undefined) as Promise<string>;
  }

  /** MULTI…EXEC on this connection. After WATCH, `exec()` resolves null when a watched key changed. */
  multi(): Multi<S, null> {
    return new Multi<S, null>({
      mux: { send: (cmd) => this.#send(cmd) },
      returnBuffers: this.#returnBuffers,
      scope: this.#context.scope,
      timeoutMs: this.#policy.timeoutMs,
      keyPrefix: this.#policy.keyPrefix,
      connection: 'lease',
    });
  }

  pipeline(): Pipeline<S> {
    return new Pipeline<S>({
      mux: { send: (cmd) => this.#send(cmd) },
      returnBuffers: this.#returnBuffers,
      scope: this.#context.scope,
      timeoutMs: this.#policy.timeoutMs,
      keyPrefix: this.#policy.keyPrefix,
      connection: 'lease',
    });
  }
}
