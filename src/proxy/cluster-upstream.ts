/**
 * A Redis Cluster behind the proxy, driven by the cluster engine (src/cluster/): its topology
 * source (single-flight refresh, cooldown, jitter), router (slot → node, parking while no node
 * serves a slot), redirect handler (MOVED, ASK, TRYAGAIN, CLUSTERDOWN) and node registry, over
 * node clients that are the proxy's own (`ProxyNodeClient`: a `CoreSet` per node). Clients see
 * one ordinary server:
 *
 * - a command with keys goes to its slot's primary; MOVED and ASK are followed inside
 *   (`ClusterRelay`) and never reach the client;
 * - MGET/MSET/DEL/UNLINK/EXISTS/TOUCH over several slots are split per slot and their raw
 *   replies merged in the client's key order (`fanout`); other commands with keys in different
 *   slots get Redis's CROSSSLOT error;
 * - DBSIZE, KEYS, FLUSHALL, FLUSHDB, SCRIPT LOAD/FLUSH… go to every primary and are merged;
 *   SCAN walks every primary behind one cursor; commands with no meaning across nodes are
 *   refused naming the command (`fanout/refusals.ts`); other keyless commands go to the primary
 *   of slot 0;
 * - WATCH/MULTI and blocking commands lease a connection on the node of their first key
 *   (`ClusterLease`); pub/sub goes through the engine's cluster subscriptions.
 *
 * Budget: `maxConnections` is the total over every node, as for shards: the number an operator
 * sizes is "connections this proxy opens", and a cluster that grows (resharding onto a new
 * primary) must not grow it. Each primary in use holds one shared connection of it for good;
 * leases and the subscriber share the rest. So it must be at least primaries + 1. With
 * `--cache`, each primary also holds its tracking connection for good (`cluster.cached` over
 * these same nodes), so it must be at least 2 × primaries + 1, checked at start-up.
 */
import type { CacheOptions } from '../cache/cache-options.js';
import type { CacheStats } from '../cache/tracking-cache.js';
import { defaultPolicy } from '../client/client.js';
import { parseRedisUrl } from '../client/options.js';
import { ClusterCachedClient } from '../cluster/cluster-cache.js';
import { ClusterEngine } from '../cluster/cluster-engine.js';
import { resolveClusterOptions } from '../cluster/cluster-options.js';
import { keySlot } from '../cluster/slot.js';
import type { Topology } from '../cluster/topology.js';
import { getKeyIndexes } from '../commands/keys.js';
import type { PendingCommand } from '../connection/pending-command.js';
import { InvalidArgumentError } from '../errors.js';
import { SharedBudget } from '../pool/shared-budget.js';
import { encodeCommand } from '../protocol/encoder.js';
import { ClusterLease, type LeaseBinder } from './cluster-lease.js';
import { type Congestion, ProxyNodeClient } from './cluster-node-client.js';
import { ClusterRelay, type RelayHost } from './cluster-relay.js';
import type { CoreSet, CoreSetStats, EngineOptions } from './core-set.js';
import { answerLater } from './deferred-lease.js';
import { Gather } from './fanout/gather.js';
import {
  type FanoutContext,
  mergeAllNodes,
  mergeMultiKey,
  planFanout,
  rewriteScanReply,
} from './fanout/index.js';
import { errorFrame } from './fanout/reply-frames.js';
import { type ProxyCacheBackend, sumCacheStats } from './proxy-cache.js';
import { PubSubHub } from './pubsub-hub.js';
import {
  KeyRoutedPath,
  type Lease,
  type SharedPath,
  type Upstream,
  UpstreamBase,
  type UpstreamStats,
} from './upstream.js';

export interface ClusterUpstreamOptions {
  /** Seed nodes, `redis://[user:pass@]host:port`; any reachable node will do. */
  readonly nodes: readonly string[];
  /** Upstream connections to all nodes together, never more. */
  readonly maxConnections: number;
  /** Extra engine options for every node's connections (timeouts, TLS). */
  readonly client?: EngineOptions | undefined;
  /** `--cache`: each node's tracking cache bounds; its connection counts in `maxConnections`. */
  readonly cache?: CacheOptions | undefined;
}

export class ClusterUpstream extends UpstreamBase implements Upstream {
  readonly routesByKey = true;
  readonly maxConnections: number;
  readonly hub: PubSubHub;
  readonly engine: ClusterEngine;
  readonly cache: ProxyCacheBackend | undefined;
  readonly #congestion: Congestion = { full: false };
  readonly #paths: [KeyRoutedPath, KeyRoutedPath];
  readonly #context: FanoutContext;
  readonly #relayHost: RelayHost;
  #primariesOf: Topology | undefined;
  #primaries: ProxyNodeClient[] = [];

