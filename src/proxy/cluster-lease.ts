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
 *
 * Until a server has answered a keyed command on it, the lease holds no state on its node, so a
 * MOVED or ASK reply (the slot moved since the last refresh) is followed here too: the lease
 * moves to the node named (ASKING first for ASK; the slot table patched for MOVED) and the
 * command is sent again there. After that first answer the lease stays on its node (WATCH or
 * MULTI state lives there), and a redirect there means the slot moved under the transaction: a
 * command outside MULTI is sent again through the shared routing, which follows it (its answer
 * is the new owner's; the transaction's EXEC then fails on the old node, as optimistic locking
 * should: the watched key left it), and a command queued in MULTI gets a TRYAGAIN error naming
 * the move, which also aborts the transaction at EXEC. A client never sees MOVED or ASK.
 */

import { parseRedirect } from '../cluster/redirect.js';
import { keySlot } from '../cluster/slot.js';
import { getKeyIndexes } from '../commands/keys.js';
import { BasicCommand, type PendingCommand } from '../connection/pending-command.js';
import { ReplyError } from '../errors.js';
import { encodeCommand } from '../protocol/encoder.js';
import { commandName, crossTargetFrame } from './fanout/index.js';
import { errorFrame, OK_FRAME } from './fanout/reply-frames.js';
import type { Lease } from './upstream.js';

const CROSSSLOT = crossTargetFrame('', 'cluster');
/** Redirects one lease follows before the reply is relayed as it is (the engine's default). */
const MAX_LEASE_REDIRECTS = 5;

/**
 * Answer a command without a server, after the caller's `send` has returned: a session that
 * sends on a lease is not ready for its reply inside that call (it would dispatch again).
 */
export function answerLater(cmd: PendingCommand, frame: Buffer): void {
  queueMicrotask(() => cmd.reply(frame));
}

/** What a cluster lease needs of the upstream. */
export interface LeaseBinder {
  /** A lease on the primary serving `slot` (slot 0 for -1). */
  bind(slot: number): Promise<Lease>;
  /** A lease on the node at host:port (an ASK or MOVED target). */
  bindTo(host: string, port: number): Promise<Lease>;
  /** MOVED said so: `slot` is served at host:port from now on. */
  moved(slot: number, host: string, port: number): void;
  /** The host of the node serving `slot`, for a redirect that names only a port. */
  hostOf(slot: number): string;
  /** Send `cmd` through the shared routing, which follows redirects (a pinned lease's MOVED). */
  relay(cmd: PendingCommand): void;
}

/** A command sent on the lease while it may still move: watches its reply for MOVED/ASK. */
class Movable implements PendingCommand {
  readonly args: PendingCommand['args'];
  readonly frame: Buffer;
  readonly raw: boolean;
  readonly returnBuffers: boolean;
  readonly target: PendingCommand;
  readonly keyed: boolean;
  /** Sent again elsewhere after a redirect (as a new Movable): what comes here is dropped. */
  moved = false;
  readonly #lease: ClusterLease;

  constructor(target: PendingCommand, keyed: boolean, lease: ClusterLease) {
    this.target = target;
    this.args = target.args;
    // Every command from a proxy client carries its frame.
    this.frame = target.frame ?? encodeCommand(target.args);
    this.raw = target.raw === true;
    this.returnBuffers = target.returnBuffers;
    this.keyed = keyed;
    this.#lease = lease;
  }

  get settled(): boolean {
    return this.target.settled;
  }

  get deadline(): number {
    return this.target.deadline ?? 0;
  }

  get timeoutMs(): number {
    return this.target.timeoutMs ?? 0;
  }

