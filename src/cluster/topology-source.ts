/**
 * The owner of the cluster's topology: the current snapshot, the one path that replaces it
 * (the refresher: single-flight, cooldown, jitter), the nodes it asks and how their answers are
 * voted on, the cheap periodic check, and the diagnostics of each refresh. A MOVED reply may
 * patch one slot of the snapshot at once (`patchSlot`) without waiting for a refresh.
 */
import { EventEmitter } from 'node:events';
import { BasicCommand } from '../connection/pending-command.js';
import { ClusterDownError, NotClusterError, RespoolError } from '../errors.js';
import { type TopologyRefreshMessage, topologyRefreshChannel } from '../metrics/channels.js';
import type { RespArg, RespValue } from '../protocol/resp-types.js';
import type { ResolvedClusterOptions } from './cluster-options.js';
import type { NodeClient } from './node-client.js';
import { TopologyRefresher } from './refresher.js';
import { shuffle } from './shuffle.js';
import {
  type ClusterNodeInfo,
  parseClusterShards,
  parseClusterSlots,
  type Topology,
} from './topology.js';

/** How long one node may take to answer CLUSTER SHARDS/SLOTS/INFO before it is skipped. */
const TOPOLOGY_QUERY_TIMEOUT_MS = 2_000;
/** Nodes asked per refresh. */
const MAX_CANDIDATES = 3;

export interface TopologySourceEvents {
  /** A refresh finished (`error` set when no node could answer). */
  refresh: [info: { reason: string; durationMs: number; error: Error | undefined; shards: number }];
  /** A new snapshot from a refresh is in place. */
  applied: [topology: Topology];
  /** No node answered before any topology was known: commands waiting for one fail with it. */
  failed: [error: Error];
}

/** The node clients the source asks (the registry). */
export interface NodeSource {
  readonly all: ReadonlyMap<string, NodeClient>;
  get(info: { readonly host: string; readonly port: number }): NodeClient;
}

export class TopologySource {
  readonly events = new EventEmitter<TopologySourceEvents>();
  readonly refresher: TopologyRefresher;
  readonly #options: ResolvedClusterOptions;
  readonly #nodes: NodeSource;
  #topology: Topology | undefined;
  #lastFingerprint: string | undefined;
  #checkTimer: NodeJS.Timeout | undefined;
  #checkSignature: string | undefined;
  #stopped = false;

  constructor(options: ResolvedClusterOptions, nodes: NodeSource) {
    this.#options = options;
    this.#nodes = nodes;
    this.refresher = new TopologyRefresher({
      cooldownMs: options.refreshCooldownMs,
      jitterMs: options.refreshJitterMs,
      refresh: (reason) => this.#refresh(reason),
      onDone: (info) => this.#refreshed(info),
    });
    if (options.topologyCheckIntervalMs > 0) {
      this.#checkTimer = setInterval(() => void this.#check(), options.topologyCheckIntervalMs);
      this.#checkTimer.unref();
    }
  }

  get current(): Topology | undefined {
    return this.#topology;
  }

