/**
 * A private 6-node Redis Cluster (3 primaries, 3 replicas) of `redis-server` processes, for tests
 * of cluster routing, redirects, resharding and failover.
 *
 * The cluster is formed step by step rather than with `redis-cli --cluster create`, so a test (or
 * a failure message) can see exactly which step is slow or stuck: distinct config epochs, slot
 * ranges, MEET, wait for the full mesh, REPLICATE, then wait for agreement.
 *
 * Invariants:
 * - Every node has an explicit `--cluster-port`: the default bus port is `port + 10000`, which
 *   does not exist for ports above 55535.
 * - The helper never sends `CLUSTER SHARDS` or `CLUSTER SLOTS` (see `cluster-view.ts`), so
 *   `commandStat()` counts only the client's topology refreshes for those two. Its probes do show
 *   up under `cluster|nodes`, `cluster|info`, `cluster|myid`, `info` and `client|setname`.
 * - Roles and liveness are read from the servers on every call, never cached: failover moves
 *   them. A node that does not answer a probe (killed, or paused) counts as dead.
 */

import { setTimeout as delay } from 'node:timers/promises';
import {
  agreementProblems,
  formatViews,
  isLive,
  isPrimary,
  meshProblems,
  type NodeView,
  probe,
  rangesHave,
  type SlotRange,
} from './cluster-view.js';
import { freePort } from './free-port.js';
import { HOST, StartError } from './redis-process.js';
import { type RedisServer, startRedis } from './redis-server.js';

const NODE_COUNT = 6;
const PRIMARY_COUNT = 3;
const PRIMARY_RANGES: readonly SlotRange[] = [
  [0, 5460],
  [5461, 10922],
  [10923, 16383],
];
const DEFAULT_DEADLINE_MS = 20_000;
const POLL_MS = 50;
const MAX_BUS_PORT_ATTEMPTS = 5;
const MIGRATE_TIMEOUT_MS = '5000';

/** Options for {@link startCluster}. */
export interface StartClusterOptions {
  /** Extra `redis-server` arguments for every node, appended last so they win. */
  readonly args?: readonly string[];
  /** `--cluster-node-timeout`: how long until a silent node is failed over. @default 1000 */
  readonly nodeTimeoutMs?: number;
  /** Deadline for forming the cluster and for every wait the helper does. @default 20000 */
  readonly deadlineMs?: number;
}

