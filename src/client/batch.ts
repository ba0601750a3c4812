/**
 * `pipeline()` and `multi()`: builders that queue typed commands and send them together on
 * `exec()`. Both go out in one write on the multiplexed connection (they are issued in the same
 * turn), so neither needs a lease.
 *
 * - Pipeline: independent commands; each slot of the result holds the reply or its ReplyError.
 * - Multi: MULTI, the commands, EXEC. Atomic on the server. The EXEC reply fills the slots;
 *   a command the server rejected while queueing aborts the whole transaction (EXECABORT) and
 *   exec() rejects with TransactionAbortedError carrying each queue-time reply.
 *
 * A transport failure rejects `exec()` as a whole with that error (`written` tells whether any
 * of it may have run).
 */

import { blockingTimeoutMs } from '../commands/classify.js';
import { prefixKeys } from '../commands/key-prefix.js';
import {
  BasicCommand,
  type BasicCommandInit,
  type PendingCommand,
} from '../connection/pending-command.js';
import { InvalidArgumentError, ReplyError, TransactionAbortedError } from '../errors.js';
import { commandTraced } from '../metrics/channels.js';
import type { ClientScope } from '../metrics/client-scope.js';
import { traceBatch } from '../metrics/command-tracing.js';
import { validateArgs } from '../protocol/encoder.js';
import type { RespArg, RespValue } from '../protocol/resp-types.js';
import { coarseNow } from '../util/coarse-clock.js';
import { CommandApi } from './command-api.js';
import { isFunctionNotFound, isNoScript, keysAndArgs } from './command-base.js';
import { checkSharedBatchCall, leaseRefusal } from './connection-state-guard.js';
import type { GroupedCommand } from './replay-policy.js';
import type { Transform } from './reply-transforms.js';
import type { FunctionLibrary, Script } from './script.js';

interface Queued {
  readonly args: RespArg[];
  readonly transform: Transform | undefined;
}

/** The slice of a client a batch needs: where to send and in which reply mode. */
export interface BatchTarget {
  /** The multiplexer, a node client or a lease: anything that sends a PendingCommand. */
  readonly mux: { send(cmd: PendingCommand): unknown };
  readonly returnBuffers: boolean;
  /** The client's diagnostics scope: when set, exec() is traced on respool:command. */
  readonly scope?: ClientScope;
  /** Deadline of each command of the batch, as commandTimeoutMs; 0 or absent = none. */
  readonly timeoutMs?: number;
  /** The keyPrefix option: applied to each command as it is queued. */
  readonly keyPrefix?: string | undefined;
  /**
   * Where the batch runs: `shared` (the default: the multiplexed connection every caller shares: `call()`
   * refuses state-changing commands, and a pipeline blocking ones, as the client's `call()`
   * does) or `lease` (the caller's own connection: only subscriber mode is refused).
   */
  readonly connection?: 'shared' | 'lease';
  /** How the caller gets a lease, for the refusal's message (the cluster's takes a key). */
  readonly leaseHint?: string;
}

/** Deadline fields for a batch's commands: one clock read per batch. */
function deadlineOf(target: BatchTarget): { deadline: number; timeoutMs: number } {
  const timeoutMs = target.timeoutMs ?? 0;
  return { deadline: timeoutMs > 0 ? coarseNow() + timeoutMs : 0, timeoutMs };
}

abstract class BatchBuilder<S extends string | Buffer> extends CommandApi<'chain', S> {
  protected readonly queued: Queued[] = [];
  /**
   * SCRIPT LOAD / FUNCTION LOAD REPLACE commands sent ahead of the batch, one per distinct script
   * or library: inside MULTI a NOSCRIPT fails only its own command while the rest of the
   * transaction runs, so the script must be there before the batch starts (script.ts).
   */
  protected readonly preloads = new Map<string, RespArg[]>();
  /** The first preload the server refused (a Lua syntax error): shown in the slots it broke. */
  protected preloadError: Error | undefined;
  /** Where exec() sends (a cluster multi() gives a sink it routes once it knows the slot). */
  protected readonly target: BatchTarget;
  #used = false;

  constructor(target: BatchTarget) {
    super();
    this.target = target;
  }

