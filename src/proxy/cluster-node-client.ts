/**
 * One Redis Cluster node as the proxy drives it: the cluster engine's `NodeClient` face over a
 * `CoreSet` (the proxy's engine for one server), so the engine's router, redirect handler,
 * topology source and registry work unchanged while the connections are the proxy's: a shared
 * connection per protocol in use (a RESP3 client's raw replies need a RESP3 connection), leases
 * from a bounded pool, and a subscriber, all under the proxy's one budget. With `--cache`, the
 * node's cache (`cachedView`, `flushCache`, as the cluster's own nodes have) lives on the set's
 * tracking core, under that budget too.
 */
import { EventEmitter } from 'node:events';
import type { CacheOptions } from '../cache/cache-options.js';
import type { CacheStats, TrackingCache } from '../cache/tracking-cache.js';
import { CachedClient, type MissFallback } from '../client/cached-client.js';
import type { ClientCore } from '../client/client-core.js';
import type { LeasedConnection } from '../client/leased-connection.js';
import type { CommandPolicy } from '../client/promise-command.js';
import type { Transform } from '../client/reply-transforms.js';
import type { ClientStats } from '../client/stats.js';
import type { MessageListener, SubscribeKind, Subscription } from '../client/subscriber.js';
import { forwardNodeEvents } from '../cluster/core-node-client.js';
import type { NodeClient, NodeClientEvents } from '../cluster/node-client.js';
import { BasicCommand, type PendingCommand } from '../connection/pending-command.js';
import type { AcquireOptions } from '../pool/pool.js';
import type { SharedBudget } from '../pool/shared-budget.js';
import type { RespArg } from '../protocol/resp-types.js';
import { CoreSet, type EngineOptions } from './core-set.js';

/** A command that says which protocol's connection it must go on (the proxy's relayed ones). */
interface WithProtocol {
  readonly protocol?: 2 | 3;
}

/** Where a node tells its upstream that a send found the connection congested. */
export interface Congestion {
  full: boolean;
}

export class ProxyNodeClient implements NodeClient {
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly events = new EventEmitter<NodeClientEvents>();
  readonly set: CoreSet;
  readonly #budget: SharedBudget;
  readonly #congestion: Congestion;
  readonly #cache: CacheOptions | undefined;
  #resp3: ClientCore | undefined;
  #closed = false;

  constructor(
    host: string,
    port: number,
    budget: SharedBudget,
    maxConnections: number,
    onDrain: () => void,
    congestion: Congestion,
    engine: EngineOptions | undefined,
    cache?: CacheOptions,
  ) {
    this.#cache = cache;
    this.host = host;
    this.port = port;
    this.address = `${host}:${port}`;
    this.#budget = budget;
    this.#congestion = congestion;
    const url = `redis://${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.set = new CoreSet(url, budget, maxConnections, onDrain, engine);
    forwardNodeEvents(this.set.default, this.events);
  }

  get connected(): boolean {
    return this.set.default.mux.connection !== null;
  }

  get subscriptionCount(): number {
    return this.set.default.subscriber.channelCount;
  }

  /** The shared connection for `protocol`, or the Error naming the budget when none is left. */
  #core(protocol: 2 | 3): ClientCore | Error {
    if (protocol === 2) return this.set.default;
    if (this.#resp3 !== undefined) return this.#resp3;
    const core = this.set.core(3, 0);
    if (!(core instanceof Error)) this.#resp3 = core;
    return core;
  }

  send(cmd: PendingCommand): void {
    const core = this.#core((cmd as WithProtocol).protocol ?? 2);
    if (core instanceof Error) {
      cmd.fail(core);
      return;
    }
    if (!core.mux.send(cmd)) this.#congestion.full = true;
  }

  sendAsking(cmd: PendingCommand): void {
    const core = this.#core((cmd as WithProtocol).protocol ?? 2);
    if (core instanceof Error) {
      cmd.fail(core);
      return;
    }
    core.mux.send(new BasicCommand({ args: ['ASKING'], reply() {}, fail() {} }));
    if (!core.mux.send(cmd)) this.#congestion.full = true;
  }

  takeWaiting(): PendingCommand[] {
    const waiting = this.set.default.mux.takeWaiting();
    if (this.#resp3 !== undefined) waiting.push(...this.#resp3.mux.takeWaiting());
    return waiting;
  }

  runBlocking(
    args: RespArg[],
    policy: CommandPolicy,
    transform: Transform | undefined,
    serverTimeoutMs: number | undefined,
  ): Promise<unknown> {
    return this.set.default.runBlocking(args, policy, transform, serverTimeoutMs);
  }

  withConnection<T, S extends string | Buffer>(
    fn: (connection: LeasedConnection<S>) => T | Promise<T>,
    policy: CommandPolicy,
    acquire: AcquireOptions,
  ): Promise<T> {
    return this.set.default.withConnection(fn, policy, acquire);
  }

  subscribe(
    kind: SubscribeKind,
    names: string | readonly string[],
    listener: MessageListener<string | Buffer>,
    buffers: boolean,
  ): Promise<Subscription> {
    return this.set.default.subscriber.subscribe(kind, names, listener, buffers);
  }

  stats(): ClientStats {
    return this.set.default.stats();
  }

  /**
   * `--cache`: the node's tracking core, made on first use (its slot taken from the budget);
   * undefined without the cache, or while the budget has no slot for it (reads go uncached).
   */
  tracking(): ClientCore | undefined {
    if (this.#cache === undefined || this.#closed) return undefined;
    const core = this.set.tracking(this.#cache);
    return core instanceof Error ? undefined : core;
  }

  cachedView(
    policy: CommandPolicy,
    fallback: MissFallback,
  ): CachedClient<string | Buffer> | undefined {
    const core = this.tracking();
    const cache = core?.cache;
    return core === undefined || cache === undefined
      ? undefined
      : new CachedClient(core, cache, policy, fallback);
  }

  flushCache(): void {
    this.#trackingCache()?.core.flush();
  }

  /** The node's cache counters, if it has a tracking core. */
  cacheStats(): CacheStats | undefined {
    return this.#trackingCache()?.stats();
  }

  #trackingCache(): TrackingCache | undefined {
    return this.set.trackingCore?.cache;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Each shared connection of the set holds a reserved slot of the budget for good; a node
    // the cluster no longer uses gives them back.
    const reserved = this.set.reservedSlots;
    await this.set.close();
    for (let i = 0; i < reserved; i++) this.#budget.unreserve();
  }

  destroy(): void {
    void this.close();
  }
}
