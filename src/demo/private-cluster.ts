/**
 * A throwaway 6-node Redis Cluster for the demo (3 primaries, each with one replica), built from
 * private `redis-server`s (`private-server.ts`), so `respool demo --incident 5` needs nothing but
 * Redis installed and never touches a cluster someone else uses.
 *
 * Formed step by step, as `redis-cli --cluster create` would: distinct config epochs, slot
 * ranges, MEET (with each node's explicit bus port), wait for the full mesh, REPLICATE, then wait
 * until every node agrees. Admin commands go through respool's own `createClient`. It never
 * sends CLUSTER SLOTS or CLUSTER SHARDS, so a replay can count those as the clients' alone.
 *
 * Every node is stopped on every path: by `stop()`, when forming fails, and by the private
 * servers' exit hook when the process ends some other way (Ctrl-C).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { createClient, type RespoolClient } from '../client/client.js';
import type { RespValue } from '../protocol/resp-types.js';
import { DemoError } from './demo-error.js';
import { type PrivateServer, startPrivateServer } from './private-server.js';
import { parseInfo, replyText } from './request.js';

const NODE_COUNT = 6;
const PRIMARY_RANGES: readonly (readonly [number, number])[] = [
  [0, 5460],
  [5461, 10922],
  [10923, 16383],
];
// Short, so a demo cluster settles quickly; nothing here fails over on purpose.
const NODE_TIMEOUT_MS = 1_000;
// Redis waits 2 s before a fresh primary may report cluster_state:ok; the rest is quick.
const FORM_DEADLINE_MS = 20_000;
const POLL_MS = 50;
const ADMIN_CLIENT_NAME = 'respool-demo-admin';
// Flags under which a node does not (yet) trust another.
const DOUBTFUL_FLAGS = ['handshake', 'noaddr', 'fail', 'fail?'];

/** A running private cluster. */
export interface PrivateCluster {
  /** All six nodes; 0–2 started as primaries, 3–5 as their replicas. */
  readonly nodes: readonly PrivateServer[];
  /** `redis://127.0.0.1:<port>` of every node, in `nodes` order. */
  readonly seeds: readonly string[];
  /** `redis_version` of the nodes. */
  readonly version: string;
  /** Stop every node and remove its dir. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Start six cluster-enabled nodes and form them into a cluster; resolves once every node reports
 * `cluster_state:ok` and they agree on slots and roles.
 * @throws DemoError when a node cannot start (no redis-server on PATH, ...) or the cluster does
 * not converge within 20 s; every node started so far is stopped first.
 */
export async function startPrivateCluster(
  progress: (line: string) => void = () => {},
): Promise<PrivateCluster> {
  const started = await Promise.allSettled(
    Array.from({ length: NODE_COUNT }, () =>
      startPrivateServer({ clusterNodeTimeoutMs: NODE_TIMEOUT_MS }),
    ),
  );
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const cluster = new RunningCluster(nodes);
  try {
    const failed = started.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    progress('forming a private 6-node cluster (3 primaries, 3 replicas)...');
    await form(nodes);
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

class RunningCluster implements PrivateCluster {
  readonly nodes: readonly PrivateServer[];
  readonly seeds: readonly string[];
  readonly version: string;
  #stopping: Promise<void> | undefined;

  constructor(nodes: readonly PrivateServer[]) {
    this.nodes = nodes;
    this.seeds = nodes.map((n) => n.url);
    this.version = nodes[0]?.version ?? 'unknown';
  }

  stop(): Promise<void> {
    this.#stopping ??= Promise.all(this.nodes.map((n) => n.stop())).then(() => undefined);
    return this.#stopping;
  }
}

async function form(nodes: readonly PrivateServer[]): Promise<void> {
  const admins = nodes.map((n) =>
    createClient({ host: n.host, port: n.port, name: ADMIN_CLIENT_NAME }),
  );
  try {
    const ask = async (i: number, ...args: string[]): Promise<string> =>
      replyText((await admins[i]!.call(args[0]!, ...args.slice(1))) as RespValue, args.join(' '));
    const ids = await Promise.all(nodes.map((_, i) => ask(i, 'CLUSTER', 'MYID')));
    // Distinct epochs up front, so six epoch-0 claims need not be resolved through gossip.
    await Promise.all(nodes.map((_, i) => ask(i, 'CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1))));
    await Promise.all(
      PRIMARY_RANGES.map(([from, to], i) =>
        ask(i, 'CLUSTER', 'ADDSLOTSRANGE', String(from), String(to)),
      ),
    );
    // Without the third argument MEET assumes the bus listens on port + 10000; ours do not.
    await Promise.all(
      nodes
        .slice(1)
        .map((n) => ask(0, 'CLUSTER', 'MEET', n.host, String(n.port), String(n.busPort ?? ''))),
    );
    const deadline = Date.now() + FORM_DEADLINE_MS;
    await waitFor('every node to know all six', deadline, admins, (views) =>
      views.flatMap((v, i) => {
        const trusted = v.lines.filter(
          (l) => ids.includes(l.id) && !l.flags.some((f) => DOUBTFUL_FLAGS.includes(f)),
        );
        return trusted.length === NODE_COUNT ? [] : [`node ${i} trusts ${trusted.length} of 6`];
      }),
    );
    const primaries = PRIMARY_RANGES.length;
    await Promise.all(
      ids.slice(0, primaries).map((id, i) => ask(i + primaries, 'CLUSTER', 'REPLICATE', id)),
    );
    await waitFor('agreement on slots and roles', deadline, admins, agreementProblems);
  } finally {
    await Promise.all(admins.map((a) => a.close()));
  }
}

/** One node's view: its CLUSTER NODES lines, cluster state and replication link. */
interface NodeView {
  readonly lines: readonly NodeLine[];
  readonly state: string;
  readonly linkStatus: string;
}

interface NodeLine {
  readonly id: string;
  readonly flags: readonly string[];
  /** `-` for a primary. */
  readonly primaryId: string;
  /** Slot ranges as listed (`0-5460`). */
  readonly slots: string;
}

async function readView(admin: RespoolClient): Promise<NodeView> {
  const [nodes, info, replication] = await Promise.all([
    admin.call('CLUSTER', 'NODES'),
    admin.call('CLUSTER', 'INFO'),
    admin.call('INFO', 'replication'),
  ]);
  const lines = replyText(nodes as RespValue, 'CLUSTER NODES')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line): NodeLine => {
      // <id> <ip:port@cport> <flags> <primary> <ping> <pong> <epoch> <link> <slot>...
      const [id = '', , flags = '', primaryId = '-', , , , , ...slots] = line.trim().split(' ');
      return { id, flags: flags.split(','), primaryId, slots: slots.join(' ') };
    });
  return {
    lines,
    state: parseInfo(replyText(info as RespValue, 'CLUSTER INFO')).get('cluster_state') ?? '?',
    linkStatus:
      parseInfo(replyText(replication as RespValue, 'INFO')).get('master_link_status') ?? '-',
  };
}

/** What keeps the nodes from agreeing; empty once they do. */
function agreementProblems(views: readonly NodeView[]): string[] {
  const table = (v: NodeView): string =>
    v.lines
      .map((l) => `${l.id}:${l.flags.includes('master') ? 'P' : `R>${l.primaryId}`}:${l.slots}`)
      .sort()
      .join(' ');
  const reference = views[0] === undefined ? '' : table(views[0]);
  const problems: string[] = [];
  views.forEach((v, i) => {
    if (v.state !== 'ok') problems.push(`node ${i}: cluster_state:${v.state}`);
    if (table(v) !== reference) problems.push(`node ${i} disagrees with node 0`);
    const self = v.lines.find((l) => l.flags.includes('myself'));
    if (self !== undefined && !self.flags.includes('master') && v.linkStatus !== 'up') {
      problems.push(`node ${i}: master_link_status:${v.linkStatus}`);
    }
    const primaries = v.lines.filter((l) => l.flags.includes('master') && l.slots !== '');
    if (primaries.length !== PRIMARY_RANGES.length) {
      problems.push(`node ${i} sees ${primaries.length} primaries with slots`);
    }
  });
  return problems;
}

async function waitFor(
  what: string,
  deadline: number,
  admins: readonly RespoolClient[],
  problemsOf: (views: readonly NodeView[]) => string[],
): Promise<void> {
  for (;;) {
    const views = await Promise.all(admins.map(readView));
    const problems = problemsOf(views);
    if (problems.length === 0) return;
    if (Date.now() >= deadline) {
      throw new DemoError(
        `The private cluster did not reach ${what} within ${FORM_DEADLINE_MS} ms: ${problems.join('; ')}`,
      );
    }
    await delay(POLL_MS);
  }
}
