/**
 * A lease on one shard of the shards upstream, for a WATCH/MULTI transaction or a blocking
 * command. The shard is the one of its first key; every later key must live on that same shard,
 * or the command would read or write the wrong server. Such a command gets the shards shape's
 * cross-shard error instead of being sent, and inside MULTI it spoils the transaction as a
 * queueing error does on a server: EXEC discards upstream and answers EXECABORT.
 *
 * A transaction begun with MULTI alone (redis-py's `pipeline()`, Jedis's `multi()`) binds to the
 * shard of its first keyed command (deferred-lease.ts); one with no key at all runs on the first
 * live shard.
 */
import { getKeyIndexes } from '../commands/keys.js';
import type { PendingCommand } from '../connection/pending-command.js';
import { DeferredLease } from './deferred-lease.js';
import { crossTargetFrame } from './fanout/index.js';
import { refusalFor } from './fanout/refusals.js';
import { errorFrame } from './fanout/reply-frames.js';
import type { ShardRing } from './sharding/shard-ring.js';
import type { Lease } from './upstream.js';

const ALL_EJECTED = errorFrame(
  'ERR respool proxy: every shard is ejected (auto-eject); retry later',
);

/** Borrow a connection on shard `index` (-1: the first live one). */
export type ShardBinder = (index: number) => Promise<Lease>;

export class ShardLease extends DeferredLease {
  readonly #ring: ShardRing;
  readonly #bind: ShardBinder;
  /** The shard of the first key; -1 until a key is seen. */
  #shard: number;

  /** `inner`, on `shard`, when the first key is known at once (WATCH, a blocking command). */
  constructor(ring: ShardRing, bind: ShardBinder, shard = -1, inner?: Lease) {
    super(inner);
    this.#ring = ring;
    this.#bind = bind;
    this.#shard = shard;
  }

  protected get placed(): boolean {
    return this.#shard !== -1;
  }

  protected connect(): Promise<Lease> {
    return this.#bind(this.#shard);
  }

  protected admit(cmd: PendingCommand, args: readonly Buffer[], name: string): boolean | null {
    const keys = getKeyIndexes(args);
    // A keyless command the shards shape refuses on the shared path (RANDOMKEY, CLUSTER …) is
    // refused here too, not run on whichever shard the lease is on.
    const refused = keys.length === 0 ? refusalFor(name, args, 'shards') : undefined;
    if (refused !== undefined) return this.refuse(cmd, refused);
    for (const at of keys) {
      const shard = this.#ring.shardFor(args[at]!);
      if (shard === -1) return this.refuse(cmd, ALL_EJECTED);
      if (this.#shard === -1) this.#shard = shard;
      else if (shard !== this.#shard) return this.refuse(cmd, crossTargetFrame(name, 'shards'));
    }
    return keys.length > 0;
  }
}