/** A running cluster owned by a test file. Obtain one from {@link startCluster}. */
export interface RedisCluster {
  /** All six nodes, dead ones included; 0–2 started as primaries, 3–5 as their replicas. */
  readonly nodes: RedisServer[];
  /** `redis://127.0.0.1:<port>` for each node, in `nodes` order. */
  readonly seeds: string[];
  /** Live nodes that currently call themselves primary, in `nodes` order. */
  primaries(): Promise<RedisServer[]>;
  /** Live nodes that currently call themselves replica, in `nodes` order. */
  replicas(): Promise<RedisServer[]>;
  /** The primary `replica` currently replicates from. @throws Error when it is not a replica. */
  primaryOf(replica: RedisServer): Promise<RedisServer>;
  /** `CLUSTER MYID`; stable across `restart()` because `nodes.conf` lives in the node's dir. */
  nodeId(node: RedisServer): Promise<string>;
  /** The live primary that claims `slot` for itself. @throws Error when none or several do. */
  slotOwner(slot: number): Promise<RedisServer>;
  /** `CLUSTER KEYSLOT key`, asked of a live node so the test never trusts `src/` for it. */
  keySlot(key: string): Promise<number>;
  /**
   * Moves `slot` and its keys to `toPrimary` (IMPORTING, MIGRATING, MIGRATE in batches, then
   * SETSLOT NODE on every primary) and waits for agreement. A no-op when it already owns it.
   * @default keysPerBatch 100
   */
  migrateSlot(
    slot: number,
    toPrimary: RedisServer,
    options?: { readonly keysPerBatch?: number },
  ): Promise<void>;
  /** `CLUSTER FAILOVER` on `replica`; resolves once it is primary and every node agrees. */
  failover(replica: RedisServer): Promise<void>;
  /**
   * SIGKILLs `primary`, waits until one of its replicas is promoted and the survivors agree, and
   * returns the promoted node. The dead node stays in `nodes`; `restart()` brings it back as a
   * replica.
   */
  killPrimary(primary: RedisServer): Promise<RedisServer>;
  /**
   * Polls until every live node reports `cluster_state:ok`, all live nodes agree on the slot
   * table (covering all 16384 slots, each owned by a live primary) and on every live node's
   * role, and every live replica has `master_link_status:up`.
   * @throws Error showing each node's view when that does not happen within the deadline.
   */
  waitForAgreement(timeoutMs?: number): Promise<void>;
  /** `CONFIG SET param value` on every live node (for example `timeout 2`). */
  setAll(param: string, value: string): Promise<void>;
  /**
   * Calls of one command summed over the live nodes' `INFO commandstats`. Accepts
   * `cmdstat_cluster|shards`, `cluster|shards` or `CLUSTER SHARDS`; 0 when never called.
   */
  commandStat(name: string): Promise<number>;
  /** Stops every node and removes its dir. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts six cluster-enabled nodes and forms them into a cluster; resolves once it is `ok` and
 * every node agrees. Takes about 2.1 s (2 cores, Redis 7.0.15), nearly all of it Redis's fixed
 * 2 s delay before a freshly started primary may report `cluster_state:ok`.
 *
 * @example
 * ```ts
 * const cluster = await startCluster();
 * after(() => cluster.stop());
 * ```
 * @throws Error when a node cannot start or the cluster does not converge within the deadline;
 * every node started so far is stopped first.
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<RedisCluster> {
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const started = await Promise.allSettled(
    Array.from({ length: NODE_COUNT }, () => startNode(options)),
  );
  const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const cluster = new ClusterHandle(
    nodes.map((n) => n.server),
    deadlineMs,
  );
  try {
    const failed = started.find((result) => result.status === 'rejected');
    if (failed !== undefined) {
      throw failed.reason;
    }
    await cluster.form(nodes);
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

async function startNode(options: StartClusterOptions): Promise<ClusterMember> {
  for (let attempt = 1; ; attempt++) {
    const busPort = await freePort(HOST);
    try {
      const server = await startRedis({
        args: [
          '--cluster-enabled',
          'yes',
          // Relative to --dir, which startRedis makes private to this node.
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-port',
          String(busPort),
          '--cluster-node-timeout',
          String(options.nodeTimeoutMs ?? 1000),
          // Diskless full sync otherwise waits 5 s for more replicas before it starts, which is
          // most of the time a replica takes to reach master_link_status:up.
          '--repl-diskless-sync-delay',
          '0',
          ...(options.args ?? []),
        ],
      });
      return { server, busPort };
    } catch (error) {
      // startRedis retries a taken client port itself, but keeps our bus port; a taken bus port
      // surfaces here as the same EADDRINUSE error.
      if (
        !(error instanceof StartError && error.addressInUse) ||
        attempt >= MAX_BUS_PORT_ATTEMPTS
      ) {
        throw error;
      }
    }
  }
}

interface ClusterMember {
  readonly server: RedisServer;
  /** Its `--cluster-port`, which CLUSTER MEET must be told. */
  readonly busPort: number;
}

class ClusterHandle implements RedisCluster {
  readonly nodes: RedisServer[];
  readonly seeds: string[];
  readonly #deadlineMs: number;
  readonly #ids = new Map<RedisServer, string>();
  #stopping: Promise<void> | undefined;

  constructor(nodes: RedisServer[], deadlineMs: number) {
    this.nodes = nodes;
    this.seeds = nodes.map((node) => node.url);
    this.#deadlineMs = deadlineMs;
  }

