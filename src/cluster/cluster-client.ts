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
import { Multi } from '../client/batch.js';
import { type CallOptions, resolvePolicy } from '../client/call-options.js';
import type { LeaseOptions } from '../client/client.js';
import { CommandApi, type Out } from '../client/command-api.js';
import type { ScanOptions } from '../client/command-options.js';
import { CLUSTER_LEASE, sharedConnectionRefusal } from '../client/connection-state-guard.js';
import type { LeasedConnection } from '../client/leased-connection.js';
import { type CommandPolicy, PromiseCommand } from '../client/promise-command.js';
import type { Transform } from '../client/reply-transforms.js';
import type { FunctionLibrary } from '../client/script.js';
import type { ClientStats } from '../client/stats.js';
import type { MessageListener, Subscription } from '../client/subscriber.js';
import { blockingTimeoutMs, isBlocking } from '../commands/classify.js';
import { prefixKeys, prefixOne } from '../commands/key-prefix.js';
import {
  ClusterDownError,
  CrossSlotError,
  ReplyError,
  TransactionAbortedError,
} from '../errors.js';
import { commandTraced } from '../metrics/channels.js';
import { type ClientScope, createClientScope } from '../metrics/client-scope.js';
import { traceCommand } from '../metrics/command-tracing.js';
import type { MetricsSource } from '../metrics/metrics-source.js';
import type { RespArg } from '../protocol/resp-types.js';
import { ClusterEngine, type ClusterEvents } from './cluster-engine.js';
import { type ClusterOptions, resolveClusterOptions } from './cluster-options.js';
import { ClusterPipeline } from './cluster-pipeline.js';
import { scanPrimaries } from './cluster-scan.js';
import { parseRedirect } from './redirect.js';
import { keySlot } from './slot.js';
import { sumStats } from './sum-stats.js';

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

export class RespoolCluster<S extends string | Buffer = string> extends CommandApi<'async', S> {
  readonly #engine: ClusterEngine;
  readonly #policy: CommandPolicy;
  readonly #scope: ClientScope;
  /** The keyPrefix option: applied before routing, so the slot is the prefixed key's. */
  readonly #prefix: string | undefined;

