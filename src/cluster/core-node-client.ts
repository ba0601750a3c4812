/**
 * The NodeClient the cluster uses in production: an adapter over the client's ClientCore (one
 * multiplexed connection, a lease pool under maxConnections, a subscriber), so every node
 * behaves as a `createClient()` to it would, and the cluster sees only the NodeClient face.
 */
import { EventEmitter } from 'node:events';
import { CachedClient, type MissFallback } from '../client/cached-client.js';
import { ClientCore } from '../client/client-core.js';
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
import type {
  NodeClient,
  NodeClientEvents,
  NodeClientFactory,
  NodeSettings,
} from './node-client.js';

export class CoreNodeClient implements NodeClient {
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly events = new EventEmitter<NodeClientEvents>();
  readonly #core: ClientCore;

  constructor(
    options: ResolvedClientOptions,
    budget: SharedBudget | undefined,
    settings: NodeSettings,
  ) {
    this.host = options.host;
    this.port = options.port;
    this.address = `${options.host}:${options.port}`;
    const core = new ClientCore(options, undefined, budget, undefined, {
      readOnly: settings.readOnly,
    });
    this.#core = core;
    forwardNodeEvents(core, this.events);
  }

  get connected(): boolean {
    return this.#core.mux.connection !== null;
  }

  get subscriptionCount(): number {
    return this.#core.subscriber.channelCount;
  }

  send(cmd: PendingCommand): void {
    this.#core.mux.send(cmd);
  }

  takeWaiting(): PendingCommand[] {
    return this.#core.mux.takeWaiting();
  }

  runBlocking(
    args: RespArg[],
    policy: CommandPolicy,
    transform: Transform | undefined,
    serverTimeoutMs: number | undefined,
  ): Promise<unknown> {
    return this.#core.runBlocking(args, policy, transform, serverTimeoutMs);
  }

  withConnection<T, S extends string | Buffer>(
    fn: (connection: LeasedConnection<S>) => T | Promise<T>,
    policy: CommandPolicy,
    acquire: AcquireOptions,
  ): Promise<T> {
    return this.#core.withConnection(fn, policy, acquire);
  }

  subscribe(
    kind: SubscribeKind,
    names: string | readonly string[],
    listener: MessageListener<string | Buffer>,
    buffers: boolean,
  ): Promise<Subscription> {
    return this.#core.subscriber.subscribe(kind, names, listener, buffers);
  }

  stats(): ClientStats {
    return this.#core.stats();
  }

  cachedView(
    policy: CommandPolicy,
    fallback: MissFallback,
  ): CachedClient<string | Buffer> | undefined {
    const cache = this.#core.cache;
    return cache === undefined ? undefined : new CachedClient(this.#core, cache, policy, fallback);
  }

  flushCache(): void {
    this.#core.cache?.core.flush();
  }

  close(): Promise<void> {
    return this.#core.close();
  }

  destroy(): void {
    this.#core.destroy();
  }
}

export const createCoreNodeClient: NodeClientFactory = (options, budget, settings) =>
  new CoreNodeClient(options, budget, settings);

/**
 * What the cluster hears of a node: its client core's connection, lease and subscriber events,
 * under the NodeClient names. Every NodeClient built on a ClientCore forwards them this way.
 */
export function forwardNodeEvents(core: ClientCore, events: EventEmitter<NodeClientEvents>): void {
  core.events.on('ready', () => events.emit('ready'));
  core.events.on('close', () => events.emit('close'));
  core.events.on('reconnecting', (e) => {
    if (e.error !== undefined) events.emit('unreachable', e.error);
  });
  core.pool.on('leak', (info) => events.emit('leak', info));
  const subscriber = core.subscriber.events;
  subscriber.on('dropped', (kind, names) => events.emit('subscriptionsDropped', kind, names));
  subscriber.on('lost', (error) => events.emit('subscriberLost', error));
  subscriber.on('restored', () => events.emit('subscriberRestored'));
}
