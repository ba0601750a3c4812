/**
 * `createCluster()`: the client API of `createClient()` over a Redis Cluster. Commands are
 * routed by slot (ClusterEngine); everything per node (multiplexing, leases, deadlines, retries,
 * reconnects) is a node's own ClientCore.
 *
 * Multi-key commands must keep their keys in one slot (use hash tags), except the splitting
 * helpers `mget`, `mset`, `del`, `exists`, `unlink`, which split their keys by slot, run the
 * parts in parallel and put the answers back in the caller's order. `multi()` needs one slot.
 */
import type { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import { functionArgument } from '../client/argument-guard.js';
import { type CallOptions, resolvePolicy } from '../client/call-options.js';
import type { LeaseOptions } from '../client/client.js';
import { ClientFacade } from '../client/client-facade.js';
import type { ScanOptions } from '../client/command-options.js';
import { CLUSTER_LEASE } from '../client/connection-state-guard.js';
import type { LeasedConnection } from '../client/leased-connection.js';
import { type CommandPolicy, PromiseCommand } from '../client/promise-command.js';
import type { Transform } from '../client/reply-transforms.js';
import type { FunctionLibrary } from '../client/script.js';
import type { ClientStats } from '../client/stats.js';
import type { MessageListener, SubscribeKind, Subscription } from '../client/subscriber.js';
import { prefixOne } from '../commands/key-prefix.js';
import { ClusterDownError, InvalidArgumentError, ReplyError } from '../errors.js';
import { type ClientScope, createClientScope } from '../metrics/client-scope.js';
import type { MetricsSource } from '../metrics/metrics-source.js';
import type { RespArg } from '../protocol/resp-types.js';
import { ClusterCachedClient, type ClusterCachedReads } from './cluster-cache.js';
import { ClusterEngine, type ClusterEvents } from './cluster-engine.js';
import { ClusterMulti } from './cluster-multi.js';
import { ClusterNode, type NodeRole } from './cluster-node.js';
import { type ClusterOptions, resolveClusterOptions } from './cluster-options.js';
import { ClusterPipeline } from './cluster-pipeline.js';
import { scanPrimaries } from './cluster-scan.js';
import type { NodeClientFactory } from './node-client.js';
import { parseRedirect } from './redirect.js';
import { keySlot } from './slot.js';
import { sumStats } from './sum-stats.js';

export { ClusterMulti } from './cluster-multi.js';

/** A point-in-time view of a cluster client. */
export interface ClusterStats {
  /** Every node's numbers added up. */
  readonly total: ClientStats;
  /** Per node, keyed `host:port`. */
  readonly nodes: Readonly<Record<string, ClientStats>>;
  /** Topology refreshes started, MOVED/ASK redirects followed, slots with a known owner. */
  readonly refreshes: number;
  readonly redirects: number;
  readonly slotsCovered: number;
  readonly shards: number;
}

export class RespoolCluster<S extends string | Buffer = string> extends ClientFacade<
  S,
  ClusterEvents
> {
  readonly #engine: ClusterEngine;
  readonly #policy: CommandPolicy;
  readonly #scope: ClientScope;
  /** The keyPrefix option: applied before routing, so the slot is the prefixed key's. */
  readonly #prefix: string | undefined;
  #cached: ClusterCachedReads<S> | undefined;

  /** @internal Use `createCluster()`. */
  constructor(engine: ClusterEngine, policy: CommandPolicy) {
    const seed = engine.options.seeds[0];
    // The server address in a trace is the first seed's: the node is only chosen when routed.
    const scope = createClientScope({
      clientId: engine.options.node.clientId,
      db: 0,
      host: seed?.host ?? '',
      port: seed?.port ?? 0,
      path: undefined,
    });
    super(policy, scope);
    this.#engine = engine;
    this.#policy = policy;
    this.#prefix = policy.keyPrefix;
    this.#scope = scope;
  }

  /** Identifies this client's diagnostics messages (shared by its node connections). */
  get clientId(): string {
    return this.#engine.options.node.clientId;
  }

  /** The `name` option, if any. */
  get clientName(): string | undefined {
    return this.#engine.options.node.name;
  }

  /**
   * This cluster as a source for `registerPrometheusMetrics` / `instrumentOpenTelemetry`: its
   * stats are the nodes' totals.
   */
  metricsSource(): MetricsSource {
    return {
      clientId: this.clientId,
      clientName: this.clientName,
      stats: () => this.stats().total,
    };
  }

  protected override _send(args: RespArg[], transform: Transform | undefined): Promise<unknown> {
    return this.#engine.router.run(args, this.#policy, transform);
  }

  protected override async _runBlocking(
    args: RespArg[],
    transform: Transform | undefined,
    serverTimeoutMs: number | undefined,
  ): Promise<unknown> {
    const e = this.#engine;
    const slot = e.router.slotOf(args);
    await e.ready();
    for (let attempt = 0; ; attempt++) {
      const node = e.nodeFor(slot, false);
      if (node === undefined) throw new ClusterDownError(`No node serves slot ${slot}`, false);
      try {
        return await node.runBlocking(args, this.#policy, transform, serverTimeoutMs);
      } catch (error) {
        // A blocking command refused with MOVED never ran: follow it once, like any command.
        const redirect = error instanceof ReplyError ? parseRedirect(error, '') : undefined;
        if (redirect === undefined || redirect.kind !== 'MOVED' || attempt >= 1) throw error;
        e.refresher.trigger(`MOVED ${redirect.slot}`);
        await e.refresher.now('MOVED on a blocking command').catch(() => undefined);
      }
    }
  }

  protected override get _exclusiveHint(): string {
    return CLUSTER_LEASE;
  }

  protected override get _emitter(): EventEmitter {
    return this.#engine.events as EventEmitter;
  }

  protected override get _leaks(): EventEmitter {
    return this.#engine.events as EventEmitter;
  }

  /**
   * SUBSCRIBE and PSUBSCRIBE: cluster-wide channels, on one node's connection. SSUBSCRIBE: shard
   * channels on the node serving their slot (all must share one). Each follows its node across
   * failovers and slot moves (docs/cluster.md, "Pub/sub").
   */
  protected override _subscribe(
    kind: SubscribeKind,
    names: string | readonly string[],
    listener: MessageListener<string | Buffer>,
  ): Promise<Subscription> {
    return this.#engine.subscriptions.subscribe(kind, names, listener, this.#policy.returnBuffers);
  }

  // ── splitting helpers: keys in many slots, answered in the caller's order ─────────────────
  override async mget(keys: readonly RespArg[]): Promise<(S | null)[]> {
    const groups = this.#groupBySlot(keys, 1);
    const answers = await Promise.all(
      groups.map((g) => this._cmd(['MGET', ...g.args], undefined) as Promise<(S | null)[]>),
    );
    // Put each slot's answers back where their keys were asked.
    const out = new Array<S | null>(keys.length);
    groups.forEach((g, gi) => {
      g.positions.forEach((position, j) => {
        out[position] = answers[gi]![j] ?? null;
      });
    });
    return out;
  }
  override async mset(
    entries: Record<string, RespArg> | readonly (readonly [RespArg, RespArg])[],
  ): Promise<S> {
    const flat: RespArg[] = Array.isArray(entries)
      ? (entries as readonly (readonly [RespArg, RespArg])[]).flat()
      : Object.entries(entries as Record<string, RespArg>).flat();
    await Promise.all(
      this.#groupBySlot(flat, 2).map((g) => this._cmd(['MSET', ...g.args], undefined)),
    );
    return 'OK' as S;
  }
  override del(...keys: RespArg[]): Promise<number> {
    return this.#sum('DEL', keys);
  }
  override exists(...keys: RespArg[]): Promise<number> {
    return this.#sum('EXISTS', keys);
  }
  override unlink(...keys: RespArg[]): Promise<number> {
    return this.#sum('UNLINK', keys);
  }

  async #sum(command: string, keys: readonly RespArg[]): Promise<number> {
    const counts = await Promise.all(
      this.#groupBySlot(keys, 1).map(
        (g) => this._cmd([command, ...g.args], undefined) as Promise<number>,
      ),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /**
   * Group `items` (keys, or key/value pairs when `stride` is 2) by slot: one command per slot,
   * with the caller's order kept inside each group (so repeated keys keep their last-write-wins
   * order), and for each group the positions its items had in the caller's list.
   */
  #groupBySlot(
    items: readonly RespArg[],
    stride: number,
  ): { args: RespArg[]; positions: number[] }[] {
    const groups = new Map<number, { args: RespArg[]; positions: number[] }>();
    const prefix = this.#prefix;
    for (let i = 0; i < items.length; i += stride) {
      // The group is sent through _cmd, which prefixes it: its slot is the prefixed key's.
      const slot = keySlot(prefix === undefined ? items[i]! : prefixOne(items[i]!, prefix));
      let group = groups.get(slot);
      if (group === undefined) {
        group = { args: [], positions: [] };
        groups.set(slot, group);
      }
      for (let j = 0; j < stride; j++) group.args.push(items[i + j]!);
      group.positions.push(i / stride);
    }
    return [...groups.values()];
  }

  /**
   * Every key of the cluster: SCAN walks each shard's primary in turn, one key at a time.
   *
   * The guarantee, with the topology changing during the walk: the shards are those of the
   * topology when the walk starts, each followed by its first slot. When a shard's primary
   * changes (failover), or its node is lost and a refresh names another, that shard's walk starts
   * again from cursor 0 on the new primary (a cursor is only valid on the server that issued
   * it), so its keys may repeat but none that stayed there is missed. Keys that migrate between
   * shards during the walk may be missed or repeated, and a shard added after the walk started is
   * not visited. Like SCAN: a key present for the whole walk, and not migrated, is returned at
   * least once.
   */
  override scanIterator(options: ScanOptions = {}): AsyncGenerator<S> {
    return scanPrimaries<S>(this.#engine, this.#policy, options);
  }

  /** A view with other per-call options (timeoutMs, idempotent, signal, returnBuffers). */
  /**
   * Reads answered from the nodes' client-side caches, each kept fresh by CLIENT TRACKING on its
   * node (docs/caching.md, cluster): `cluster.cached.get(k)`, `hgetall`, … and `sync()`.
   * @throws ERR_INVALID_ARGUMENT when the cluster was created without the `cache` option.
   */
  get cached(): ClusterCachedReads<S> {
    if (this.#engine.options.node.cache === undefined) {
      throw new InvalidArgumentError(
        'cluster.cached needs the cache option: createCluster({ cache: { maxEntries, maxBytes, ttlMs } })',
      );
    }
    this.#cached ??= new ClusterCachedClient<S>(this.#engine, this.#policy);
    return this.#cached;
  }

  withOptions(options: CallOptions<true>): RespoolCluster<Buffer>;
  withOptions(options: CallOptions<false>): RespoolCluster<string>;
  withOptions(options: CallOptions): RespoolCluster<string | Buffer>;
  withOptions(options: CallOptions): RespoolCluster<string | Buffer> {
    return new RespoolCluster(this.#engine, resolvePolicy(options, this.#policy));
  }

  /** MULTI…EXEC on the node serving the slot all its keys share (ERR_CROSS_SLOT otherwise). */
  multi(): ClusterMulti<S> {
    return new ClusterMulti<S>(this.#engine, {
      returnBuffers: this.#policy.returnBuffers,
      timeoutMs: this.#policy.timeoutMs,
      scope: this.#scope,
      keyPrefix: this.#prefix,
      leaseHint: CLUSTER_LEASE,
    });
  }

  /**
   * Commands routed one by one (batched per node by auto-pipelining); results per slot. Script
   * objects run as on the client (EVALSHA, then EVAL on the node that answered NOSCRIPT).
   */
  pipeline(): ClusterPipeline<S> {
    return new ClusterPipeline<S>({
      command: (args, transform) => this._cmd(args, transform),
      script: (script, keys, args) => this.runScript(script, keys, args),
      fn: (library, name, keys, args, readOnly) =>
        this.runFunction(library, name, keys, args, { readOnly }),
    });
  }

  /** FUNCTION LOAD REPLACE on the primary serving the first key's slot (slot 0 without keys). */
  protected override async _loadLibrary(
    library: FunctionLibrary,
    keys: readonly RespArg[],
  ): Promise<unknown> {
    const e = this.#engine;
    await e.ready();
    // `keys` are the caller's: the FCALL that missed was sent with them prefixed.
    const first = keys[0];
    const slot =
      first === undefined
        ? 0
        : keySlot(this.#prefix === undefined ? first : prefixOne(first, this.#prefix));
    const node = e.nodeFor(slot, false);
    if (node === undefined) throw new ClusterDownError(`No node serves slot ${slot}`, false);
    const load = ['FUNCTION', 'LOAD', 'REPLACE', library.code];
    return new PromiseCommand(load, this.#policy, undefined, e.counters, undefined).start(node);
  }

  /** An exclusive connection to the node serving `key`'s slot, for WATCH/MULTI/EXEC and the like. */
  async withConnection<T>(
    key: RespArg,
    fn: (connection: LeasedConnection<S>) => T | Promise<T>,
    options: LeaseOptions = {},
  ): Promise<T> {
    functionArgument(fn, 'withConnection', 'fn');
    const e = this.#engine;
    await e.ready();
    const routed = this.#prefix === undefined ? key : prefixOne(key, this.#prefix);
    const node = e.nodeFor(keySlot(routed), false);
    if (node === undefined)
      throw new ClusterDownError(`No node serves the slot of ${String(key)}`, false);
    return node.withConnection(fn, this.#policy, {
      signal: options.signal,
      timeoutMs: options.acquireTimeoutMs,
    });
  }

  /**
   * The cluster's nodes as clients with the full typed API, to run a command on each:
   * `for (const n of await cluster.nodes('primary')) await n.dbsize()`. `'primary'` (default),
   * `'replica'` or `'all'`, as the current topology has them (loaded first if need be). Each
   * shares the cluster's connection to its node and sends there unrouted; the cluster keeps
   * the node open while the topology lists it, and closing the cluster closes them.
   * @throws InvalidArgumentError for another role.
   */
  async nodes(role: NodeRole = 'primary'): Promise<ClusterNode<S>[]> {
    if (role !== 'primary' && role !== 'replica' && role !== 'all') {
      throw new InvalidArgumentError(
        `nodes(role): expected 'primary', 'replica' or 'all', got ${String(role)}`,
      );
    }
    const e = this.#engine;
    await e.ready();
    const shards = e.topology?.shards ?? [];
    const picked = [
      ...(role === 'replica' ? [] : shards.map((s) => ({ info: s.primary, primary: true }))),
      ...(role === 'primary'
        ? []
        : shards.flatMap((s) => s.replicas.map((info) => ({ info, primary: false })))),
    ];
    return picked.map(
      ({ info, primary }) =>
        new ClusterNode<S>(
          e.registry.pin(info),
          primary ? 'primary' : 'replica',
          this.#policy,
          e.counters,
          this.clientId,
        ),
    );
  }

  /** Load the topology now (otherwise it loads on the first command). */
  ready(): Promise<void> {
    return this.#engine.ready();
  }

  /**
   * Reload the topology now (or join the refresh in flight), past the cooldown; rejects when no
   * node answered. Rarely needed: MOVED, lost nodes and the periodic check refresh it.
   */
  refreshTopology(): Promise<void> {
    return this.#engine.refresher.now('asked by the application');
  }

  stats(): ClusterStats {
    const e = this.#engine;
    const nodes: Record<string, ClientStats> = {};
    for (const [address, node] of e.nodes) nodes[address] = node.stats();
    const total = sumStats(Object.values(nodes));
    return Object.freeze({
      total: Object.freeze({
        ...total,
        // The cluster-wide cap, when there is one, is the budget that matters.
        maxConnections:
          e.options.maxConnectionsTotal > 0 ? e.options.maxConnectionsTotal : total.maxConnections,
        errorReplies: total.errorReplies + e.counters.errorReplies,
        commandsFailed: total.commandsFailed + e.counters.commandsFailed,
        retries: total.retries + e.counters.retries,
      }),
      nodes: Object.freeze(nodes),
      refreshes: e.refresher.count,
      redirects: e.redirects.count,
      slotsCovered: e.topology?.coveredSlots ?? 0,
      shards: e.topology?.shards.length ?? 0,
    });
  }

  close(): Promise<void> {
    return this.#engine.close();
  }

  destroy(): void {
    this.#engine.destroy();
  }

  [inspect.custom](): string {
    const s = this.stats();
    return `RespoolCluster { shards: ${s.shards}, nodes: ${Object.keys(s.nodes).length}, slotsCovered: ${s.slotsCovered}, open: ${s.total.open}, closed: ${this.#engine.closed} }`;
  }
}

/**
 * Create a cluster client. The topology loads on the first command (or `ready()`), from the
 * seeds, tried in turn.
 * @throws InvalidArgumentError synchronously for invalid options.
 */
export function createCluster(options: ClusterOptions): RespoolCluster;
/** @internal Inject the node clients (tests use fakes). */
export function createCluster(options: ClusterOptions, factory: NodeClientFactory): RespoolCluster;
export function createCluster(
  options: ClusterOptions,
  factory?: NodeClientFactory,
): RespoolCluster {
  const resolved = resolveClusterOptions(options);
  const policy: CommandPolicy = Object.freeze({
    returnBuffers: resolved.node.returnBuffers,
    timeoutMs: resolved.node.commandTimeoutMs,
    idempotent: false,
    signal: undefined,
    keyPrefix: resolved.node.keyPrefix,
  });
  return new RespoolCluster(new ClusterEngine(resolved, factory), policy);
}