  /** Any command, by name, refused when it would change the state of a shared connection. */
  override call(name: string, ...args: RespArg[]): this {
    const full: RespArg[] = [name, ...args];
    const target = this.target;
    if (target.connection === 'lease') {
      const refusal = leaseRefusal(full);
      if (refusal !== undefined) throw refusal;
    } else if (checkSharedBatchCall(full, target.leaseHint) === 'blocking') {
      return this._block(full, undefined, blockingTimeoutMs(full)) as this;
    }
    return this._cmd(full, undefined);
  }

  /** Commands queued so far. */
  get length(): number {
    return this.queued.length;
  }

  protected override _cmd(args: RespArg[], transform: Transform | undefined): this {
    if (this.#used) {
      throw new InvalidArgumentError('This batch was already executed; create a new one');
    }
    const prefix = this.target.keyPrefix;
    this.queued.push({ args: prefix === undefined ? args : prefixKeys(args, prefix), transform });
    return this;
  }

  protected override _script(
    script: Script,
    keys: readonly RespArg[],
    args: readonly RespArg[],
    transform: Transform | undefined,
  ): this {
    this.preloads.set(`script:${script.sha1}`, ['SCRIPT', 'LOAD', script.source]);
    const name = script.readOnly ? 'EVALSHA_RO' : 'EVALSHA';
    return this._cmd(keysAndArgs([name, script.sha1], keys, args), transform);
  }

  protected override _function(
    library: FunctionLibrary,
    name: string,
    keys: readonly RespArg[],
    args: readonly RespArg[],
    readOnly: boolean,
    transform: Transform | undefined,
  ): this {
    this.preloads.set(`library:${library.name}`, ['FUNCTION', 'LOAD', 'REPLACE', library.code]);
    return this._cmd(keysAndArgs([readOnly ? 'FCALL_RO' : 'FCALL', name], keys, args), transform);
  }

  /** Send the preloads (their replies are not results) ahead of everything else. */
  protected sendPreloads(mux: BatchTarget['mux'], deadline: number, timeoutMs: number): void {
    for (const args of this.preloads.values()) {
      mux.send(
        new BasicCommand({
          args,
          deadline,
          timeoutMs,
          reply: (value) => {
            if (value instanceof ReplyError) this.preloadError ??= value;
          },
          // A transport failure fails the batch's own commands too; nothing to add here.
          fail: () => undefined,
        }),
      );
    }
  }

  /** A slot's final value: transformed, or the preload's error where the script was missing. */
  protected slotValue(value: RespValue, transform: Transform | undefined): unknown {
    if (
      value instanceof ReplyError &&
      this.preloadError !== undefined &&
      (isNoScript(value) || isFunctionNotFound(value))
    ) {
      return this.preloadError;
    }
    return applyTransform(value, transform);
  }

  /**
   * Mark the batch sent; returns why it cannot be (exec() rejects with it): already sent, or an
   * argument that cannot be encoded. Every command is checked before any is sent: a MULTI sent
   * ahead of a bad command would leave the shared connection inside a transaction.
   */
  protected markUsed(): Error | undefined {
    if (this.#used) return new InvalidArgumentError('exec() was already called on this batch');
    this.#used = true;
    try {
      for (const q of this.queued) validateArgs(q.args);
    } catch (error) {
      return error as Error;
    }
    return undefined;
  }
}

export class Pipeline<S extends string | Buffer = string> extends BatchBuilder<S> {
  /** A blocking command in a pipeline would stall the shared connection for every caller. */
  protected override _block(args: RespArg[]): this {
    throw new InvalidArgumentError(
      `${String(args[0])} blocks; it cannot be pipelined on the shared connection (call it on the client, which leases a connection for it)`,
    );
  }

  /** Send every queued command in one write; resolves with one slot per command. */
  exec(): Promise<(unknown | ReplyError)[]> {
    // Diagnostics: the batch is one traced operation, only while someone listens.
    const scope = this.target.scope;
    if (commandTraced() && scope !== undefined) {
      return traceBatch(scope, 'PIPELINE', this.queued.length, () => this.#send());
    }
    return this.#send();
  }

  #send(): Promise<(unknown | ReplyError)[]> {
    const used = this.markUsed();
    if (used !== undefined) return Promise.reject(used);
    const n = this.queued.length;
    if (n === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const results = new Array<unknown>(n);
      let remaining = n;
      let failure: Error | undefined;
      const settle = (): void => {
        if (--remaining > 0) return;
        if (failure !== undefined) reject(failure);
        else resolve(results);
      };
      const { mux, returnBuffers } = this.target;
      const { deadline, timeoutMs } = deadlineOf(this.target);
      if (this.preloads.size > 0) this.sendPreloads(mux, deadline, timeoutMs);
      for (let i = 0; i < n; i++) {
        const { args, transform } = this.queued[i]!;
        mux.send(
          new BasicCommand({
            args,
            returnBuffers,
            deadline,
            timeoutMs,
            reply: (value) => {
              results[i] = this.slotValue(value, transform);
              settle();
            },
            fail(error) {
              failure ??= error;
              settle();
            },
          }),
        );
      }
    });
  }
}