  async form(members: readonly ClusterMember[]): Promise<void> {
    const ids = await Promise.all(this.nodes.map((node) => this.nodeId(node)));
    // Distinct epochs up front, as `redis-cli --cluster create` does, so the nodes need not
    // resolve six colliding epoch-0 claims through gossip.
    await Promise.all(
      this.nodes.map((node, i) => node.cli('CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1))),
    );
    await Promise.all(
      PRIMARY_RANGES.map(([start, end], i) =>
        this.#node(i).cli('CLUSTER', 'ADDSLOTSRANGE', String(start), String(end)),
      ),
    );
    // MEET without a bus port assumes port + 10000, which is not where our nodes listen.
    await Promise.all(
      members
        .slice(1)
        .map(({ server, busPort }) =>
          this.#node(0).cli('CLUSTER', 'MEET', HOST, String(server.port), String(busPort)),
        ),
    );
    const known = new Set(ids);
    await this.#waitFor('every node to see all six', (views) =>
      views.flatMap((view) => meshProblems(view, known)),
    );
    // Replica i + 3 follows primary i.
    await Promise.all(
      ids
        .slice(0, PRIMARY_COUNT)
        .map((primaryId, i) =>
          this.#node(i + PRIMARY_COUNT).cli('CLUSTER', 'REPLICATE', primaryId),
        ),
    );
    await this.#waitFor('agreement after forming', (views) => agreementProblems(views, true));
  }

  async primaries(): Promise<RedisServer[]> {
    return (await this.#views()).filter((v) => isLive(v) && isPrimary(v)).map((v) => v.node);
  }

  async replicas(): Promise<RedisServer[]> {
    return (await this.#views()).filter((v) => isLive(v) && !isPrimary(v)).map((v) => v.node);
  }

  async primaryOf(replica: RedisServer): Promise<RedisServer> {
    const views = await this.#views();
    const view = views.find((v) => v.node === replica);
    const primaryId = view?.self?.primaryId;
    const primary = views.find((v) => primaryId !== undefined && v.id === primaryId);
    if (primary === undefined) {
      throw new Error(`primaryOf: node on port ${replica.port} has no known primary`);
    }
    return primary.node;
  }

  async nodeId(node: RedisServer): Promise<string> {
    let id = this.#ids.get(node);
    if (id === undefined) {
      id = await node.cli('CLUSTER', 'MYID');
      this.#ids.set(node, id);
    }
    return id;
  }

  async slotOwner(slot: number): Promise<RedisServer> {
    const views = await this.#views();
    const owners = views.filter(
      (v) => isLive(v) && isPrimary(v) && rangesHave(v.self?.ranges ?? [], slot),
    );
    const [owner] = owners;
    if (owner === undefined || owners.length > 1) {
      throw new Error(
        `slotOwner(${slot}): ${owners.length} live primaries claim it\n${formatViews(views)}`,
      );
    }
    return owner.node;
  }

  async keySlot(key: string): Promise<number> {
    const [view] = (await this.#views()).filter(isLive);
    if (view === undefined) {
      throw new Error('keySlot: no live node');
    }
    return Number(await view.node.cli('CLUSTER', 'KEYSLOT', key));
  }

  async migrateSlot(
    slot: number,
    toPrimary: RedisServer,
    options: { readonly keysPerBatch?: number } = {},
  ): Promise<void> {
    const source = await this.slotOwner(slot);
    if (source === toPrimary) {
      return;
    }
    const [sourceId, targetId] = await Promise.all([this.nodeId(source), this.nodeId(toPrimary)]);
    const s = String(slot);
    // Target first: once the source says MIGRATING, clients are ASKed over to the target, which
    // must already accept them.
    await toPrimary.cli('CLUSTER', 'SETSLOT', s, 'IMPORTING', sourceId);
    await source.cli('CLUSTER', 'SETSLOT', s, 'MIGRATING', targetId);
    const batch = String(options.keysPerBatch ?? 100);
    for (;;) {
      const keys = JSON.parse(
        await source.cli('-2', '--json', 'CLUSTER', 'GETKEYSINSLOT', s, batch),
      ) as string[];
      if (keys.length === 0) {
        break;
      }
      await source.cli(
        'MIGRATE',
        HOST,
        String(toPrimary.port),
        '',
        '0',
        MIGRATE_TIMEOUT_MS,
        'KEYS',
        ...keys,
      );
    }
    // Target, then source, then the rest: the order the Redis resharding guide prescribes, so no
    // node ever points clients back at a node that has let go of the slot.
    await toPrimary.cli('CLUSTER', 'SETSLOT', s, 'NODE', targetId);
    await source.cli('CLUSTER', 'SETSLOT', s, 'NODE', targetId);
    const others = (await this.primaries()).filter((p) => p !== source && p !== toPrimary);
    await Promise.all(others.map((p) => p.cli('CLUSTER', 'SETSLOT', s, 'NODE', targetId)));
    await this.waitForAgreement();
  }

  async failover(replica: RedisServer): Promise<void> {
    await replica.cli('CLUSTER', 'FAILOVER');
    // The command only starts the handover; until the replica has won, the old agreement still
    // holds and would end the wait at once.
    await this.#waitFor(`port ${replica.port} to become primary`, (views) => {
      const view = views.find((v) => v.node === replica);
      return view !== undefined && isLive(view) && isPrimary(view) ? [] : ['not primary yet'];
    });
    await this.waitForAgreement();
  }

  async killPrimary(primary: RedisServer): Promise<RedisServer> {
    const primaryId = await this.nodeId(primary);
    const candidates = (await this.#views()).filter(
      (v) => isLive(v) && v.self?.primaryId === primaryId,
    );
    if (candidates.length === 0) {
      throw new Error(`killPrimary: port ${primary.port} has no live replica to promote`);
    }
    await primary.kill('SIGKILL');
    let promoted: RedisServer | undefined;
    await this.#waitFor(`a replica of port ${primary.port} to be promoted`, (views) => {
      promoted = candidates.find((c) =>
        views.some((v) => v.node === c.node && isLive(v) && isPrimary(v)),
      )?.node;
      return promoted === undefined ? ['no replica promoted yet'] : [];
    });
    await this.waitForAgreement();
    if (promoted === undefined) {
      throw new Error('killPrimary: unreachable, the wait above set promoted');
    }
    return promoted;
  }

