/**
 * What every view of one cluster client shares: one ClientCore per node (a multiplexed
 * connection plus a lease pool, under maxConnections), the current Topology, the refresher, and
 * the routing of each command.
 *
 * Routing: the slot of the command's keys (all must share it: ERR_CROSS_SLOT otherwise); keyless
 * commands go to the primary serving slot 0 (a fixed, documented choice: any primary can answer
 * them, and a fixed one keeps per-node caches warm). Read-only commands go to a replica when
 * readFrom is 'replica-preferred' and the shard has one.
 *
 * Redirects never wait for a refresh: MOVED sends the command to the named node now and patches
 * that slot in a new snapshot, then asks the refresher (coalesced); ASK sends ASKING + the
 * command to the target without touching the table. A lost connection is retried on the same
 * node, by that node's own rules (never on a random node). When a refresh shows a node no
 * longer serving slots, commands still waiting for it are routed again.
 */
import { EventEmitter } from 'node:events';
import { ClientCore } from '../client/client-core.js';
import { PromiseCommand } from '../client/promise-command.js';
import { type ClientCounters, createCounters } from '../client/stats.js';
import { isReadOnly } from '../commands/classify.js';
import { getKeyIndexes } from '../commands/keys.js';
import { BasicCommand, type PendingCommand } from '../connection/pending-command.js';
import {
  ClientClosedError,
  ClusterDownError,
  CrossSlotError,
  MaxRedirectsError,
  NotClusterError,
  type ReplyError,
  RespoolError,
} from '../errors.js';
import { type TopologyRefreshMessage, topologyRefreshChannel } from '../metrics/channels.js';
import { SharedBudget } from '../pool/shared-budget.js';
import type { RespArg, RespValue } from '../protocol/resp-types.js';
import { Deadlines } from '../util/deadlines.js';
import { nodeOptions, type ResolvedClusterOptions } from './cluster-options.js';
import { parseRedirect } from './redirect.js';
import { TopologyRefresher } from './refresher.js';
import { keySlot } from './slot.js';
import {
  type ClusterNodeInfo,
  parseClusterShards,
  parseClusterSlots,
  type Topology,
} from './topology.js';

/** How long one node may take to answer CLUSTER SHARDS/SLOTS/INFO before it is skipped. */
const TOPOLOGY_QUERY_TIMEOUT_MS = 2_000;

export interface ClusterEvents {
  /** A topology refresh finished (`error` set when no node could answer). */
  refresh: [info: { reason: string; durationMs: number; error: Error | undefined; shards: number }];
}