/**
 * `N` is `null` for a lease's multi(), where a WATCHed key that changed makes EXEC answer null;
 * on the shared connection no WATCH is possible, so the client's multi() never resolves null.
 */
export class Multi<
  S extends string | Buffer = string,
  N extends null = never,
> extends BatchBuilder<S> {
  /** Inside MULTI the server runs blocking commands without blocking, so they queue as usual. */
  protected override _block(args: RespArg[], transform: Transform | undefined): this {
    return this._cmd(args, transform);
  }

  /**
   * Run the transaction. Resolves with one slot per command (a command that failed at run time
   * keeps its ReplyError in its slot), or null when a WATCHed key changed (on a lease). Rejects
   * with TransactionAbortedError when the server refused a command while queueing, or with the
   * transport error.
   */
  exec(): Promise<(unknown | ReplyError)[] | N> {
    // Diagnostics: the transaction is one traced operation, only while someone listens.
    const scope = this.target.scope;
    if (commandTraced() && scope !== undefined) {
      return traceBatch(scope, 'MULTI', this.queued.length, () => this.#send());
    }
    return this.#send();
  }

  #send(): Promise<(unknown | ReplyError)[] | N> {
    const used = this.markUsed();
    if (used !== undefined) return Promise.reject(used);
    const queued = this.queued;
    const n = queued.length;
    if (n === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const queueReplies = new Array<RespValue>(n);
      let failure: Error | undefined;
      let multiReply: RespValue = null;
      const { mux, returnBuffers } = this.target;
      if (this.preloads.size > 0) {
        const { deadline, timeoutMs } = deadlineOf(this.target);
        this.sendPreloads(mux, deadline, timeoutMs);
      }
      // The group names its head (MULTI) once the head exists: a lost connection replays the
      // members only if their MULTI is replayed too.
      const group: { head: PendingCommand } = { head: undefined as unknown as PendingCommand };
      const head = new GroupMember(group, {
        args: ['MULTI'],
        reply(value) {
          multiReply = value;
        },
        fail(error) {
          failure ??= error;
        },
      });
      group.head = head;
      mux.send(head);
      for (let i = 0; i < n; i++) {
        const cmd = new GroupMember(group, {
          args: queued[i]!.args,
          reply(value) {
            queueReplies[i] = value;
          },
          fail(error) {
            failure ??= error;
          },
        });
        mux.send(cmd);
      }
      // The transaction's result arrives with EXEC, so EXEC carries the deadline.
      const { deadline, timeoutMs } = deadlineOf(this.target);
      const exec = new GroupMember(group, {
        args: ['EXEC'],
        returnBuffers,
        deadline,
        timeoutMs,
        reply: (value) => {
          if (failure !== undefined) return reject(failure);
          if (multiReply instanceof ReplyError) return reject(multiReply);
          if (value instanceof ReplyError) {
            const replies = queueReplies.map((r) => r);
            return reject(new TransactionAbortedError(value.message, replies));
          }
          if (value === null) return resolve(null as N);
          if (!Array.isArray(value)) {
            return reject(new ReplyError(`ERR unexpected EXEC reply of type ${typeof value}`));
          }
          resolve(value.map((v, i) => this.slotValue(v, queued[i]?.transform)));
        },
        fail(error) {
          reject(failure ?? error);
        },
      });
      mux.send(exec);
    });
  }
}

/** A command of a MULTI…EXEC group (see GroupedCommand). */
class GroupMember extends BasicCommand implements GroupedCommand {
  readonly group: { readonly head: PendingCommand };
  constructor(group: { readonly head: PendingCommand }, init: BasicCommandInit) {
    super(init);
    this.group = group;
  }
}

function applyTransform(value: RespValue, transform: Transform | undefined): unknown {
  if (transform === undefined || value instanceof ReplyError) return value;
  try {
    return transform(value);
  } catch (error) {
    return error;
  }
}
