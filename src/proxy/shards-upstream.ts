/**
 * A list of standalone shards behind the proxy, placed as twemproxy places keys (`ShardRing`:
 * its hashes, ketama/modula/random, hash tags, and auto-eject with `server_failure_limit` and
 * `server_retry_timeout`), each shard driven by the engine (`CoreSet`), all under one budget.
 *
 * A command with keys goes to its key's shard; MGET/MSET/DEL/UNLINK/EXISTS/TOUCH over several
 * shards are split and their raw replies merged (`fanout`); DBSIZE, KEYS, FLUSHALL… go to every
 * shard and are merged; SCAN walks every shard behind one cursor; keyless commands and pub/sub go
 * to the first live shard. Transactions and WATCH lease a connection on the shard of the first
 * WATCHed key; a MULTI with no WATCH before it is refused (its keys are not known yet).
 */

import { parseRedisUrl } from '../client/options.js';
import { getKeyIndexes } from '../commands/keys.js';
import type { PendingCommand } from '../connection/pending-command.js';
import { InvalidArgumentError } from '../errors.js';
import { SharedBudget } from '../pool/shared-budget.js';
import { encodeCommand } from '../protocol/encoder.js';
import { CoreSet, type CoreSetStats, type EngineOptions } from './core-set.js';
import { Gather, type GatherPart } from './fanout/gather.js';
import {
  type FanoutContext,
  mergeAllNodes,
  mergeMultiKey,
  planFanout,
  rewriteScanReply,
} from './fanout/index.js';
import { errorFrame } from './fanout/reply-frames.js';
import { ForwardedCommand } from './forwarded-command.js';
import { PubSubHub } from './pubsub-hub.js';
import { ShardLease } from './shard-lease.js';
import type { HashName } from './sharding/hash-functions.js';
import { type Distribution, ShardRing } from './sharding/index.js';
import {
  KeyRoutedPath,
  type Lease,
  type SharedPath,
  type Upstream,
  UpstreamBase,
  type UpstreamStats,
} from './upstream.js';

export interface ShardOptions {
  /** `name=redis://host:port` entries; the name places the shard on the ketama circle. */
  readonly shards: readonly {
    readonly name?: string | undefined;
    readonly url: string;
    readonly weight?: number;
  }[];
  readonly maxConnections: number;
  readonly hash?: HashName | undefined;
  readonly distribution?: Distribution | undefined;
  readonly hashTag?: string | undefined;
  readonly autoEject?: boolean | undefined;
  readonly maxFailures?: number | undefined;
  readonly retryTimeoutMs?: number | undefined;
  readonly client?: EngineOptions | undefined;
}

/** Forwards one routed command's reply, counting the shard's health on the way. */
class Routed extends ForwardedCommand {
  readonly #shard: number;
  readonly #upstream: ShardsUpstream;

  constructor(target: PendingCommand, shard: number, upstream: ShardsUpstream) {
    super(target);
    this.#shard = shard;
    this.#upstream = upstream;
  }

  override reply(value: unknown): void {
    this.#upstream.report(this.#shard, true);
    this.target.reply(value as Buffer);
  }

  override fail(error: Error): void {
    this.#upstream.report(this.#shard, false);
    this.target.fail(error);
  }
}

export class ShardsUpstream extends UpstreamBase implements Upstream {
  readonly routesByKey = true;
  readonly maxConnections: number;
  readonly hub: PubSubHub;
  readonly ring: ShardRing;
  readonly #sets: CoreSet[];
  readonly #paths: [KeyRoutedPath, KeyRoutedPath];
  readonly #context: FanoutContext;

