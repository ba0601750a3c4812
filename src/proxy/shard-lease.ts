/**
 * A lease on one shard of the shards upstream, for a WATCH/MULTI transaction. The shard is the
 * one of the transaction's first key; every later key must live on that same shard, or the
 * command would read or write the wrong server. Such a command gets the shards shape's
 * cross-shard error instead of being sent, and inside MULTI it spoils the transaction as a
 * queueing error does on a server: EXEC discards upstream and answers EXECABORT.
 */
import { getKeyIndexes } from '../commands/keys.js';
import { BasicCommand, type PendingCommand } from '../connection/pending-command.js';
import { answerLater } from './cluster-lease.js';
import { commandName, crossTargetFrame } from './fanout/index.js';
import { errorFrame } from './fanout/reply-frames.js';
import type { ShardRing } from './sharding/shard-ring.js';
import type { Lease } from './upstream.js';

const EXECABORT = errorFrame('EXECABORT Transaction discarded because of previous errors.');

export class ShardLease implements Lease {
  readonly #inner: Lease;
  readonly #ring: ShardRing;
  readonly #shard: number;
  #inMulti = false;
  /** A command of the open MULTI was refused here: its EXEC must not run the rest. */
  #dirty = false;

  constructor(inner: Lease, ring: ShardRing, shard: number) {
    this.#inner = inner;
    this.#ring = ring;
    this.#shard = shard;
  }

  get ready(): boolean {
    return this.#inner.ready;
  }

  get clean(): boolean {
    return this.#inner.clean;
  }

  observe(args: readonly (string | Buffer)[]): void {
    this.#inner.observe(args);
  }

  unblock(error: boolean): Promise<number> {
    return this.#inner.unblock(error);
  }

  send(cmd: PendingCommand): void {
    const args = cmd.args as readonly Buffer[];
    const name = commandName(args);
    if (name === 'MULTI') {
      this.#inMulti = true;
      this.#dirty = false;
    } else if (name === 'EXEC' || name === 'DISCARD') {
      const dirty = this.#dirty && name === 'EXEC';
      this.#inMulti = false;
      this.#dirty = false;
      if (dirty) {
        this.#inner.send(new BasicCommand({ args: ['DISCARD'], reply() {}, fail() {} }));
        answerLater(cmd, EXECABORT);
        return;
      }
    } else {
      for (const at of getKeyIndexes(args)) {
        if (this.#ring.shardFor(args[at]!) === this.#shard) continue;
        if (this.#inMulti) this.#dirty = true;
        answerLater(cmd, crossTargetFrame(name, 'shards'));
        return;
      }
    }
    this.#inner.send(cmd);
  }

  release(): void {
    this.#inner.release();
  }

  destroy(): void {
    this.#inner.destroy();
  }
}