export class ClusterEngine {
  readonly options: ResolvedClusterOptions;
  readonly events = new EventEmitter<ClusterEvents>();
  /** Counters of commands routed through the cluster (error replies, failures, retries). */
  readonly counters: ClientCounters = createCounters();
  readonly refresher: TopologyRefresher;
  readonly #nodes = new Map<string, ClientCore>();
  #topology: Topology | undefined;
  /** Commands waiting for a topology (before the first one, or for a slot nobody serves). */
  #unrouted: PromiseCommand[] = [];
  /**
   * Deadlines of the parked commands (util/deadlines.ts, one timer). Ref'd: a caller waits on
   * each, which must keep the process alive (as a socket would) until routed or failed.
   */
  readonly #parkedDeadlines = new Deadlines<PromiseCommand>((cmd) => this.#expireParked(cmd), {
    ref: true,
  });
  #checkTimer: NodeJS.Timeout | undefined;
  #checkSignature: string | undefined;
  #closed = false;
  #lastFingerprint: string | undefined;
  /**
   * maxConnectionsTotal across nodes. Each open multiplexed connection holds a reserved slot
   * (without it the node cannot be reached at all); leases share what is left.
   */
  readonly #budget: SharedBudget | undefined;
  redirects = 0;

  /** Resend a command (transient replies, redirects): route it again. */
  readonly resend = (cmd: PromiseCommand): void => this.dispatch(cmd);
  /** Every error reply passes here first: MOVED/ASK are followed, CLUSTERDOWN refreshes. */
  readonly onServerError = (cmd: PromiseCommand, error: ReplyError): boolean =>
    this.#onServerError(cmd, error);

  constructor(options: ResolvedClusterOptions) {
    this.options = options;
    this.#budget =
      options.maxConnectionsTotal > 0 ? new SharedBudget(options.maxConnectionsTotal) : undefined;
    this.refresher = new TopologyRefresher({
      cooldownMs: options.refreshCooldownMs,
      jitterMs: options.refreshJitterMs,
      refresh: (reason) => this.#refresh(reason),
      onDone: (info) => {
        const changed = this.#lastFingerprint !== this.#topology?.fingerprint;
        this.#lastFingerprint = this.#topology?.fingerprint;
        this.events.emit('refresh', { ...info, shards: this.#topology?.shards.length ?? 0 });
        if (topologyRefreshChannel.hasSubscribers) {
          topologyRefreshChannel.publish({
            clientId: options.node.clientId,
            trigger: info.reason,
            node: undefined,
            durationMs: info.durationMs,
            outcome: info.error !== undefined ? 'error' : changed ? 'changed' : 'unchanged',
            error: info.error,
          } satisfies TopologyRefreshMessage);
        }
      },
    });
    if (options.topologyCheckIntervalMs > 0) {
      this.#checkTimer = setInterval(() => void this.#check(), options.topologyCheckIntervalMs);
      this.#checkTimer.unref();
    }
  }

  get topology(): Topology | undefined {
    return this.#topology;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Every node client created so far, by address. */
  get nodes(): ReadonlyMap<string, ClientCore> {
    return this.#nodes;
  }

  /** Load the first topology from the seeds, trying each; resolves when one answered. */
  ready(): Promise<void> {
    if (this.#topology !== undefined) return Promise.resolve();
    return this.refresher.now('startup');
  }

  /** The slot of a command's keys; -1 for keyless commands. @throws CrossSlotError */
  slotOf(args: readonly RespArg[]): number {
    const indexes = getKeyIndexes(args, { includeNotKeys: true });
    let slot = -1;
    for (const i of indexes) {
      const s = keySlot(args[i]!);
      if (slot !== -1 && s !== slot) {
        throw new CrossSlotError(
          `${String(args[0]).toUpperCase()} has keys in different slots (${slot} and ${s}); use a hash tag such as {user1}:a and {user1}:b, or the splitting helpers (mget, mset, del, exists, unlink)`,
        );
      }
      slot = s;
    }
    return slot;
  }

  /** The node client for `slot` (its primary, or a replica for reads when configured). */
  coreFor(slot: number, readOnly: boolean): ClientCore | undefined {
    const topology = this.#topology;
    if (topology === undefined) return undefined;
    const s = slot === -1 ? 0 : slot;
    let node = topology.primaryFor(s);
    if (node === undefined) return undefined;
    if (readOnly && this.options.readFrom === 'replica-preferred') {
      const replicas = topology.replicasFor(s);
      if (replicas.length > 0) node = replicas[Math.floor(Math.random() * replicas.length)]!;
    }
    return this.core(node);
  }

  /** As a command sink (PromiseCommand.start): route and send. */
  send(cmd: PromiseCommand): void {
    this.dispatch(cmd);
  }

  /** Route and send one command. @throws CrossSlotError (before anything is sent) */
  dispatch(cmd: PromiseCommand): void {
    if (cmd.settled) return;
    if (this.#closed) {
      cmd.fail(new ClientClosedError('The cluster client is closed'));
      return;
    }
    if (cmd.slot === -1 && cmd.hops === 0) cmd.slot = this.slotOf(cmd.args);
    const toReplica =
      this.options.readFrom !== 'primary' && !cmd.primaryOnly && isReadOnly(cmd.args);
    const core = this.coreFor(cmd.slot, toReplica);
    if (core === undefined) {
      this.#park(cmd);
      return;
    }
    core.mux.send(cmd);
  }

  /** A client for the node at `info`, created on first use. */
  core(info: { readonly host: string; readonly port: number }): ClientCore {
    const address = `${info.host}:${info.port}`;
    let core = this.#nodes.get(address);
    if (core === undefined) {
      const options = nodeOptions(
        this.options,
        info.host,
        info.port,
        this.options.readFrom !== 'primary',
      );
      core = new ClientCore(options, undefined, this.#budget);
      const budget = this.#budget;
      if (budget !== undefined) {
        // Reserved while the node's multiplexed connection is up, not per node client: clients
        // made only to ask a replica or a seed for the topology must not eat the leases' share.
        core.events.on('ready', () => budget.reserve());
        core.events.on('close', () => budget.unreserve());
      }
      // A node that cannot be reached may have failed over or left: the topology should know.
      core.events.on('reconnecting', (e) => {
        if (e.error !== undefined) this.refresher.trigger(`node ${address} unreachable`);
      });
      this.#nodes.set(address, core);
    }
    return core;
  }

  #onServerError(cmd: PromiseCommand, error: ReplyError): boolean {
    if (error.prefix === 'LOADING' && this.options.readFrom !== 'primary' && !cmd.primaryOnly) {
      // A replica still syncing: the primary can serve the read now.
      cmd.primaryOnly = true;
      this.dispatch(cmd);
      return true;
    }
    if (error.prefix === 'CLUSTERDOWN') {
      this.refresher.trigger('CLUSTERDOWN');
      return false; // retried with backoff within its deadline, as a transient reply
    }
    if (error.prefix !== 'MOVED' && error.prefix !== 'ASK') return false;
    const redirect = parseRedirect(error, this.#hostOf(cmd.slot));
    if (redirect === undefined) return false;
    this.redirects++;
    cmd.hops++;
    if (cmd.hops > this.options.maxRedirects) {
      // A MOVED loop (two nodes each naming the other): stop, and rebuild the table.
      this.refresher.trigger('redirect loop', true);
      cmd.fail(
        new MaxRedirectsError(
          `${String(cmd.args[0])} was redirected ${cmd.hops - 1} times (maxRedirects ${this.options.maxRedirects}); last: ${error.message}`,
          { cause: error },
        ),
      );
      return true;
    }
    const target: ClusterNodeInfo = {
      address: redirect.address,
      host: redirect.host,
      port: redirect.port,
      id: undefined,
    };
    const core = this.core(target);
    if (redirect.kind === 'MOVED') {
      if (this.#topology !== undefined)
        this.#topology = this.#topology.withSlotMoved(redirect.slot, target);
      this.refresher.trigger(`MOVED ${redirect.slot}`);
      core.mux.send(cmd);
    } else {
      // ASKING must come right before the command on the same connection: both are queued in
      // this same synchronous step, so nothing can come between them.
      core.mux.send(new BasicCommand({ args: ['ASKING'], reply() {}, fail() {} }));
      core.mux.send(cmd);
    }
    return true;
  }

  #hostOf(slot: number): string {
    return (
      this.#topology?.primaryFor(slot === -1 ? 0 : slot)?.host ??
      this.options.seeds[0]?.host ??
      '127.0.0.1'
    );
  }

  /** Hold a command until a topology serves its slot (or its deadline passes). */
  #park(cmd: PromiseCommand): void {
    this.#unrouted.push(cmd);
    this.refresher.trigger(
      this.#topology === undefined ? 'startup' : `slot ${cmd.slot} unserved`,
      true,
    );
    if (cmd.deadline > 0) this.#parkedDeadlines.add(cmd, cmd.deadline);
  }

  /** A parked command's deadline passed before any node served its slot. */
  #expireParked(cmd: PromiseCommand): void {
    const i = this.#unrouted.indexOf(cmd);
    if (i === -1) return;
    this.#unrouted.splice(i, 1);
    cmd.fail(
      new ClusterDownError(
        `No node served slot ${cmd.slot} within ${cmd.timeoutMs} ms; the command was not sent`,
        false,
      ),
    );
  }

  async #refresh(reason: string): Promise<void> {
    const candidates = this.#candidates();
    const answers = await Promise.allSettled(candidates.map((c) => this.#fetch(c)));
    const topologies: Topology[] = [];
    const reasons: string[] = [];
    answers.forEach((a, i) => {
      if (a.status === 'fulfilled') topologies.push(a.value);
      else
        reasons.push(
          `${candidates[i]!.host}:${candidates[i]!.port}: ${(a.reason as Error).message}`,
        );
    });
    if (topologies.length === 0) {
      const notCluster = answers.find(
        (a) => a.status === 'rejected' && a.reason instanceof NotClusterError,
      );
      if (notCluster !== undefined && notCluster.status === 'rejected') {
        // Commands already waiting for a topology hear the real reason, not a later timeout.
        if (this.#topology === undefined) this.#failParked(notCluster.reason as Error);
        throw notCluster.reason;
      }
      const error = new ClusterDownError(
        `No seed or known node answered the topology query (${reason}): ${reasons.join('; ')}`,
        false,
      );
      if (this.#topology === undefined) this.#failParked(error);
      throw error;
    }
    // Nodes can disagree for a moment (a failover being voted, a slot being handed over): the
    // answer most of them give wins; on a tie, the most complete table.
    const votes = new Map<string, { topology: Topology; count: number }>();
    for (const t of topologies) {
      const v = votes.get(t.fingerprint);
      if (v === undefined) votes.set(t.fingerprint, { topology: t, count: 1 });
      else v.count++;
    }
    const best = [...votes.values()].sort(
      (a, b) => b.count - a.count || b.topology.coveredSlots - a.topology.coveredSlots,
    )[0]!;
    this.#apply(best.topology);
  }

  /**
   * Nodes to ask: up to three, those with a live connection first (a dead node would only make
   * the refresh wait for its deadline), then the other known nodes, then the seeds. Shuffled
   * within each group, so a thousand clients do not all ask the same node (redis-py #4049).
   */
  #candidates(): { host: string; port: number }[] {
    const known = this.#topology?.nodes() ?? [];
    const shuffle = <T>(list: readonly T[]): T[] => [...list].sort(() => Math.random() - 0.5);
    const isLive = (address: string): boolean =>
      (this.#nodes.get(address)?.mux.connection ?? null) !== null;
    const live = known.filter((n) => isLive(n.address));
    const rest = known.filter((n) => !isLive(n.address));
    const seen = new Set<string>();
    const ordered: { host: string; port: number }[] = [];
    for (const n of [...shuffle(live), ...shuffle(rest), ...shuffle(this.options.seeds)]) {
      const address = `${n.host}:${n.port}`;
      if (seen.has(address)) continue;
      seen.add(address);
      ordered.push(n);
    }
    return ordered.slice(0, 3);
  }

  /** Ask one node, over its regular connection (never a throwaway one). */
  async #fetch(node: { host: string; port: number }): Promise<Topology> {
    const core = this.core(node);
    // A deadline, so a node that is down (its queue waits for a reconnect) cannot hold the
    // refresh up: the other candidates' answers are used instead.
    const ask = (args: RespArg[]): Promise<RespValue> =>
      new Promise((resolve, reject) => {
        core.mux.send(
          new BasicCommand({
            args,
            deadline: performance.now() + TOPOLOGY_QUERY_TIMEOUT_MS,
            timeoutMs: TOPOLOGY_QUERY_TIMEOUT_MS,
            reply: resolve,
            fail: reject,
          }),
        );
      });
    let reply = await ask(['CLUSTER', 'SHARDS']);
    if (reply instanceof RespoolError) {
      const message = reply.message;
      if (/cluster support disabled/i.test(message)) {
        throw new NotClusterError(
          `${node.host}:${node.port} is not running in cluster mode (${message})`,
        );
      }
      // Servers before 7.0 have no CLUSTER SHARDS.
      reply = await ask(['CLUSTER', 'SLOTS']);
      if (reply instanceof RespoolError) throw reply;
      return parseClusterSlots(reply, node.host);
    }
    return parseClusterShards(reply, node.host);
  }

  #apply(topology: Topology): void {
    this.#topology = topology;
    // The nodes that get traffic: primaries, plus replicas when reads may go to them. A client
    // made only to ask a seed or a replica for the topology is closed, so the cluster holds one
    // multiplexed connection per serving node, not one per node it ever spoke to.
    const serving = new Set(
      (this.options.readFrom === 'primary'
        ? topology.shards.map((s) => s.primary)
        : topology.nodes()
      ).map((n) => n.address),
    );
    // Commands queued for a node that no longer serves anything go to the slot's new owner.
    for (const [address, core] of this.#nodes) {
      if (serving.has(address)) continue;
      for (const cmd of core.mux.takeWaiting()) this.#reroute(cmd);
      // A node that holds subscriptions stays: classic pub/sub reaches every node, a demoted
      // primary included, and closing it would end the subscriptions without a word.
      if (core.subscriber.channelCount > 0) continue;
      this.#nodes.delete(address);
      // Graceful: replies still owed (the topology answer itself, say) arrive first.
      void core.close();
    }
    const parked = this.#unrouted;
    this.#unrouted = [];
    this.#parkedDeadlines.clear();
    for (const cmd of parked) this.#reroute(cmd);
  }

  #reroute(cmd: PendingCommand): void {
    // Internal one-off commands (a topology query, ASKING) belong to that node; only callers'
    // commands are routed again.
    if (cmd instanceof PromiseCommand) this.dispatch(cmd);
    else
      cmd.fail(
        new ClusterDownError('The node this command waited for stopped serving slots', false),
      );
  }

  #failParked(error: Error): void {
    for (const cmd of this.#unrouted) cmd.fail(error);
    this.#unrouted = [];
    this.#parkedDeadlines.clear();
  }

  /**
   * The cheap periodic check: CLUSTER INFO on one node. A change of epoch, node count or
   * assigned slots means the table may be stale although no MOVED said so (a failover, a node
   * removed): refresh then.
   */
  async #check(): Promise<void> {
    const node = this.#candidates()[0];
    if (node === undefined || this.#closed) return;
    const core = this.core(node);
    const info = await new Promise<RespValue>((resolve, reject) => {
      core.mux.send(
        new BasicCommand({
          args: ['CLUSTER', 'INFO'],
          deadline: performance.now() + TOPOLOGY_QUERY_TIMEOUT_MS,
          timeoutMs: TOPOLOGY_QUERY_TIMEOUT_MS,
          reply: resolve,
          fail: reject,
        }),
      );
    }).catch(() => undefined);
    if (typeof info !== 'string') return;
    const field = (name: string): string => new RegExp(`${name}:(\\S+)`).exec(info)?.[1] ?? '';
    const signature = [
      'cluster_state',
      'cluster_current_epoch',
      'cluster_known_nodes',
      'cluster_slots_assigned',
      'cluster_slots_ok',
    ]
      .map(field)
      .join(' ');
    if (this.#checkSignature !== undefined && signature !== this.#checkSignature)
      this.refresher.trigger('periodic check');
    this.#checkSignature = signature;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.refresher.stop();
    if (this.#checkTimer !== undefined) clearInterval(this.#checkTimer);
    this.#failParked(
      new ClientClosedError('The cluster client closed before a node could serve this command'),
    );
    await Promise.all([...this.#nodes.values()].map((core) => core.close()));
  }

  destroy(): void {
    this.#closed = true;
    this.refresher.stop();
    if (this.#checkTimer !== undefined) clearInterval(this.#checkTimer);
    this.#failParked(new ClientClosedError('The cluster client was destroyed'));
    for (const core of this.#nodes.values()) core.destroy();
  }
}
