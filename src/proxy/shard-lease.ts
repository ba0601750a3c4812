/**
 * A lease on one shard of the shards upstream, for a WATCH/MULTI transaction or a blocking
 * command. The shard is the one of its first key; every later key must live on that same shard,
 * or the command would read or write the wrong server. Such a command gets the shards shape's
 * cross-shard error instead of being sent, and inside MULTI it spoils the transaction as a
 * queueing error does on a server: EXEC discards upstream and answers EXECABORT.
 *
 * A transaction begun with MULTI alone (redis-py's `pipeline()`, Jedis's `multi()`) does not know
 * its shard yet: MULTI is answered +OK at once and the connection is borrowed when the first
 * keyed command comes, on that key's shard; MULTI is sent there first, then everything queued
 * since, in order. A transaction with no key at all runs on the first live shard.
 */
import { getKeyIndexes } from '../commands/keys.js';
import { BasicCommand, type PendingCommand } from '../connection/pending-command.js';
import { answerLater } from './cluster-lease.js';
import { commandName, crossTargetFrame } from './fanout/index.js';
import { refusalFor } from './fanout/refusals.js';
import { errorFrame, OK_FRAME } from './fanout/reply-frames.js';
import type { ShardRing } from './sharding/shard-ring.js';
import type { Lease } from './upstream.js';

const EXECABORT = errorFrame('EXECABORT Transaction discarded because of previous errors.');
const EMPTY_ARRAY = Buffer.from('*0\r\n');
const ALL_EJECTED = errorFrame(
  'ERR respool proxy: every shard is ejected (auto-eject); retry later',
);

/** Borrow a connection on shard `index` (-1: the first live one). */
export type ShardBinder = (index: number) => Promise<Lease>;

export class ShardLease implements Lease {
  readonly #ring: ShardRing;
  readonly #bind: ShardBinder;
  /** The shard of the first key; -1 until a key is seen. */
  #shard: number;
  #inner: Lease | undefined;
  #binding = false;
  #failure: Error | undefined;
  /** Commands (and observed argument lists) waiting for the connection. */
  #pending: PendingCommand[] = [];
  #observed: (readonly (string | Buffer)[])[] = [];
  /** MULTI was answered here and is still to be sent on the connection. */
  #multiOwed = false;
  #inMulti = false;
  /** A command of the open MULTI was refused here: its EXEC must not run the rest. */
  #dirty = false;
  #done: 'release' | 'destroy' | undefined;

  /** `inner`, on `shard`, when the first key is known at once (WATCH, a blocking command). */
  constructor(ring: ShardRing, bind: ShardBinder, shard = -1, inner?: Lease) {
    this.#ring = ring;
    this.#bind = bind;
    this.#shard = shard;
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

  unblock(error: boolean): Promise<number> {
    return this.#inner?.unblock(error) ?? Promise.resolve(0);
  }

  send(cmd: PendingCommand): void {
    const args = cmd.args as readonly Buffer[];
    const name = commandName(args);
    if (name === 'MULTI') {
      this.#inMulti = true;
      this.#dirty = false;
      if (this.#inner === undefined && this.#shard === -1 && !this.#binding) {
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
        // Nothing of the transaction reached a server: it ends here, as the server would end it.
        this.#multiOwed = false;
        this.#observed = [];
        answerLater(cmd, dirty ? EXECABORT : name === 'EXEC' ? EMPTY_ARRAY : OK_FRAME);
        return;
      }
      if (dirty) {
        this.#forward(new BasicCommand({ args: ['DISCARD'], reply() {}, fail() {} }), 'DISCARD');
        answerLater(cmd, EXECABORT);
        return;
      }
    } else {
      const keys = getKeyIndexes(args);
      // A keyless command the shards shape refuses on the shared path (RANDOMKEY, CLUSTER …) is
      // refused here too, not run on whichever shard the lease is on.
      const refused = keys.length === 0 ? refusalFor(name, args, 'shards') : undefined;
      if (refused !== undefined) {
        if (this.#inMulti) this.#dirty = true;
        answerLater(cmd, refused);
        return;
      }
      for (const at of keys) {
        const shard = this.#ring.shardFor(args[at]!);
        if (shard === -1) {
          if (this.#inMulti) this.#dirty = true;
          answerLater(cmd, ALL_EJECTED);
          return;
        }
        if (this.#shard === -1) this.#shard = shard;
        else if (shard !== this.#shard) {
          if (this.#inMulti) this.#dirty = true;
          answerLater(cmd, crossTargetFrame(name, 'shards'));
          return;
        }
      }
    }
    this.#forward(cmd, name);
  }

  #forward(cmd: PendingCommand, name: string): void {
    if (this.#inner !== undefined) {
      this.#inner.send(cmd);
      return;
    }
    if (this.#failure !== undefined) {
      cmd.fail(this.#failure);
      return;
    }
    this.#pending.push(cmd);
    // Keyless commands queued inside a MULTI wait for a key; EXEC/DISCARD go to the first live
    // shard when none came.
    if (this.#shard === -1 && name !== 'EXEC' && name !== 'DISCARD') return;
    if (!this.#binding) this.#startBinding();
  }

  #startBinding(): void {
    this.#binding = true;
    this.#bind(this.#shard).then(
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
