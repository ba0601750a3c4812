/**
 * The cluster's node clients, one per `host:port`, made on first use through the injected
 * NodeClientFactory, and the budget they share (maxConnectionsTotal). After each refresh, nodes
 * that serve no traffic are retired: what they still hold unwritten is handed back for routing,
 * and they are closed unless they hold subscriptions.
 */
import { EventEmitter } from 'node:events';
import type { PendingCommand } from '../connection/pending-command.js';
import { SharedBudget } from '../pool/shared-budget.js';
import { nodeOptions, type ResolvedClusterOptions } from './cluster-options.js';
import type { NodeClient, NodeClientEvents, NodeClientFactory } from './node-client.js';

/** What the registry reports about any of its nodes. */
export interface NodeRegistryEvents {
  /** A node could not be reached: the topology may be stale. */
  unreachable: [node: NodeClient, error: Error];
  leak: NodeClientEvents['leak'];
  subscriptionsDropped: [node: NodeClient, ...NodeClientEvents['subscriptionsDropped']];
  subscriberLost: [node: NodeClient, error: Error];
  subscriberRestored: [node: NodeClient];
}

export class NodeRegistry {
  readonly events = new EventEmitter<NodeRegistryEvents>();
  readonly #options: ResolvedClusterOptions;
  readonly #factory: NodeClientFactory;
  readonly #nodes = new Map<string, NodeClient>();
  /** Nodes handed to the application (`cluster.nodes()`): kept while the topology lists them. */
  readonly #pinned = new Set<string>();
  /**
   * maxConnectionsTotal across nodes. Each open multiplexed connection holds a reserved slot
   * (without it the node cannot be reached at all); leases share what is left.
   */
  readonly #budget: SharedBudget | undefined;

  constructor(options: ResolvedClusterOptions, factory: NodeClientFactory) {
    this.#options = options;
    this.#factory = factory;
    this.#budget =
      options.maxConnectionsTotal > 0 ? new SharedBudget(options.maxConnectionsTotal) : undefined;
  }

  /** Every node client made so far (and not retired), by address. */
  get all(): ReadonlyMap<string, NodeClient> {
    return this.#nodes;
  }

  /** The client of the node at `info`, made on first use. */
  get(info: { readonly host: string; readonly port: number }): NodeClient {
    const address = `${info.host}:${info.port}`;
    const known = this.#nodes.get(address);
    if (known !== undefined) return known;
    const o = this.#options;
    const node = this.#factory(nodeOptions(o, info.host, info.port), this.#budget, {
      // With reads from replicas, every node's connections send READONLY: harmless on a
      // primary, and roles change.
      readOnly: o.readFrom !== 'primary',
    });
    const budget = this.#budget;
    if (budget !== undefined) {
      // Reserved while the node's multiplexed connection is up, not per node client: clients
      // made only to ask a replica or a seed for the topology must not eat the leases' share.
      node.events.on('ready', () => budget.reserve());
      node.events.on('close', () => budget.unreserve());
    }
    const events = this.events;
    node.events.on('unreachable', (error) => events.emit('unreachable', node, error));
    node.events.on('leak', (info) => events.emit('leak', info));
    node.events.on('subscriptionsDropped', (kind, names) =>
      events.emit('subscriptionsDropped', node, kind, names),
    );
    node.events.on('subscriberLost', (error) => events.emit('subscriberLost', node, error));
    node.events.on('subscriberRestored', () => events.emit('subscriberRestored', node));
    this.#nodes.set(address, node);
    return node;
  }

  /** As get(), and kept open while the topology lists the node, serving or not. */
  pin(info: { readonly host: string; readonly port: number }): NodeClient {
    const node = this.get(info);
    this.#pinned.add(node.address);
    return node;
  }

  /**
   * Keep the nodes in `serving`, and pinned ones the topology still lists (`known`); from every
   * other, take back its unwritten commands (given to
   * `reroute`), and close it unless it holds subscriptions (classic pub/sub reaches every node,
   * a demoted primary included: closing it would end them without a word).
   */
  retain(
    serving: ReadonlySet<string>,
    known: ReadonlySet<string>,
    reroute: (cmd: PendingCommand) => void,
  ): void {
    for (const address of this.#pinned) if (!known.has(address)) this.#pinned.delete(address);
    for (const [address, node] of this.#nodes) {
      if (serving.has(address) || this.#pinned.has(address)) continue;
      for (const cmd of node.takeWaiting()) reroute(cmd);
      if (node.subscriptionCount > 0) continue;
      this.#nodes.delete(address);
      // Graceful: replies still owed (the topology answer itself, say) arrive first.
      void node.close();
    }
  }

  close(): Promise<void> {
    return Promise.all([...this.#nodes.values()].map((n) => n.close())).then(() => undefined);
  }

  destroy(): void {
    for (const node of this.#nodes.values()) node.destroy();
  }
}