  reply(value: unknown): void {
    if (this.moved) return;
    if (!this.#lease.answered(this, value)) this.target.reply(value as Buffer);
  }

  fail(error: Error): void {
    if (!this.moved) this.target.fail(error);
  }
}
/**
 * A keyed command on a lease that can no longer move (a server answered a keyed command on it):
 * a MOVED or ASK reply is not relayed as it is (the client does not speak cluster). Outside
 * MULTI the command goes again through the shared routing; queued in MULTI it fails with
 * TRYAGAIN (the server has flagged the transaction, EXEC answers EXECABORT).
 */
class Pinned implements PendingCommand {
  readonly args: PendingCommand['args'];
  readonly frame: Buffer;
  readonly raw: boolean;
  readonly returnBuffers: boolean;
  readonly #target: PendingCommand;
  readonly #queued: boolean;
  readonly #binder: LeaseBinder;

  constructor(target: PendingCommand, queued: boolean, binder: LeaseBinder) {
    this.#target = target;
    this.args = target.args;
    // Every command from a proxy client carries its frame.
    this.frame = target.frame ?? encodeCommand(target.args);
    this.raw = target.raw === true;
    this.returnBuffers = target.returnBuffers;
    this.#queued = queued;
    this.#binder = binder;
  }

  get settled(): boolean {
    return this.#target.settled;
  }

  get deadline(): number {
    return this.#target.deadline ?? 0;
  }

  get timeoutMs(): number {
    return this.#target.timeoutMs ?? 0;
  }

  reply(value: unknown): void {
    const frame = value as Buffer;
    if (Buffer.isBuffer(frame) && frame[0] === 0x2d) {
      const text = frame.toString('utf8', 1, frame.length - 2);
      if (text.startsWith('MOVED ') || text.startsWith('ASK ')) {
        if (!this.#queued) {
          this.#binder.relay(this.#target);
          return;
        }
        const to = text.slice(text.indexOf(' ', text.indexOf(' ') + 1) + 1);
        this.#target.reply(
          errorFrame(
            `TRYAGAIN respool proxy: the key's slot moved to ${to} during this transaction; run it again`,
          ),
        );
        return;
      }
    }
    this.#target.reply(value as Buffer);
  }

  fail(error: Error): void {
    this.#target.fail(error);
  }
}

const EMPTY_ARRAY = Buffer.from('*0\r\n');
const EXECABORT = errorFrame('EXECABORT Transaction discarded because of previous errors.');

export class ClusterLease implements Lease {
  readonly #binder: LeaseBinder;
  #inner: Lease | undefined;
  /** No server has answered a keyed command on it yet: a redirect may still move it. */
  #movable = true;
  #hops = 0;
  /** Where the next binding goes when a redirect named a node; ASK sends ASKING first. */
  #redirect: { host: string; port: number; asking: boolean } | undefined;
  /** MULTI was sent on the connection (to be sent again if the lease moves). */
  #multiSent = false;
  /** Argument lists observed on the current connection (to replay if the lease moves). */
  #log: (readonly (string | Buffer)[])[] = [];
  /** Movable commands out on the current connection, oldest first. */
  #out: Movable[] = [];
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
  constructor(binder: LeaseBinder, slot: number, inner?: Lease) {
    this.#binder = binder;
    this.#slot = slot;
    this.#inner = inner;
  }

  /** Blocked on the node it is bound to; not bound yet: nothing blocks. */
  unblock(error: boolean): Promise<number> {
    return this.#inner?.unblock(error) ?? Promise.resolve(0);
  }

  get ready(): boolean {
    return this.#inner?.ready ?? this.#failure === undefined;
  }

  get clean(): boolean {
    return this.#inner?.clean ?? this.#pending.length === 0;
  }

