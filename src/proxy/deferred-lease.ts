/**
 * What a lease on a keyed upstream (cluster slots, shards) does before and while it has its
 * connection: the one place for the transaction bookkeeping both shapes share.
 *
 * A transaction begun with MULTI alone does not know its server yet: MULTI is answered +OK at
 * once and the connection is borrowed when the first keyed command (or EXEC) comes; MULTI is
 * sent there first, then what was observed and queued since, in order. A transaction that never
 * met a server ends here as the server would end it (EXEC: an empty array, DISCARD: +OK). A
 * command the subclass refuses inside MULTI spoils it: EXEC discards upstream and answers
 * EXECABORT, as a server does after a queueing error.
 *
 * Subclasses say which keys are allowed (`admit`), where to connect (`connect`), and may wrap
 * what they forward (`wrap`) or track what they send (`sendOn`). The state is `protected`, not
 * `#private`, because the cluster's lease moves between nodes and rebuilds it (cluster-lease.ts).
 */
import { BasicCommand, type PendingCommand } from '../connection/pending-command.js';
import { commandName } from './fanout/index.js';
import { errorFrame, OK_FRAME } from './fanout/reply-frames.js';
import type { Lease } from './upstream.js';

const EMPTY_ARRAY = Buffer.from('*0\r\n');
const EXECABORT = errorFrame('EXECABORT Transaction discarded because of previous errors.');

export type ObservedArgs = readonly (string | Buffer)[];

/**
 * Answer a command without a server, after the caller's `send` has returned: a session that
 * sends on a lease is not ready for its reply inside that call (it would dispatch again).
 */
export function answerLater(cmd: PendingCommand, frame: Buffer): void {
  queueMicrotask(() => cmd.reply(frame));
}

export abstract class DeferredLease implements Lease {
  protected inner: Lease | undefined;
  protected binding = false;
  protected failure: Error | undefined;
  /** Commands waiting for the connection. */
  protected pending: PendingCommand[] = [];
  /** Argument lists observed while there was no connection (state to undo on release). */
  protected observed: ObservedArgs[] = [];
  /** MULTI was answered here and is still to be sent on the connection. */
  protected multiOwed = false;
  protected inMulti = false;
  /** A command of this transaction was refused here: EXEC discards it. */
  protected dirty = false;
  #done: 'release' | 'destroy' | undefined;

  constructor(inner: Lease | undefined) {
    this.inner = inner;
  }

  /** A key has picked the server (EXEC and DISCARD bind without one). */
  protected abstract get placed(): boolean;
  /** Borrow the connection for the server picked so far. */
  protected abstract connect(): Promise<Lease>;
  /**
   * A command other than MULTI/EXEC/DISCARD: whether it has keys, or null when it was refused
   * here (answered with `refuse`).
   */
  protected abstract admit(
    cmd: PendingCommand,
    args: readonly Buffer[],
    name: string,
  ): boolean | null;

  /** What is forwarded for `cmd` (the cluster watches replies for redirects). */
  protected wrap(cmd: PendingCommand, _keyed: boolean): PendingCommand {
    return cmd;
  }

  /** Send on the connection (the cluster tracks what is out on it). */
  protected sendOn(inner: Lease, cmd: PendingCommand): void {
    inner.send(cmd);
  }

  /** The connection came: MULTI (if owed) and the observed lists are on it; pending follows. */
  protected bound(_inner: Lease, _observed: ObservedArgs[], _sentMulti: boolean): void {}

  get ready(): boolean {
    return this.inner?.ready ?? this.failure === undefined;
  }

  get clean(): boolean {
    return this.inner?.clean ?? this.pending.length === 0;
  }

  observe(args: ObservedArgs): void {
    if (this.inner !== undefined) this.inner.observe(args);
    else this.observed.push(args);
  }

  /** Blocked on the server it is bound to; not bound yet: nothing blocks. */
  unblock(error: boolean): Promise<number> {
    return this.inner?.unblock(error) ?? Promise.resolve(0);
  }

  /** Answer `cmd` with `frame` here, spoiling an open transaction. */
  protected refuse(cmd: PendingCommand, frame: Buffer): null {
    if (this.inMulti) this.dirty = true;
    answerLater(cmd, frame);
    return null;
  }

  send(cmd: PendingCommand): void {
    const args = cmd.args as readonly Buffer[];
    const name = commandName(args);
    let keyed = false;
    if (name === 'MULTI') {
      this.inMulti = true;
      this.dirty = false;
      if (this.inner === undefined && !this.placed && !this.binding) {
        this.multiOwed = true;
        answerLater(cmd, OK_FRAME);
        return;
      }
    } else if (name === 'EXEC' || name === 'DISCARD') {
      const dirty = this.dirty && name === 'EXEC';
      this.inMulti = false;
      this.dirty = false;
      if (
        this.multiOwed &&
        this.inner === undefined &&
        !this.binding &&
        this.pending.length === 0
      ) {
        // Nothing of the transaction reached a server: it ends here, as the server would end it.
        this.multiOwed = false;
        this.observed = [];
        answerLater(cmd, dirty ? EXECABORT : name === 'EXEC' ? EMPTY_ARRAY : OK_FRAME);
        return;
      }
      if (dirty) {
        this.#forward(new BasicCommand({ args: ['DISCARD'], reply() {}, fail() {} }), 'DISCARD');
        answerLater(cmd, EXECABORT);
        return;
      }
    } else {
      const admitted = this.admit(cmd, args, name);
      if (admitted === null) return;
      keyed = admitted;
    }
    this.#forward(this.wrap(cmd, keyed), name);
  }

  #forward(cmd: PendingCommand, name: string): void {
    if (this.inner !== undefined) {
      this.sendOn(this.inner, cmd);
      return;
    }
    if (this.failure !== undefined) {
      cmd.fail(this.failure);
      return;
    }
    this.pending.push(cmd);
    // Keyless commands queued inside a MULTI wait for a key; EXEC/DISCARD bind without one.
    if (!this.placed && name !== 'EXEC' && name !== 'DISCARD') return;
    if (!this.binding) this.startBinding();
  }

  protected startBinding(): void {
    this.binding = true;
    this.connect().then(
      (inner) => {
        this.binding = false;
        if (this.#done !== undefined) {
          if (this.#done === 'release') inner.release();
          else inner.destroy();
          return;
        }
        this.inner = inner;
        const sentMulti = this.multiOwed;
        if (sentMulti) {
          this.multiOwed = false;
          inner.observe(['MULTI']);
          inner.send(new BasicCommand({ args: ['MULTI'], reply() {}, fail() {} }));
        }
        const observed = this.observed;
        this.observed = [];
        for (const args of observed) inner.observe(args);
        this.bound(inner, observed, sentMulti);
        const pending = this.pending;
        this.pending = [];
        for (const cmd of pending) this.sendOn(inner, cmd);
      },
      (error: Error) => {
        this.binding = false;
        this.failure = error;
        const pending = this.pending;
        this.pending = [];
        for (const cmd of pending) cmd.fail(error);
      },
    );
  }

  release(): void {
    if (this.inner !== undefined) this.inner.release();
    else this.#done ??= 'release';
  }

  destroy(): void {
    if (this.inner !== undefined) this.inner.destroy();
    else this.#done ??= 'destroy';
  }
}