  /** Resolves once a topology is known (loading the first one from the seeds). */
  ready(): Promise<void> {
    if (this.#topology !== undefined) return Promise.resolve();
    return this.refresher.now('startup');
  }

  /** A MOVED reply said so: `slot` is served by `node` from now on (refresh still asked for). */
  patchSlot(slot: number, node: ClusterNodeInfo): void {
    if (this.#topology !== undefined) this.#topology = this.#topology.withSlotMoved(slot, node);
    this.refresher.trigger(`MOVED ${slot}`);
  }

  stop(): void {
    this.#stopped = true;
    this.refresher.stop();
    if (this.#checkTimer !== undefined) clearInterval(this.#checkTimer);
  }

  #refreshed(info: { reason: string; durationMs: number; error: Error | undefined }): void {
    const changed = this.#lastFingerprint !== this.#topology?.fingerprint;
    this.#lastFingerprint = this.#topology?.fingerprint;
    this.events.emit('refresh', { ...info, shards: this.#topology?.shards.length ?? 0 });
    if (topologyRefreshChannel.hasSubscribers) {
      topologyRefreshChannel.publish({
        clientId: this.#options.node.clientId,
        trigger: info.reason,
        node: undefined,
        durationMs: info.durationMs,
        outcome: info.error !== undefined ? 'error' : changed ? 'changed' : 'unchanged',
        error: info.error,
      } satisfies TopologyRefreshMessage);
    }
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
      const error =
        notCluster?.status === 'rejected'
          ? (notCluster.reason as Error)
          : new ClusterDownError(
              `No seed or known node answered the topology query (${reason}): ${reasons.join('; ')}`,
              false,
            );
      // Commands already waiting for a first topology hear the real reason, not a later timeout.
      if (this.#topology === undefined) this.events.emit('failed', error);
      throw error;
    }
    if (this.#stopped) return;
    this.#topology = vote(topologies);
    this.events.emit('applied', this.#topology);
  }

  /**
   * Nodes to ask: up to three, those with a live connection first (a dead node would only make
   * the refresh wait for its deadline), then the other known nodes, then the seeds. Shuffled
   * within each group, so a thousand clients do not all ask the same node (redis-py #4049).
   */
  #candidates(): { host: string; port: number }[] {
    const known = this.#topology?.nodes() ?? [];
    const isLive = (address: string): boolean => this.#nodes.all.get(address)?.connected === true;
    const live = known.filter((n) => isLive(n.address));
    const rest = known.filter((n) => !isLive(n.address));
    const seen = new Set<string>();
    const ordered: { host: string; port: number }[] = [];
    for (const n of [...shuffle(live), ...shuffle(rest), ...shuffle(this.#options.seeds)]) {
      const address = `${n.host}:${n.port}`;
      if (seen.has(address)) continue;
      seen.add(address);
      ordered.push(n);
    }
    return ordered.slice(0, MAX_CANDIDATES);
  }

  /** Ask one node, over its regular connection (never a throwaway one). */
  async #fetch(info: { host: string; port: number }): Promise<Topology> {
    const node = this.#nodes.get(info);
    let reply = await ask(node, ['CLUSTER', 'SHARDS']);
    if (reply instanceof RespoolError) {
      const message = reply.message;
      if (/cluster support disabled/i.test(message)) {
        throw new NotClusterError(`${node.address} is not running in cluster mode (${message})`);
      }
      // Servers before 7.0 have no CLUSTER SHARDS.
      reply = await ask(node, ['CLUSTER', 'SLOTS']);
      if (reply instanceof RespoolError) throw reply;
      return parseClusterSlots(reply, info.host);
    }
    return parseClusterShards(reply, info.host);
  }

  /**
   * The cheap periodic check: CLUSTER INFO on one node. A change of epoch, node count or
   * assigned slots means the table may be stale although no MOVED said so (a failover, a node
   * removed): refresh then.
   */
  async #check(): Promise<void> {
    const info = this.#candidates()[0];
    if (info === undefined || this.#stopped) return;
    const reply = await ask(this.#nodes.get(info), ['CLUSTER', 'INFO']).catch(() => undefined);
    if (typeof reply !== 'string') return;
    const field = (name: string): string => new RegExp(`${name}:(\\S+)`).exec(reply)?.[1] ?? '';
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
}

/**
 * Nodes can disagree for a moment (a failover being voted, a slot being handed over): the answer
 * most of them give wins; on a tie, the most complete table.
 */
export function vote(topologies: readonly Topology[]): Topology {
  const votes = new Map<string, { topology: Topology; count: number }>();
  for (const t of topologies) {
    const v = votes.get(t.fingerprint);
    if (v === undefined) votes.set(t.fingerprint, { topology: t, count: 1 });
    else v.count++;
  }
  return [...votes.values()].sort(
    (a, b) => b.count - a.count || b.topology.coveredSlots - a.topology.coveredSlots,
  )[0]!.topology;
}

/**
 * One internal query with a deadline, so a node that is down (its queue waits for a reconnect)
 * cannot hold the refresh up: the other candidates' answers are used instead.
 */
function ask(node: NodeClient, args: RespArg[]): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    const cmd = new BasicCommand({
      args,
      deadline: performance.now() + TOPOLOGY_QUERY_TIMEOUT_MS,
      timeoutMs: TOPOLOGY_QUERY_TIMEOUT_MS,
      reply: resolve,
      fail: reject,
    });
    node.send(cmd);
  });
}