  constructor(options: ShardOptions) {
    super();
    this.maxConnections = options.maxConnections;
    if (options.maxConnections < options.shards.length + 1) {
      throw new InvalidArgumentError(
        `Invalid option "maxConnections": ${options.maxConnections} is too few for ${options.shards.length} shards (one shared connection each, plus at least one for leases and pub/sub)`,
      );
    }
    const budget = new SharedBudget(options.maxConnections);
    this.ring = new ShardRing({
      shards: options.shards.map((s) => {
        const url = parseRedisUrl(s.url);
        return {
          host: url.path ?? url.host ?? '127.0.0.1',
          port: url.path === undefined ? (url.port ?? 6379) : undefined,
          weight: s.weight ?? 1,
          name: s.name,
        };
      }),
      hash: options.hash ?? 'fnv1a_64',
      distribution: options.distribution ?? 'ketama',
      hashTag: options.hashTag,
      autoEject: options.autoEject ?? false,
      maxFailures: options.maxFailures ?? 2,
      retryTimeoutMs: options.retryTimeoutMs ?? 30_000,
    });
    this.#sets = options.shards.map((s, i) => {
      const set = new CoreSet(
        s.url,
        budget,
        options.maxConnections,
        this.notifyDrain,
        options.client,
      );
      const spec = this.ring.shards[i]!;
      const label = s.name ?? `${spec.host}${spec.port === undefined ? '' : `:${spec.port}`}`;
      // A dead shard answers at once, each failure counted (auto-eject), instead of letting
      // its clients wait until it comes back.
      set.onConnectFailed((core, error) => {
        const why = new Error(
          `shard ${label} is unreachable${error === undefined ? '' : `: ${error.message}`}`,
        );
        for (const cmd of core.mux.takeWaiting()) cmd.fail(why);
        // Their senders stopped reading their clients when the mux queued them: read on.
        this.notifyDrain();
      });
      return set;
    });
    this.hub = new PubSubHub(this.#sets[0]!.default.subscriber);
    this.#paths = [new KeyRoutedPath(this, 2), new KeyRoutedPath(this, 3)];
    this.#context = {
      shape: 'shards',
      targetOf: (key) => this.ring.shardFor(key),
      nodeCount: this.#sets.length,
      keysOf: (args) => getKeyIndexes(args),
    };
  }

  protected versionSource(): Promise<CoreSet> {
    return Promise.resolve(this.#sets[0]!);
  }

  /** A shard answered (`ok`) or failed: auto-eject counts it. */
  report(shard: number, ok: boolean): void {
    if (ok) this.ring.recordSuccess(shard);
    else this.ring.recordFailure(shard, Date.now());
  }

  shared(protocol: 2 | 3, db: number): SharedPath | Error {
    if (db !== 0) {
      return new Error(
        'SELECT is not supported through respool proxy with shards: only database 0 is served',
      );
    }
    return this.#paths[protocol - 2]!;
  }

  #firstLive(): number {
    for (let i = 0; i < this.#sets.length; i++) if (this.ring.isLive(i)) return i;
    return -1;
  }

  #send(shard: number, protocol: 2 | 3, cmd: PendingCommand): boolean {
    const core = this.#sets[shard]!.core(protocol, 0);
    if (core instanceof Error) {
      cmd.fail(core);
      return true;
    }
    return core.mux.send(cmd);
  }

  /** One part of a fan-out to `shard`, its outcome counted for auto-eject as a routed one's. */
  #sendPart(shard: number, protocol: 2 | 3, part: GatherPart): boolean {
    return this.#send(shard, protocol, new Routed(part, shard, this));
  }

  /** Route one client command (its `args` are the whole argument vector). */
  route(cmd: PendingCommand, protocol: 2 | 3): boolean {
    const args = cmd.args as Buffer[];
    this.ring.update(Date.now());
    const plan = planFanout(args, this.#context);
    switch (plan.kind) {
      case 'refuse':
        cmd.reply(plan.reply);
        return true;
      case 'route': {
        const keys = getKeyIndexes(args);
        const shard = keys.length > 0 ? this.ring.shardFor(args[keys[0]!]!) : this.#firstLive();
        if (shard === -1) {
          cmd.reply(
            errorFrame('ERR respool proxy: every shard is ejected (auto-eject); retry later'),
          );
          return true;
        }
        return this.#send(shard, protocol, new Routed(cmd, shard, this));
      }
      case 'split': {
        const subs = plan.plan.subs;
        if (subs.length === 1)
          return this.#send(subs[0]!.target, protocol, new Routed(cmd, subs[0]!.target, this));
        const gather = new Gather(cmd, subs.length, (replies) => mergeMultiKey(plan.plan, replies));
        let ok = true;
        subs.forEach((sub, i) => {
          ok =
            this.#sendPart(
              sub.target,
              protocol,
              gather.part(i, sub.args, encodeCommand(sub.args)),
            ) && ok;
        });
        return ok;
      }
      case 'all': {
        const shards = this.#sets.map((_, i) => i);
        const gather = new Gather(cmd, shards.length, (replies) =>
          mergeAllNodes(plan.merge, replies),
        );
        const frame = cmd.frame ?? encodeCommand(args);
        let ok = true;
        for (const i of shards) ok = this.#sendPart(i, protocol, gather.part(i, args, frame)) && ok;
        return ok;
      }
      case 'scan': {
        const node = plan.node;
        const count = this.#sets.length;
        const gather = new Gather(cmd, 1, (replies) => rewriteScanReply(replies[0]!, node, count));
        return this.#sendPart(node, protocol, gather.part(0, plan.args, encodeCommand(plan.args)));
      }
    }
  }

  lease(protocol: 2 | 3, db: number, timeoutMs: number, key?: Buffer): Promise<Lease> {
    if (db !== 0) return Promise.reject(new Error('only database 0 is served with shards'));
    const bind = (index: number): Promise<Lease> => {
      const shard = index === -1 ? this.#firstLive() : index;
      if (shard === -1)
        return Promise.reject(new Error('every shard is ejected (auto-eject); retry later'));
      return this.#sets[shard]!.lease(protocol, 0, timeoutMs, () => this.#totals());
    };
    // MULTI alone: the lease binds to the shard of the transaction's first key (shard-lease.ts).
    if (key === undefined) return Promise.resolve(new ShardLease(this.ring, bind));
    const shard = this.ring.shardFor(key);
    if (shard === -1)
      return Promise.reject(new Error('every shard is ejected (auto-eject); retry later'));
    // Wrapped: a later key of the transaction on another shard is refused, never sent here.
    return bind(shard).then((inner) => new ShardLease(this.ring, bind, shard, inner));
  }

  #totals(): CoreSetStats {
    const into = { connections: 0, leased: 0, idle: 0 };
    for (const set of this.#sets) set.stats(into);
    return into;
  }

  stats(): UpstreamStats {
    let leaseWaits = 0;
    let leaseTimeouts = 0;
    let sharedPaths = 0;
    for (const set of this.#sets) {
      leaseWaits += set.leaseWaits;
      leaseTimeouts += set.leaseTimeouts;
      sharedPaths += set.size;
    }
    return {
      ...this.#totals(),
      maxConnections: this.maxConnections,
      leaseWaits,
      leaseTimeouts,
      sharedPaths,
      channels: this.hub.channelCount,
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.#sets.map((s) => s.close()));
  }
}