  constructor(options: ClusterUpstreamOptions) {
    super();
    this.maxConnections = options.maxConnections;
    if (options.nodes.length === 0) {
      throw new InvalidArgumentError('Invalid option "cluster.nodes": give at least one seed URL');
    }
    const budget = new SharedBudget(options.maxConnections);
    // Credentials and TLS come with the first seed, as for createCluster; never put in URLs.
    const seed = parseRedisUrl(options.nodes[0]!);
    const engineOptions: EngineOptions = { ...options.client };
    if (seed.username !== undefined) Object.assign(engineOptions, { username: seed.username });
    if (seed.password !== undefined) Object.assign(engineOptions, { password: seed.password });
    if (seed.tls === true) Object.assign(engineOptions, { tls: true });
    // With `cache`, the engine empties a node's cache when slots move away from it.
    const resolved = resolveClusterOptions({
      nodes: options.nodes,
      maxConnectionsTotal: 0,
      ...(options.cache === undefined ? {} : { cache: options.cache }),
    });
    this.engine = new ClusterEngine(
      resolved,
      (node) =>
        new ProxyNodeClient(
          node.host,
          node.port,
          budget,
          options.maxConnections,
          this.notifyDrain,
          this.#congestion,
          engineOptions,
          options.cache,
        ),
    );
    this.cache = options.cache === undefined ? undefined : this.#cacheBackend();
    this.hub = new PubSubHub(this.engine.subscriptions);
    this.#paths = [new KeyRoutedPath(this, 2), new KeyRoutedPath(this, 3)];
    const upstream = this;
    this.#context = {
      shape: 'cluster',
      targetOf: keySlot,
      get nodeCount() {
        return upstream.#primaryNodes().length;
      },
      keysOf: (args) => getKeyIndexes(args),
    };
    this.#relayHost = {
      onServerError: this.engine.redirects.onServerError,
      dispatch: this.engine.router.dispatch,
    };
  }

  /** `cluster.cached` over the proxy's own nodes: each node's view is its tracking core's. */
  #cacheBackend(): ProxyCacheBackend {
    const policy = { ...defaultPolicy(this.engine.options.node), returnBuffers: true };
    const view = new ClusterCachedClient<Buffer>(this.engine, policy);
    return {
      call: (...args) => view.call(...args),
      sync: () => view.sync(),
      peek: (name, key) => view.peek(name, key),
      stats: () => sumCacheStats(this.#nodeCacheStats()),
    };
  }

  *#nodeCacheStats(): Generator<CacheStats> {
    for (const node of this.engine.nodes.values()) {
      const s = (node as ProxyNodeClient).cacheStats();
      if (s !== undefined) yield s;
    }
  }

  protected async versionSource(): Promise<CoreSet> {
    await this.engine.ready();
    const primaries = this.#primaryNodes();
    const perPrimary = this.cache === undefined ? 1 : 2;
    const needed = perPrimary * primaries.length + 1;
    if (this.maxConnections < needed) {
      throw new InvalidArgumentError(
        `Invalid option "maxConnections" (--max-connections): ${this.maxConnections} is too few for a cluster of ${primaries.length} primaries${this.cache === undefined ? '' : ' with --cache'}; it needs at least ${needed} (one shared connection${this.cache === undefined ? '' : ' and one cache tracking connection'} per primary, plus one for leases and pub/sub)`,
      );
    }
    // Each primary's tracking connection takes its slot now, before clients compete for them,
    // and is up (tracking on) before the first read.
    if (this.cache !== undefined) {
      await Promise.all(primaries.map((node) => node.tracking()?.mux.connect()));
    }
    return primaries[0]!.set;
  }

  /** The primaries, in a stable order (by address): fan-out and SCAN's node indexes. */
  #primaryNodes(): ProxyNodeClient[] {
    const topology = this.engine.topology;
    if (topology === undefined) return [];
    if (topology !== this.#primariesOf) {
      const addresses = new Map(topology.shards.map((s) => [s.primary.address, s.primary]));
      this.#primaries = [...addresses.values()]
        .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
        .map((info) => this.engine.registry.get(info) as ProxyNodeClient);
      this.#primariesOf = topology;
    }
    return this.#primaries;
  }

  shared(protocol: 2 | 3, db: number): SharedPath | Error {
    if (db !== 0) return new Error('SELECT is not allowed in cluster mode');
    return this.#paths[protocol - 2]!;
  }

  /** Route one client command (its `args` are the whole argument vector). */
  route(cmd: PendingCommand, protocol: 2 | 3): boolean {
    const args = cmd.args as Buffer[];
    const plan = planFanout(args, this.#context);
    switch (plan.kind) {
      case 'refuse':
        answerLater(cmd, plan.reply);
        return true;
      case 'route': {
        const keys = getKeyIndexes(args);
        const slot = keys.length > 0 ? keySlot(args[keys[0]!]!) : -1;
        return this.#relay(cmd, args, cmd.frame ?? encodeCommand(args), slot, protocol);
      }
      case 'split': {
        const { subs } = plan.plan;
        if (subs.length === 1) {
          return this.#relay(
            cmd,
            args,
            cmd.frame ?? encodeCommand(args),
            subs[0]!.target,
            protocol,
          );
        }
        const gather = new Gather(cmd, subs.length, (replies) => mergeMultiKey(plan.plan, replies));
        let ok = true;
        subs.forEach((sub, i) => {
          const part = gather.part(i, sub.args, encodeCommand(sub.args));
          ok = this.#relay(part, sub.args, part.frame, sub.target, protocol) && ok;
        });
        return ok;
      }
      case 'all': {
        // Replies to these commands are the same bytes in RESP2 and RESP3 (integers, +OK, bulk
        // strings, arrays of them), so they go on each primary's RESP2 connection.
        const nodes = this.#primaryNodes();
        const gather = new Gather(cmd, nodes.length, (replies) =>
          mergeAllNodes(plan.merge, replies),
        );
        const frame = cmd.frame ?? encodeCommand(args);
        this.#congestion.full = false;
        for (let i = 0; i < nodes.length; i++) nodes[i]!.send(gather.part(i, args, frame));
        return !this.#congestion.full;
      }
      case 'scan': {
        const nodes = this.#primaryNodes();
        const count = nodes.length;
        const gather = new Gather(cmd, 1, (replies) =>
          rewriteScanReply(replies[0]!, plan.node, count),
        );
        this.#congestion.full = false;
        nodes[plan.node]!.send(gather.part(0, plan.args as Buffer[], encodeCommand(plan.args)));
        return !this.#congestion.full;
      }
    }
  }

  #relay(
    target: PendingCommand,
    args: readonly Buffer[],
    frame: Buffer,
    slot: number,
    protocol: 2 | 3,
  ): boolean {
    const relay = new ClusterRelay(target, args, frame, slot, protocol, this.#relayHost);
    this.#congestion.full = false;
    try {
      this.engine.router.dispatch(relay);
    } catch (error) {
      // The router refuses a command whose keys (and key-like arguments) span slots.
      answerLater(target, errorFrame(`CROSSSLOT ${(error as Error).message}`));
      return true;
    }
    return !this.#congestion.full;
  }

  lease(protocol: 2 | 3, db: number, timeoutMs: number, key?: Buffer): Promise<Lease> {
    if (db !== 0) return Promise.reject(new Error('SELECT is not allowed in cluster mode'));
    const engine = this.engine;
    const totals = (): CoreSetStats => this.#totals();
    const binder: LeaseBinder = {
      bind: (slot) => this.#leaseOn(slot, protocol, timeoutMs),
      bindTo: (host, port) =>
        (engine.registry.get({ host, port }) as ProxyNodeClient).set.lease(
          protocol,
          0,
          timeoutMs,
          totals,
        ),
      moved: (slot, host, port) =>
        engine.source.patchSlot(slot, { address: `${host}:${port}`, host, port, id: undefined }),
      hostOf: (slot) => engine.topology?.primaryFor(Math.max(slot, 0))?.host ?? '127.0.0.1',
      // One command, in order with the lease's others: congestion is the shared path's to hold.
      relay: (cmd) => void this.#paths[protocol - 2]!.send(cmd),
    };
    if (key === undefined) return Promise.resolve(new ClusterLease(binder, -1));
    const slot = keySlot(key);
    return binder.bind(slot).then((inner) => new ClusterLease(binder, slot, inner));
  }

  async #leaseOn(slot: number, protocol: 2 | 3, timeoutMs: number): Promise<Lease> {
    await this.engine.ready();
    const node = this.engine.nodeFor(slot, false) as ProxyNodeClient | undefined;
    if (node === undefined) {
      this.engine.refresh(`slot ${slot} unserved`);
      throw new Error(`no cluster node serves slot ${slot} right now; retry shortly`);
    }
    return node.set.lease(protocol, 0, timeoutMs, () => this.#totals());
  }

  #sets(): CoreSet[] {
    return [...this.engine.nodes.values()].map((n) => (n as ProxyNodeClient).set);
  }

  #totals(): CoreSetStats {
    const into = { connections: 0, leased: 0, idle: 0 };
    for (const set of this.#sets()) set.stats(into);
    return into;
  }

  stats(): UpstreamStats {
    let leaseWaits = 0;
    let leaseTimeouts = 0;
    let sharedPaths = 0;
    for (const set of this.#sets()) {
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
    await this.engine.close();
  }
}
