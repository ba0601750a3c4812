/**
 * What every view of one cluster client shares, put together from its parts: the node registry
 * (one NodeClient per node, made by the injected factory, under maxConnectionsTotal), the
 * topology source (the snapshot and the one path that refreshes it), the router (slot → node,
 * parking) and the redirect handler (MOVED, ASK, LOADING, CLUSTERDOWN, TRYAGAIN), and the
 * cluster's subscriptions, which follow their channel's owner.
 *
 * A lost connection is retried on the same node, by that node's own rules (never on a random
 * node). When a refresh shows a node no longer serving slots, commands still waiting for it are
 * routed again.
 */
import { EventEmitter } from 'node:events';
import { type ClientCounters, createCounters } from '../client/stats.js';
import { ClientClosedError } from '../errors.js';
import { CacheSlotWatch } from './cluster-cache.js';
import type { ResolvedClusterOptions } from './cluster-options.js';
import { ClusterSubscriptions, type SubscriptionEvents } from './cluster-subscriptions.js';
import { createCoreNodeClient } from './core-node-client.js';
import type { NodeClient, NodeClientFactory } from './node-client.js';
import { NodeRegistry } from './node-registry.js';
import { RedirectHandler } from './redirect-handler.js';
import type { TopologyRefresher } from './refresher.js';
import { Router } from './router.js';
import type { Topology } from './topology.js';
import { TopologySource, type TopologySourceEvents } from './topology-source.js';

export interface ClusterEvents extends SubscriptionEvents {
  /** A topology refresh finished (`error` set when no node could answer). */
  refresh: TopologySourceEvents['refresh'];
  /** A lease on some node was held longer than leakWarningMs. */
  leak: [info: { heldMs: number; stack: string }];
}

export class ClusterEngine {
  readonly options: ResolvedClusterOptions;
  readonly events = new EventEmitter<ClusterEvents>();
  /** Counters of commands routed through the cluster (error replies, failures, retries). */
  readonly counters: ClientCounters = createCounters();
  readonly registry: NodeRegistry;
  readonly source: TopologySource;
  readonly router: Router;
  readonly redirects: RedirectHandler;
  readonly subscriptions: ClusterSubscriptions;
  #closed = false;
  /** With the cache option: empties a node's cache when slots move away from it. */
  readonly #cacheWatch: CacheSlotWatch | undefined;

  constructor(options: ResolvedClusterOptions, factory: NodeClientFactory = createCoreNodeClient) {
    this.options = options;
    const replicaReads = options.readFrom !== 'primary';
    const registry = new NodeRegistry(options, factory);
    const source = new TopologySource(options, registry);
    const engine = this;
    this.redirects = new RedirectHandler({
      maxRedirects: options.maxRedirects,
      replicaReads,
      hostOf: (slot) =>
        source.current?.primaryFor(slot === -1 ? 0 : slot)?.host ??
        options.seeds[0]?.host ??
        '127.0.0.1',
      node: (info) => registry.get(info),
      moved: (slot, node) => {
        this.#cacheWatch?.moved(slot, node);
        source.patchSlot(slot, node);
      },
      refresh: (reason, urgent) => source.refresher.trigger(reason, urgent),
      dispatch: (cmd) => this.router.dispatch(cmd),
    });
    this.router = new Router({
      replicaReads,
      counters: this.counters,
      topology: () => source.current,
      node: (info) => registry.get(info),
      refresh: (reason, urgent) => source.refresher.trigger(reason, urgent),
      get closed() {
        return engine.#closed;
      },
      // Not crypto's randomInt: this runs per read, and which replica serves it is no secret.
      randomIndex: (bound) => Math.floor(Math.random() * bound),
      onServerError: this.redirects.onServerError,
    });
    this.registry = registry;
    this.source = source;
    this.subscriptions = new ClusterSubscriptions(this, this.events);

    source.events.on('refresh', (info) => this.events.emit('refresh', info));
    source.events.on('failed', (error) => this.router.failParked(error));
    this.#cacheWatch = options.node.cache === undefined ? undefined : new CacheSlotWatch(this);
    source.events.on('applied', (topology) => {
      this.#cacheWatch?.applied(topology);
      this.#applied(topology);
    });
    registry.events.on('unreachable', (node) =>
      source.refresher.trigger(`node ${node.address} unreachable`),
    );
    registry.events.on('leak', (info) => this.events.emit('leak', info));
  }

  get topology(): Topology | undefined {
    return this.source.current;
  }

  get refresher(): TopologyRefresher {
    return this.source.refresher;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Every node client in use, by address. */
  get nodes(): ReadonlyMap<string, NodeClient> {
    return this.registry.all;
  }

  /** Ask for a refresh now, past the jitter (still after the cooldown). */
  refresh(reason: string): void {
    this.source.refresher.trigger(reason, true);
  }

  /** Load the first topology from the seeds, trying each; resolves when one answered. */
  ready(): Promise<void> {
    return this.source.ready();
  }

  /** The node serving `slot` (a replica for reads when configured), if the topology has one. */
  nodeFor(slot: number, readOnly: boolean): NodeClient | undefined {
    return this.router.nodeFor(slot, readOnly);
  }

  #applied(topology: Topology): void {
    // The nodes that get traffic: primaries, plus replicas when reads may go to them. A client
    // made only to ask a seed or a replica for the topology is closed, so the cluster holds one
    // multiplexed connection per serving node, not one per node it ever spoke to.
    const serving = new Set(
      (this.options.readFrom === 'primary'
        ? topology.shards.map((s) => s.primary)
        : topology.nodes()
      ).map((n) => n.address),
    );
    const known = new Set(topology.nodes().map((n) => n.address));
    this.registry.retain(serving, known, (cmd) => this.router.reroute(cmd));
    this.router.routeParked();
    this.subscriptions.follow('topology changed');
  }

  async close(): Promise<void> {
    this.#stop(
      new ClientClosedError('The cluster client closed before a node could serve this command'),
    );
    this.subscriptions.close();
    await this.registry.close();
  }

  destroy(): void {
    this.#stop(new ClientClosedError('The cluster client was destroyed'));
    this.subscriptions.close();
    this.registry.destroy();
  }

  #stop(error: Error): void {
    this.#closed = true;
    this.source.stop();
    this.router.stop(error);
  }
}
