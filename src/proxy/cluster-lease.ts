/**
 * A lease in a Redis Cluster: an exclusive connection on the node of one slot, for one client's
 * WATCH/MULTI…EXEC or blocking command. Every keyed command sent on it must be in that slot, as
 * Redis requires of a transaction; one that is not is answered with Redis's own CROSSSLOT error,
 * and a transaction that had one is discarded at EXEC (EXECABORT), as Redis does with a command
 * refused while queueing.
 *
 * A transaction begun with MULTI alone does not know its node yet: MULTI is answered +OK at once
 * and the connection is borrowed when the first keyed command (or EXEC) comes, on that key's
 * node; MULTI is sent there first, then everything queued since, in order.
 */
import { keySlot } from '../cluster/slot.js';
import { getKeyIndexes } from '../commands/keys.js';
import { BasicCommand, type PendingCommand } from '../connection/pending-command.js';
import { commandName, crossTargetFrame } from './fanout/index.js';
import { errorFrame, OK_FRAME } from './fanout/reply-frames.js';
import type { Lease } from './upstream.js';

const CROSSSLOT = crossTargetFrame('', 'cluster');
const EMPTY_ARRAY = Buffer.from('*0\r\n');
const EXECABORT = errorFrame('EXECABORT Transaction discarded because of previous errors.');

export class ClusterLease implements Lease {
  readonly #bind: (slot: number) => Promise<Lease>;
  #inner: Lease | undefined;
  /** The slot of every key on this lease; -1 until the first key. */
  #slot: number;
  #binding = false;
  #failure: Error | undefined;
  /** Commands (and observed argument lists) waiting for the connection. */
  #pending: PendingCommand[] = [];
  #observed: (readonly (string | Buffer)[])[] = [];
  /** MULTI was answered here and is still to be sent on the connection. */
  #multiOwed = false;
  #inMulti = false;
  /** A command of this transaction was refused: EXEC discards it. */
  #dirty = false;
  #done: 'release' | 'destroy' | undefined;

  /** `inner` when the node is known at once (a WATCHed or blocking key); else bound later. */
  constructor(bind: (slot: number) => Promise<Lease>, slot: number, inner?: Lease) {
    this.#bind = bind;
    this.#slot = slot;
    this.#inner = inner;
  }

  get ready(): boolean {
    return this.#inner?.ready ?? this.#failure === undefined;
  }

  get clean(): boolean {
    return this.#inner?.clean ?? this.#pending.length === 0;
  }

  observe(args: readonly (string | Buffer)[]): void {
    if (this.#inner !== undefined) this.#inner.observe(args);
    else this.#observed.push(args);
  }

  send(cmd: PendingCommand): void {
    const args = cmd.args as readonly Buffer[];
    const name = commandName(args);
    if (name === 'MULTI') {
      this.#inMulti = true;
      this.#dirty = false;
      if (this.#inner === undefined && this.#slot === -1 && !this.#binding) {
        this.#multiOwed = true;
        cmd.reply(OK_FRAME);
        return;
      }
    } else if (name === 'EXEC' || name === 'DISCARD') {
      const dirty = this.#dirty && name === 'EXEC';
      this.#inMulti = false;
      this.#dirty = false;
      if (
        this.#multiOwed &&
        this.#inner === undefined &&
        !this.#binding &&
        this.#pending.length === 0
      ) {
        // Nothing of the transaction reached a server: it ends here, as Redis would end it.
        this.#multiOwed = false;
        this.#observed = [];
        cmd.reply(dirty ? EXECABORT : name === 'EXEC' ? EMPTY_ARRAY : OK_FRAME);
        return;
      }
      if (dirty) {
        this.#forward(new BasicCommand({ args: ['DISCARD'], reply() {}, fail() {} }));
        cmd.reply(EXECABORT);
        return;
      }
    } else {
      const keys = getKeyIndexes(args);
      for (const at of keys) {
        const slot = keySlot(args[at]!);
        if (this.#slot === -1) this.#slot = slot;
        else if (slot !== this.#slot) {
          if (this.#inMulti) this.#dirty = true;
          cmd.reply(CROSSSLOT);
          return;
        }
      }
    }
    this.#forward(cmd);
  }

  #forward(cmd: PendingCommand): void {
    if (this.#inner !== undefined) {
      this.#inner.send(cmd);
      return;
    }
    if (this.#failure !== undefined) {
      cmd.fail(this.#failure);
      return;
    }
    this.#pending.push(cmd);
    // Keyless commands queued inside a MULTI wait for a key; EXEC/DISCARD go to slot 0's node.
    const name = commandName(cmd.args as readonly Buffer[]);
    if (this.#slot === -1 && name !== 'EXEC' && name !== 'DISCARD') return;
    if (!this.#binding) this.#startBinding();
  }

  #startBinding(): void {
    this.#binding = true;
    this.#bind(Math.max(this.#slot, 0)).then(
      (inner) => {
        this.#binding = false;
        if (this.#done !== undefined) {
          if (this.#done === 'release') inner.release();
          else inner.destroy();
          return;
        }
        this.#inner = inner;
        if (this.#multiOwed) {
          this.#multiOwed = false;
          inner.observe(['MULTI']);
          inner.send(new BasicCommand({ args: ['MULTI'], reply() {}, fail() {} }));
        }
        for (const args of this.#observed) inner.observe(args);
        this.#observed = [];
        const pending = this.#pending;
        this.#pending = [];
        for (const cmd of pending) inner.send(cmd);
      },
      (error: Error) => {
        this.#binding = false;
        this.#failure = error;
        const pending = this.#pending;
        this.#pending = [];
        for (const cmd of pending) cmd.fail(error);
      },
    );
  }

  release(): void {
    if (this.#inner !== undefined) this.#inner.release();
    else this.#done ??= 'release';
  }

  destroy(): void {
    if (this.#inner !== undefined) this.#inner.destroy();
    else this.#done ??= 'destroy';
  }
}