  /** @internal Use `createCluster()`. */
  constructor(engine: ClusterEngine, policy: CommandPolicy) {
    super();
    this.#engine = engine;
    this.#policy = policy;
    this.#prefix = policy.keyPrefix;
    const seed = engine.options.seeds[0];
    this.#scope = createClientScope({
      clientId: engine.options.node.clientId,
      db: 0,
      host: seed?.host ?? '',
      port: seed?.port ?? 0,
      path: undefined,
    });
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

  protected override _cmd(args: RespArg[], transform: Transform | undefined): Promise<unknown> {
    if (this.#prefix !== undefined) args = prefixKeys(args, this.#prefix);
    // Diagnostics: one inlined check per command when nobody listens. The server address in the
    // trace is the first seed's: the node is only chosen inside dispatch.
    if (commandTraced()) return traceCommand(this.#scope, args, () => this.#send(args, transform));
    return this.#send(args, transform);
  }

  #send(args: RespArg[], transform: Transform | undefined): Promise<unknown> {
    const e = this.#engine;
    const cmd = new PromiseCommand(
      args,
      this.#policy,
      transform,
      e.counters,
      e.resend,
      e.onServerError,
    );
    return cmd.start(e);
  }

  protected override _block(
    args: RespArg[],
    transform: Transform | undefined,
    serverTimeoutMs: number | undefined,
  ): Promise<unknown> {
    if (this.#prefix !== undefined) args = prefixKeys(args, this.#prefix);
    if (commandTraced()) {
      return traceCommand(this.#scope, args, () =>
        this.#blocking(args, transform, serverTimeoutMs),
      );
    }
    return this.#blocking(args, transform, serverTimeoutMs);
  }

  async #blocking(
    args: RespArg[],
    transform: Transform | undefined,
    serverTimeoutMs: number | undefined,
  ): Promise<unknown> {
    const e = this.#engine;
    const slot = e.slotOf(args);
    await e.ready();
    for (let attempt = 0; ; attempt++) {
      const core = e.coreFor(slot, false);
      if (core === undefined) throw new ClusterDownError(`No node serves slot ${slot}`, false);
      try {
        return await core.runBlocking(args, this.#policy, transform, serverTimeoutMs);
      } catch (error) {
        // A blocking command refused with MOVED never ran: follow it once, like any command.
        const redirect = error instanceof ReplyError ? parseRedirect(error, '') : undefined;
        if (redirect === undefined || redirect.kind !== 'MOVED' || attempt >= 1) throw error;
        e.refresher.trigger(`MOVED ${redirect.slot}`);
        await e.refresher.now('MOVED on a blocking command').catch(() => undefined);
      }
    }
  }

  override call(name: string, ...args: RespArg[]): Out<'async', unknown, this> {
    const full: RespArg[] = [name, ...args];
    if (isBlocking(full)) return this._block(full, undefined, blockingTimeoutMs(full));
    const refusal = sharedConnectionRefusal(full, CLUSTER_LEASE);
    if (refusal !== undefined) return Promise.reject(refusal);
    return this._cmd(full, undefined);
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
      ? (entries as readonly (readonly [RespArg, RespArg])[]).flatMap(([k, v]) => [k, v])
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
  withOptions(options: CallOptions<true>): RespoolCluster<Buffer>;
  withOptions(options: CallOptions<false>): RespoolCluster<string>;
  withOptions(options: CallOptions): RespoolCluster<string | Buffer>;
  withOptions(options: CallOptions): RespoolCluster<string | Buffer> {
    return new RespoolCluster(this.#engine, resolvePolicy(options, this.#policy));
  }

  /** MULTI…EXEC on the node serving the slot all its keys share (ERR_CROSS_SLOT otherwise). */
  multi(): ClusterMulti<S> {
    return new ClusterMulti<S>(
      this.#engine,
      this.#policy.returnBuffers,
      this.#policy.timeoutMs,
      this.#scope,
      this.#prefix,
    );
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
    const core = e.coreFor(slot, false);
    if (core === undefined) throw new ClusterDownError(`No node serves slot ${slot}`, false);
    const load = ['FUNCTION', 'LOAD', 'REPLACE', library.code];
    return new PromiseCommand(load, this.#policy, undefined, e.counters, undefined).start(core.mux);
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
    const core = e.coreFor(keySlot(routed), false);
    if (core === undefined)
      throw new ClusterDownError(`No node serves the slot of ${String(key)}`, false);
    return core.withConnection(fn, this.#policy, {
      signal: options.signal,
      timeoutMs: options.acquireTimeoutMs,
    });
  }

  /** SUBSCRIBE: cluster-wide channels; all subscriptions share one connection on one node. */
  async subscribe(
    channels: string | readonly string[],
    listener: (message: S, channel: string) => void,
  ): Promise<Subscription> {
    const core = await this.#coreForSlot(0);
    return core.subscriber.subscribe(
      'subscribe',
      channels,
      listener as MessageListener<string | Buffer>,
      this.#policy.returnBuffers,
    );
  }

  async psubscribe(
    patterns: string | readonly string[],
    listener: (message: S, channel: string, pattern: string) => void,
  ): Promise<Subscription> {
    const core = await this.#coreForSlot(0);
    return core.subscriber.subscribe(
      'psubscribe',
      patterns,
      listener as MessageListener<string | Buffer>,
      this.#policy.returnBuffers,
    );
  }

  /** SSUBSCRIBE: shard channels live on the node serving their slot; all must share one slot. */
  async ssubscribe(
    channels: string | readonly string[],
    listener: (message: S, channel: string) => void,
  ): Promise<Subscription> {
    const list = typeof channels === 'string' ? [channels] : [...channels];
    const slots = new Set(list.map((c) => keySlot(c)));
    if (slots.size !== 1)
      throw new CrossSlotError('SSUBSCRIBE channels must share one slot (use a hash tag)');
    const core = await this.#coreForSlot([...slots][0]!);
    return core.subscriber.subscribe(
      'ssubscribe',
      list,
      listener as MessageListener<string | Buffer>,
      this.#policy.returnBuffers,
    );
  }

  async #coreForSlot(slot: number) {
    await this.#engine.ready();
    const core = this.#engine.coreFor(slot, false);
    if (core === undefined) throw new ClusterDownError(`No node serves slot ${slot}`, false);
    return core;
  }

  on<K extends keyof ClusterEvents>(event: K, listener: (...args: ClusterEvents[K]) => void): this {
    (this.#engine.events as EventEmitter).on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof ClusterEvents>(
    event: K,
    listener: (...args: ClusterEvents[K]) => void,
  ): this {
    (this.#engine.events as EventEmitter).off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Load the topology now (otherwise it loads on the first command). */
  ready(): Promise<void> {
    return this.#engine.ready();
  }

  stats(): ClusterStats {
    const e = this.#engine;
    const nodes: Record<string, ClientStats> = {};
    for (const [address, core] of e.nodes) nodes[address] = core.stats();
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
      redirects: e.redirects,
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

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
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
export function createCluster(options: ClusterOptions): RespoolCluster {
  const resolved = resolveClusterOptions(options);
  const policy: CommandPolicy = Object.freeze({
    returnBuffers: resolved.node.returnBuffers,
    timeoutMs: resolved.node.commandTimeoutMs,
    idempotent: false,
    signal: undefined,
    keyPrefix: resolved.node.keyPrefix,
  });
  return new RespoolCluster(new ClusterEngine(resolved), policy);
}

/** MULTI…EXEC routed to the one slot all its keys share; retried once after a MOVED abort. */
export class ClusterMulti<S extends string | Buffer = string> extends Multi<S> {
  readonly #engine: ClusterEngine;
  readonly #returnBuffers: boolean;
  readonly #timeoutMs: number;
  /** Diagnostics scope: when set, exec() is traced on respool:command, as on a client. */
  readonly #scope: ClientScope | undefined;

  /** @internal */
  constructor(
    engine: ClusterEngine,
    returnBuffers: boolean,
    timeoutMs: number,
    scope?: ClientScope,
    keyPrefix?: string,
  ) {
    super({
      mux: { send: (cmd) => cmd.fail(new ClusterDownError('not routed', false)) },
      returnBuffers,
      keyPrefix,
      leaseHint: CLUSTER_LEASE,
    });
    this.#engine = engine;
    this.#returnBuffers = returnBuffers;
    this.#timeoutMs = timeoutMs;
    this.#scope = scope;
  }

  override async exec(): Promise<unknown[]> {
    const e = this.#engine;
    let slot = -1;
    for (const q of this.queued) {
      const s = e.slotOf(q.args);
      if (s === -1) continue;
      if (slot !== -1 && s !== slot) {
        throw new CrossSlotError(
          `multi() keys are in different slots (${slot} and ${s}); use a hash tag so they share one`,
        );
      }
      slot = s;
    }
    await e.ready();
    const core = e.coreFor(slot, false);
    if (core === undefined) throw new ClusterDownError(`No node serves slot ${slot}`, false);
    this.target = {
      mux: core.mux,
      returnBuffers: this.#returnBuffers,
      timeoutMs: this.#timeoutMs,
      ...(this.#scope === undefined ? {} : { scope: this.#scope }),
    };
    try {
      return await super.exec();
    } catch (error) {
      // A transaction aborted because the slot moved never ran: refresh and run it once more.
      const moved =
        error instanceof TransactionAbortedError &&
        error.replies.some(
          (r) => r instanceof ReplyError && (r.prefix === 'MOVED' || r.prefix === 'ASK'),
        );
      if (!moved || this.retried) throw error;
      await e.refresher.now('MOVED inside MULTI').catch(() => undefined);
      // Its queued commands are already prefixed: the retry adds no prefix of its own.
      const again = new ClusterMulti<S>(e, this.#returnBuffers, this.#timeoutMs, this.#scope);
      again.retried = true;
      again.queued.push(...this.queued);
      for (const [id, load] of this.preloads) again.preloads.set(id, load);
      return again.exec();
    }
  }

  /** @internal */
  retried = false;
}
