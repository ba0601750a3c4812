/**
 * The one face of a Redis node the cluster uses (and the proxy will): queue a command, take back
 * what has not been written, know whether it is connected, run a blocking command or a lease,
 * subscribe, count, close. The cluster never reaches past it into a client's multiplexer, pool
 * or subscriber, so its router can be tested against fakes (test/unit/cluster-router.test.ts)
 * and any engine that offers these methods can serve a node.
 *
 * The production implementation is core-node-client.ts, over the client's ClientCore; the
 * cluster receives it through a NodeClientFactory.
 */
import type { EventEmitter } from 'node:events';
import type { CachedClient, MissFallback } from '../client/cached-client.js';
import type { LeasedConnection } from '../client/leased-connection.js';
import type { ResolvedClientOptions } from '../client/options.js';
import type { CommandPolicy } from '../client/promise-command.js';
import type { Transform } from '../client/reply-transforms.js';
import type { ClientStats } from '../client/stats.js';
import type { MessageListener, SubscribeKind, Subscription } from '../client/subscriber.js';
import type { PendingCommand } from '../connection/pending-command.js';
import type { AcquireOptions } from '../pool/pool.js';
import type { SharedBudget } from '../pool/shared-budget.js';
import type { RespArg } from '../protocol/resp-types.js';

/** What a node tells the cluster. */
export interface NodeClientEvents {
  /** Its multiplexed connection is up (it holds a slot of the cluster's budget while up). */
  ready: [];
  /** Its multiplexed connection closed. */
  close: [];
  /** A connection attempt failed: the node may have failed over or left. */
  unreachable: [error: Error];
  /** A lease was held longer than leakWarningMs. */
  leak: [info: { heldMs: number; stack: string }];
  /** The server ended subscriptions on its own (a shard channel whose slot moved away). */
  subscriptionsDropped: [kind: SubscribeKind, names: string[]];
  /** The subscriber connection was lost; the node subscribes its channels again. */
  subscriberLost: [error: Error];
  /** After `subscriberLost`: its channels are subscribed again. */
  subscriberRestored: [];
}

export interface NodeClient {
  /** `host:port`, the node's key. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly events: EventEmitter<NodeClientEvents>;
  /** True while its multiplexed connection is up (a live node answers a topology query fast). */
  readonly connected: boolean;
  /** Subscribed channels held on this node (a node holding some is not closed by a refresh). */
  readonly subscriptionCount: number;
  /** Queue a command on the node's multiplexed connection. */
  send(cmd: PendingCommand): void;
  /**
   * Optional: queue ASKING and then `cmd` on the connection `cmd` goes on (for a node client
   * with more than one multiplexed connection). Absent: ASKING and `cmd` are both `send()`ed.
   */
  sendAsking?(cmd: PendingCommand): void;
  /** Remove and return the commands accepted but not written yet (to route them elsewhere). */
  takeWaiting(): PendingCommand[];
  /** A blocking command on a leased connection, bounded by its own timeout. */
  runBlocking(
    args: RespArg[],
    policy: CommandPolicy,
    transform: Transform | undefined,
    serverTimeoutMs: number | undefined,
  ): Promise<unknown>;
  /** `fn` with an exclusive connection to this node, given back on every path. */
  withConnection<T, S extends string | Buffer>(
    fn: (connection: LeasedConnection<S>) => T | Promise<T>,
    policy: CommandPolicy,
    acquire: AcquireOptions,
  ): Promise<T>;
  subscribe(
    kind: SubscribeKind,
    names: string | readonly string[],
    listener: MessageListener<string | Buffer>,
    buffers: boolean,
  ): Promise<Subscription>;
  stats(): ClientStats;
  /**
   * Client-side caching (the `cache` option; docs/caching.md): a cached-read view of this node
   * for `policy` (no key prefix: the cluster applies it), undefined without a cache. Optional:
   * nodes without a cache (and test fakes) leave these out.
   */
  cachedView?(
    policy: CommandPolicy,
    fallback: MissFallback,
  ): CachedClient<string | Buffer> | undefined;
  /** Empty this node's cache: its slots moved away, or a MOVED said so. */
  flushCache?(): void;
  /** Graceful: replies still owed arrive first. */
  close(): Promise<void>;
  destroy(): void;
}

/** What the cluster decides about the connections of one node, beyond the client options. */
export interface NodeSettings {
  /** Send READONLY on each connection: with `readFrom: 'replica-preferred'`, on every node. */
  readonly readOnly: boolean;
}

/**
 * Makes the client of one node: its resolved options (the cluster's, at this node's address),
 * the cluster's budget if capped, and the cluster's settings for the node's connections.
 */
export type NodeClientFactory = (
  options: ResolvedClientOptions,
  budget: SharedBudget | undefined,
  settings: NodeSettings,
) => NodeClient;