  waitForAgreement(timeoutMs = this.#deadlineMs): Promise<void> {
    return this.#waitFor('agreement', (views) => agreementProblems(views, false), timeoutMs);
  }

  async setAll(param: string, value: string): Promise<void> {
    const live = (await this.#views()).filter(isLive);
    await Promise.all(live.map((v) => v.node.cli('CONFIG', 'SET', param, value)));
  }

  async commandStat(name: string): Promise<number> {
    const key = `cmdstat_${name
      .trim()
      .toLowerCase()
      .replace(/^cmdstat_/, '')
      .replace(/\s+/g, '|')}`;
    const live = (await this.#views()).filter(isLive);
    const stats = await Promise.all(live.map((v) => v.node.info('commandstats')));
    return stats.reduce((sum, fields) => {
      const calls = /(?:^|,)calls=(\d+)/.exec(fields[key] ?? '')?.[1];
      return sum + Number(calls ?? '0');
    }, 0);
  }

  stop(): Promise<void> {
    this.#stopping ??= Promise.all(this.nodes.map((node) => node.stop())).then(() => undefined);
    return this.#stopping;
  }

  #node(index: number): RedisServer {
    const node = this.nodes[index];
    if (node === undefined) {
      throw new Error(`redis-cluster: no node ${index}`);
    }
    return node;
  }

  #views(): Promise<NodeView[]> {
    return Promise.all(this.nodes.map((node, index) => probe(node, index)));
  }

  async #waitFor(
    what: string,
    problemsOf: (views: readonly NodeView[]) => string[],
    timeoutMs = this.#deadlineMs,
  ): Promise<void> {
    const started = Date.now();
    for (;;) {
      const views = await this.#views();
      const problems = problemsOf(views);
      if (problems.length === 0) {
        return;
      }
      if (Date.now() - started >= timeoutMs) {
        throw new Error(
          `redis-cluster: no ${what} after ${timeoutMs} ms:\n` +
            `${problems.map((p) => `  - ${p}`).join('\n')}\n${formatViews(views)}`,
        );
      }
      await delay(POLL_MS);
    }
  }
}
