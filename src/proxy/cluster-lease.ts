/**
 * A lease in a Redis Cluster: an exclusive connection on the node of one slot, for one client's
 * WATCH/MULTI…EXEC or blocking command. Every keyed command sent on it must be in that slot, as
 * Redis requires of a transaction; one that is not is answered with Redis's own CROSSSLOT error,
 * and a transaction that had one is discarded at EXEC (EXECABORT), as Redis does with a command
 * refused while queueing.
 *
 * A transaction begun with MULTI alone does not know its node yet: MULTI is answered +OK at once
 * and the connection is borrowed when the first keyed command (or EXEC) comes, on that key's
 * node; MULTI is sent there first, then everything queued since, in order (deferred-lease.ts,
 * which the shards lease shares).
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
import { DeferredLease, type ObservedArgs } from './deferred-lease.js';
import { crossTargetFrame } from './fanout/index.js';
import { errorFrame } from './fanout/reply-frames.js';
import { ForwardedCommand } from './forwarded-command.js';
import type { Lease } from './upstream.js';

const CROSSSLOT = crossTargetFrame('', 'cluster');
/** Redirects one lease follows before the reply is relayed as it is (the engine's default). */
const MAX_LEASE_REDIRECTS = 5;

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
class Movable extends ForwardedCommand {
  readonly keyed: boolean;
  /** Sent again elsewhere after a redirect (as a new Movable): what comes here is dropped. */
  moved = false;
  readonly #lease: ClusterLease;

  constructor(target: PendingCommand, keyed: boolean, lease: ClusterLease) {
    super(target);
    this.keyed = keyed;
    this.#lease = lease;
  }

  override reply(value: unknown): void {
    if (this.moved) return;
    if (!this.#lease.answered(this, value)) this.target.reply(value as Buffer);
  }

  override fail(error: Error): void {
    if (!this.moved) this.target.fail(error);
  }
}

/**
 * A keyed command on a lease that can no longer move (a server answered a keyed command on it):
 * a MOVED or ASK reply is not relayed as it is (the client does not speak cluster). Outside
 * MULTI the command goes again through the shared routing; queued in MULTI it fails with
 * TRYAGAIN (the server has flagged the transaction, EXEC answers EXECABORT).
 */
class Pinned extends ForwardedCommand {
  readonly #queued: boolean;
  readonly #binder: LeaseBinder;

  constructor(target: PendingCommand, queued: boolean, binder: LeaseBinder) {
    super(target);
    this.#queued = queued;
    this.#binder = binder;
  }

  override reply(value: unknown): void {
    const frame = value as Buffer;
    if (Buffer.isBuffer(frame) && frame[0] === 0x2d) {
      const text = frame.toString('utf8', 1, frame.length - 2);
      if (text.startsWith('MOVED ') || text.startsWith('ASK ')) {
        if (!this.#queued) {
          this.#binder.relay(this.target);
          return;
        }
        const to = text.slice(text.indexOf(' ', text.indexOf(' ') + 1) + 1);
        this.target.reply(
          errorFrame(
            `TRYAGAIN respool proxy: the key's slot moved to ${to} during this transaction; run it again`,
          ),
        );
        return;
      }
    }
    this.target.reply(frame);
  }
}

export class ClusterLease extends DeferredLease {
  readonly #binder: LeaseBinder;
  /** No server has answered a keyed command on it yet: a redirect may still move it. */
  #movable = true;
  #hops = 0;
  /** Where the next binding goes when a redirect named a node; ASK sends ASKING first. */
  #redirect: { host: string; port: number; asking: boolean } | undefined;
  /** The binding under way follows an ASK: ASKING goes right before the pending commands. */
  #asking = false;
  /** MULTI was sent on the connection (to be sent again if the lease moves). */
  #multiSent = false;
  /** Argument lists observed on the current connection (to replay if the lease moves). */
  #log: ObservedArgs[] = [];
  /** Movable commands out on the current connection, oldest first. */
  #out: Movable[] = [];
  /** The slot of every key on this lease; -1 until the first key. */
  #slot: number;

  /** `inner` when the node is known at once (a WATCHed or blocking key); else bound later. */
  constructor(binder: LeaseBinder, slot: number, inner?: Lease) {
    super(inner);
    this.#binder = binder;
    this.#slot = slot;
  }

  override observe(args: ObservedArgs): void {
    super.observe(args);
    if (this.inner !== undefined && this.#movable) this.#log.push(args);
  }

  protected get placed(): boolean {
    return this.#slot !== -1;
  }

  protected admit(cmd: PendingCommand, args: readonly Buffer[]): boolean | null {
    const keys = getKeyIndexes(args);
    for (const at of keys) {
      const slot = keySlot(args[at]!);
      if (this.#slot === -1) this.#slot = slot;
      else if (slot !== this.#slot) return this.refuse(cmd, CROSSSLOT);
    }
    return keys.length > 0;
  }

  protected override wrap(cmd: PendingCommand, keyed: boolean): PendingCommand {
    if (this.#movable) return new Movable(cmd, keyed, this);
    return keyed ? new Pinned(cmd, this.inMulti, this.#binder) : cmd;
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
    const old = this.inner;
    this.inner = undefined;
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
      this.multiOwed = true;
    }
    this.observed = this.#log;
    this.#log = [];
    this.#redirect = {
      host: redirect.host,
      port: redirect.port,
      asking: redirect.kind === 'ASK',
    };
    this.pending.unshift(...again);
    if (!this.binding) this.startBinding();
    return true;
  }

  protected override sendOn(inner: Lease, cmd: PendingCommand): void {
    if (cmd instanceof Movable) this.#out.push(cmd);
    inner.send(cmd);
  }

  protected connect(): Promise<Lease> {
    const to = this.#redirect;
    this.#redirect = undefined;
    this.#asking = to?.asking === true;
    return to === undefined
      ? this.#binder.bind(Math.max(this.#slot, 0))
      : this.#binder.bindTo(to.host, to.port);
  }

  protected override bound(inner: Lease, observed: ObservedArgs[], sentMulti: boolean): void {
    if (sentMulti) this.#multiSent = true;
    if (this.#movable) this.#log = observed;
    // ASKING must come right before the command the ASK was about (the first pending).
    if (this.#asking) inner.send(new BasicCommand({ args: ['ASKING'], reply() {}, fail() {} }));
  }
}