  observe(args: readonly (string | Buffer)[]): void {
    if (this.#inner !== undefined) {
      this.#inner.observe(args);
      if (this.#movable) this.#log.push(args);
    } else this.#observed.push(args);
  }

  send(cmd: PendingCommand): void {
    const args = cmd.args as readonly Buffer[];
    const name = commandName(args);
    let keyed = false;
    if (name === 'MULTI') {
      this.#inMulti = true;
      this.#dirty = false;
      if (this.#inner === undefined && this.#slot === -1 && !this.#binding) {
        this.#multiOwed = true;
        answerLater(cmd, OK_FRAME);
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
        answerLater(cmd, dirty ? EXECABORT : name === 'EXEC' ? EMPTY_ARRAY : OK_FRAME);
        return;
      }
      if (dirty) {
        this.#forward(new BasicCommand({ args: ['DISCARD'], reply() {}, fail() {} }));
        answerLater(cmd, EXECABORT);
        return;
      }
    } else {
      const keys = getKeyIndexes(args);
      keyed = keys.length > 0;
      for (const at of keys) {
        const slot = keySlot(args[at]!);
        if (this.#slot === -1) this.#slot = slot;
        else if (slot !== this.#slot) {
          if (this.#inMulti) this.#dirty = true;
          answerLater(cmd, CROSSSLOT);
          return;
        }
      }
    }
    this.#forward(
      this.#movable
        ? new Movable(cmd, keyed, this)
        : keyed
          ? new Pinned(cmd, this.#inMulti, this.#binder)
          : cmd,
    );
  }

  /**
   * A reply to a command sent while the lease could move: true when it was a redirect the lease
   * followed (the command is sent again elsewhere), false to relay it.
   */
  answered(cmd: Movable, value: unknown): boolean {
    const at = this.#out.indexOf(cmd);
    if (at !== -1) this.#out.splice(at, 1);
    const frame = value as Buffer;
    if (!this.#movable || !Buffer.isBuffer(frame) || frame[0] !== 0x2d) {
      if (cmd.keyed) this.#movable = false;
      return false;
    }
    const text = frame.toString('utf8', 1, frame.length - 2);
    if (!text.startsWith('MOVED ') && !text.startsWith('ASK ')) {
      if (cmd.keyed) this.#movable = false;
      return false;
    }
    const redirect = parseRedirect(new ReplyError(text), this.#binder.hostOf(this.#slot));
    if (redirect === undefined || this.#hops >= MAX_LEASE_REDIRECTS) return false;
    this.#hops++;
    if (redirect.kind === 'MOVED') this.#binder.moved(redirect.slot, redirect.host, redirect.port);
    const old = this.#inner;
    this.#inner = undefined;
    // Commands pipelined behind it on the old connection go with it, in order; the old
    // connection is closed unless nothing else is on it (MULTI would leave state there).
    const later = this.#out;
    this.#out = [];
    const again = [cmd, ...later].map((c) => {
      c.moved = true;
      return new Movable(c.target, c.keyed, this);
    });
    if (old !== undefined) {
      if (old.clean && later.length === 0 && !this.#multiSent) old.release();
      else old.destroy();
    }
    if (this.#multiSent) {
      this.#multiSent = false;
      this.#multiOwed = true;
    }
    this.#observed = this.#log;
    this.#log = [];
    this.#redirect = {
      host: redirect.host,
      port: redirect.port,
      asking: redirect.kind === 'ASK',
    };
    this.#pending.unshift(...again);
    if (!this.#binding) this.#startBinding();
    return true;
  }

  #sendOn(inner: Lease, cmd: PendingCommand): void {
    if (cmd instanceof Movable) this.#out.push(cmd);
    inner.send(cmd);
  }

  #forward(cmd: PendingCommand): void {
    if (this.#inner !== undefined) {
      this.#sendOn(this.#inner, cmd);
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
    const to = this.#redirect;
    this.#redirect = undefined;
    const binding =
      to === undefined
        ? this.#binder.bind(Math.max(this.#slot, 0))
        : this.#binder.bindTo(to.host, to.port);
    binding.then(
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
          this.#multiSent = true;
          inner.observe(['MULTI']);
          inner.send(new BasicCommand({ args: ['MULTI'], reply() {}, fail() {} }));
        }
        for (const args of this.#observed) inner.observe(args);
        if (this.#movable) this.#log = this.#observed;
        this.#observed = [];
        const pending = this.#pending;
        this.#pending = [];
        // ASKING must come right before the command the ASK was about (the first pending).
        if (to?.asking === true)
          inner.send(new BasicCommand({ args: ['ASKING'], reply() {}, fail() {} }));
        for (const cmd of pending) this.#sendOn(inner, cmd);
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
