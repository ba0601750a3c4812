/**
 * Replay of incident 5, "the cluster client that stampedes", on a private 6-node cluster whose
 * nodes close clients idle for `timeout` seconds. Each side warms up with a burst of concurrent
 * HMGETs, sits idle until the servers have closed its connections, then runs the same burst
 * again. Side A is the naive cluster client (`naive-cluster.ts`: random-node retry, shared
 * refresh flag, lock-free rebuilds over fresh connections); side B is respool's
 * `createCluster()`. What each burst cost is read from the nodes: topology queries served
 * (`INFO commandstats`) and connections accepted (`INFO stats`), summed over all six.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { toConnectionOptions } from '../client/option-slices.js';
import { resolveClientOptions } from '../client/options.js';
import { createCluster, type RespoolCluster } from '../cluster/cluster-client.js';
import { formatCount } from '../util/format-table.js';
import { type ClusterCounters, ClusterMonitor } from './cluster-monitor.js';
import { DemoError } from './demo-error.js';
import { auditSide, type DoctorVerdict } from './doctor-verdict.js';
import { NaiveClusterClient } from './naive-cluster.js';
import {
  type ClusterReplay,
  type ClusterReplayContext,
  type ClusterReplayEnv,
  optionValue,
  type ReplayOption,
  type ReplayReport,
} from './replay.js';

const HMGETS: ReplayOption = {
  name: 'hmgets',
  description: 'concurrent HMGETs per burst',
  default: 20,
  min: 1,
  max: 1_000,
};

const IDLE_SECONDS: ReplayOption = {
  name: 'idle-seconds',
  description: 'seconds each client sits idle before the measured burst',
  default: 3,
  min: 1,
  max: 60,
};

const SERVER_TIMEOUT: ReplayOption = {
  name: 'server-timeout',
  description: "the nodes' timeout: seconds idle before a node closes a client",
  default: 2,
  min: 1,
  max: 60,
};

const FIELDS = ['name', 'email'] as const;
// The server checks idle clients about once a second: allow that much past the idle time.
const CLOSE_WAIT_MS = 3_000;
const CLOSE_POLL_MS = 50;
// A refresh respool triggers waits up to 100 ms of jitter; count it if the burst caused one.
const SETTLE_MS = 300;

/** Parameters of {@link replayClusterStampede}. */
export interface StampedeParams {
  /** Concurrent HMGETs per burst. */
  readonly hmgets: number;
  /** Idle time before the measured burst; must exceed `serverTimeout` for the replay to bite. */
  readonly idleSeconds: number;
  /** `timeout` set on every node for the replay (restored afterwards). */
  readonly serverTimeout: number;
}

/** Latencies of one burst. */
export interface BurstResult {
  readonly succeeded: number;
  readonly errors: number;
  readonly firstError: Error | undefined;
  /** Replies that were not the hash's own fields. */
  readonly wrongReplies: number;
  readonly p50Ms: number;
  readonly maxMs: number;
}

/** What one side did. */
export interface StampedeSide {
  readonly clientName: string;
  /** The burst before idling: the side's normal latency. */
  readonly warm: BurstResult;
  /** The burst after the servers closed its idle connections. */
  readonly afterIdle: BurstResult;
  /** Its connections the servers closed while it sat idle. */
  readonly closedByServer: number;
  /** Topology queries (CLUSTER SLOTS + SHARDS) the nodes served during the burst. */
  readonly topologyQueries: number;
  /** Connections the nodes accepted during the burst. */
  readonly connectionsOpened: number;
  /** Naive: topology rebuilds; respool: `stats().refreshes`; both during the burst. */
  readonly refreshes: number;
  /** Naive: most rebuilds at once; respool: at most one, by construction. */
  readonly peakConcurrentRefreshes: number;
  /** Naive: MOVED replies got; respool: `stats().redirects`; both during the burst. */
  readonly redirects: number;
  /** Naive: commands that failed on a dead connection; respool: 0 (it never surfaces them). */
  readonly connectionErrors: number;
  readonly verdict: DoctorVerdict;
}

/** Everything {@link replayClusterStampede} measured. */
export interface StampedeResult {
  readonly params: StampedeParams;
  readonly naive: StampedeSide;
  readonly respool: StampedeSide;
}

/** `respool demo --incident 5`: random-node retries and concurrent rebuilds vs respool. */
export const incident5: ClusterReplay = {
  incident: 5,
  title: 'the cluster client that stampedes',
  target: 'cluster',
  options: [HMGETS, IDLE_SECONDS, SERVER_TIMEOUT],
  async run(context: ClusterReplayContext): Promise<ReplayReport> {
    const result = await replayClusterStampede(context, {
      hmgets: optionValue(context.values, HMGETS),
      idleSeconds: optionValue(context.values, IDLE_SECONDS),
      serverTimeout: optionValue(context.values, SERVER_TIMEOUT),
    });
    return stampedeReport(result);
  },
};

/** A side's own counters, as {@link StampedeSide} describes them (cumulative here). */
interface SideCounts {
  readonly refreshes: number;
  readonly peakConcurrentRefreshes: number;
  readonly redirects: number;
  readonly connectionErrors: number;
}

/** One side under test. */
interface Side {
  readonly label: string;
  readonly clientName: string;
  start(): Promise<void>;
  hmget(key: string): Promise<unknown>;
  counts(): SideCounts;
  close(): Promise<void>;
  destroy(): void;
}

/**
 * Run the replay: seed the hashes, then the naive client, then respool, each closed on every
 * path; the nodes' `timeout` is restored and the keys deleted at the end.
 * @throws DemoError when the idle time does not exceed the nodes' timeout (nothing would close).
 */
export async function replayClusterStampede(
  env: ClusterReplayEnv,
  params: StampedeParams,
): Promise<StampedeResult> {
  if (params.idleSeconds <= params.serverTimeout) {
    throw new DemoError(
      `--idle-seconds ${params.idleSeconds} must exceed --server-timeout ` +
        `${params.serverTimeout}: the nodes close only clients idle longer than their timeout`,
    );
  }
  const prefix = `respool-demo:${env.runId}:incident-5:`;
  const keys = Array.from({ length: params.hmgets }, (_, i) => `${prefix}user:${i}`);
  const monitor = await ClusterMonitor.open(env.nodes);
  try {
    const previous = await monitor.configSet('timeout', String(params.serverTimeout));
    try {
      await withSetupClient(env, (c) =>
        Promise.all(keys.map((k, i) => c.call('HSET', k, 'name', `user ${i}`, 'email', `${i}@x`))),
      );
      const naive = await measure(env, monitor, naiveSide(env), keys, params, undefined);
      const respool = await measure(env, monitor, respoolSide(env), keys, params, naive.verdict);
      return { params, naive, respool };
    } finally {
      await monitor.configRestore('timeout', previous);
      await withSetupClient(env, (c) => c.del(...keys));
    }
  } finally {
    await monitor.close();
  }
}

async function withSetupClient<T>(
  env: ClusterReplayEnv,
  fn: (client: RespoolCluster) => Promise<T>,
): Promise<T> {
  const client = createCluster({ nodes: env.seeds, name: `respool-demo-setup-${env.runId}` });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

function naiveSide(env: ClusterReplayEnv): Side {
  const clientName = `naive-cluster-${env.runId}`;
  const client = new NaiveClusterClient(env.nodes, (node) =>
    toConnectionOptions(
      resolveClientOptions({ host: node.host, port: node.port, name: clientName }),
    ),
  );
  return {
    label: 'naive cluster client',
    clientName,
    start: () => client.initialize(),
    hmget: (key) => client.command(['HMGET', key, ...FIELDS], key),
    counts: () => {
      const s = client.stats();
      return {
        refreshes: s.rebuilds,
        peakConcurrentRefreshes: s.peakConcurrentRebuilds,
        redirects: s.moved,
        connectionErrors: s.connectionErrors,
      };
    },
    close: () => client.close(),
    destroy: () => client.destroy(),
  };
}

function respoolSide(env: ClusterReplayEnv): Side {
  const clientName = `respool-demo-${env.runId}`;
  // No heartbeat, so the servers close its idle connections as they do the naive client's; by
  // default the heartbeat runs at half the server's timeout and they would stay open.
  const client = createCluster({ nodes: env.seeds, name: clientName, pingIntervalMs: 0 });
  return {
    label: 'respool',
    clientName,
    start: () => client.ready(),
    hmget: (key) => client.hmget(key, FIELDS),
    counts: () => {
      const s = client.stats();
      // Single-flight: never more than one refresh at a time. Callers never see a lost
      // connection: it is replaced and what is safe to resend is resent.
      return {
        refreshes: s.refreshes,
        peakConcurrentRefreshes: Math.min(1, s.refreshes),
        redirects: s.redirects,
        connectionErrors: 0,
      };
    },
    close: () => client.close(),
    destroy: () => client.destroy(),
  };
}

/** How long the doctor's audit runs before the burst: its first read of every node. */
const AUDIT_LEAD_MS = 400;

async function measure(
  env: ClusterReplayEnv,
  monitor: ClusterMonitor,
  side: Side,
  keys: readonly string[],
  params: StampedeParams,
  previous: DoctorVerdict | undefined,
): Promise<StampedeSide> {
  let closed = false;
  try {
    await side.start();
    env.progress(`${side.label}: warm-up bursts of ${keys.length} concurrent HMGETs...`);
    // The first burst dials; a second settles the JIT; the third is the side's normal latency.
    await burst(side, keys);
    await burst(side, keys);
    const warm = await burst(side, keys);
    const open = await monitor.clientsNamed(side.clientName);
    env.progress(
      `${side.label}: idle for ${params.idleSeconds} s (the nodes' timeout is ${params.serverTimeout} s)...`,
    );
    await delay(params.idleSeconds * 1000);
    const left = await waitForClosed(monitor, side.clientName);
    // The doctor audits across the burst: its sampling window must see the topology queries.
    // It starts first, so its own connections are open before the counters are read.
    const auditing = auditSide(env.seeds[0] ?? '', side, previous);
    await delay(AUDIT_LEAD_MS);
    const before = await monitor.counters();
    const own0 = side.counts();
    const afterIdle = await burst(side, keys);
    await delay(SETTLE_MS);
    const after = await monitor.counters();
    const own1 = side.counts();
    const verdict = await auditing;
    await side.close();
    closed = true;
    return {
      clientName: side.clientName,
      warm,
      afterIdle,
      closedByServer: Math.max(0, open - left),
      ...delta(before, after),
      refreshes: own1.refreshes - own0.refreshes,
      peakConcurrentRefreshes: own1.refreshes > own0.refreshes ? own1.peakConcurrentRefreshes : 0,
      redirects: own1.redirects - own0.redirects,
      connectionErrors: own1.connectionErrors - own0.connectionErrors,
      verdict,
    };
  } finally {
    if (!closed) side.destroy();
  }
}

function delta(
  before: ClusterCounters,
  after: ClusterCounters,
): { topologyQueries: number; connectionsOpened: number } {
  return {
    topologyQueries: after.topologyQueries - before.topologyQueries,
    connectionsOpened: after.connectionsReceived - before.connectionsReceived,
  };
}

/** Poll until the nodes list none of `name`'s connections; resolves with how many are left. */
async function waitForClosed(monitor: ClusterMonitor, name: string): Promise<number> {
  const deadline = Date.now() + CLOSE_WAIT_MS;
  for (;;) {
    const left = await monitor.clientsNamed(name);
    if (left === 0 || Date.now() >= deadline) return left;
    await delay(CLOSE_POLL_MS);
  }
}

/** One HMGET per key, all started in the same turn; each timed from its own start. */
async function burst(side: Side, keys: readonly string[]): Promise<BurstResult> {
  const latencies: number[] = [];
  let errors = 0;
  let wrongReplies = 0;
  let firstError: Error | undefined;
  await Promise.all(
    keys.map(async (key, i) => {
      const started = performance.now();
      try {
        const reply = await side.hmget(key);
        latencies.push(performance.now() - started);
        const want = JSON.stringify([`user ${i}`, `${i}@x`]);
        if (JSON.stringify(reply) !== want) wrongReplies++;
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error : new Error(String(error));
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    succeeded: latencies.length,
    errors,
    firstError,
    wrongReplies,
    p50Ms: latencies[Math.max(0, Math.ceil(latencies.length / 2) - 1)] ?? 0,
    maxMs: latencies.at(-1) ?? 0,
  };
}

/** Turn the measurements into the report the CLI prints. */
export function stampedeReport(result: StampedeResult): ReplayReport {
  const { params, naive, respool } = result;
  const n = params.hmgets;
  const setup = [
    `6 nodes (3 primaries, 3 replicas), each with timeout ${params.serverTimeout}: it closes a ` +
      `client idle ${params.serverTimeout} s.`,
    `Each side: a burst of ${fmt(n)} concurrent HMGETs (warm-up, then timed); idle ` +
      `${params.idleSeconds} s, until the nodes`,
    '            have closed its connections; then the same burst again, timed.',
    'naive cluster client: on a connection error, retry on a random node; MOVED sets a shared',
    '            "refresh ASAP" flag, and every caller that sees it rebuilds the slot table itself,',
    '            no lock, each over fresh connections to all 6 nodes (redis-py-cluster).',
    'respool:    createCluster({ nodes, pingIntervalMs: 0 }): heartbeat off, so the nodes close its',
    "            idle connections too (by default it pings at half the nodes' timeout).",
    'Counts: INFO commandstats and INFO stats of every node, summed, before and after the burst.',
  ];
  const latency = (b: BurstResult): string => `${ms(b.p50Ms)} / ${ms(b.maxMs)}`;
  const table = [
    ['', 'naive cluster client', 'respool'],
    [`HMGETs that succeeded after the idle close (of ${fmt(n)})`, ok(naive), ok(respool)],
    ['latency before idling, p50 / max (ms)', latency(naive.warm), latency(respool.warm)],
    [
      'latency after the idle close, p50 / max (ms)',
      latency(naive.afterIdle),
      latency(respool.afterIdle),
    ],
    ['idle connections the nodes closed', fmt(naive.closedByServer), fmt(respool.closedByServer)],
    [
      'connection errors seen by the client',
      fmt(naive.connectionErrors),
      fmt(respool.connectionErrors),
    ],
    [
      'MOVED replies (naive) / redirects followed (respool)',
      fmt(naive.redirects),
      fmt(respool.redirects),
    ],
    ['topology rebuilds (naive) / refreshes (respool)', rebuilds(naive), fmt(respool.refreshes)],
    [
      'CLUSTER SLOTS + SHARDS served during the burst',
      fmt(naive.topologyQueries),
      fmt(respool.topologyQueries),
    ],
    [
      'connections the nodes accepted during the burst',
      fmt(naive.connectionsOpened),
      fmt(respool.connectionsOpened),
    ],
  ];
  const slowdown = naive.afterIdle.maxMs / Math.max(0.001, naive.warm.maxMs);
  const findings = [
    `The nodes closed every client idle for ${params.serverTimeout} s. The naive client only ` +
      `found out by sending: ${fmt(naive.connectionErrors)} connection errors, each retried on a ` +
      `random node, which answered MOVED ${fmt(naive.redirects)} times. MOVED raised the shared ` +
      `refresh flag, and every caller that saw it rebuilt the slot table itself: ` +
      `${fmt(naive.refreshes)} rebuilds, up to ${fmt(naive.peakConcurrentRefreshes)} at once, ` +
      `each dialling all 6 nodes for CLUSTER SLOTS: ${fmt(naive.topologyQueries)} topology ` +
      `queries and ${fmt(naive.connectionsOpened)} new connections for ${fmt(n)} HMGETs.`,
    `Its slowest HMGET took ${ms(naive.afterIdle.maxMs)} ms, ${slowdown.toFixed(0)}x its ` +
      `slowest before idling (on loopback; in incident 5, 10 ms calls took 0.3–0.9 s).`,
    'respool saw each close as it happened (the FIN) and dialled the same node again on the ' +
      'next command: ' +
      `${fmt(respool.connectionsOpened)} connections, ${fmt(respool.topologyQueries)} topology ` +
      `queries, ${fmt(respool.refreshes)} refreshes, slowest HMGET ${ms(respool.afterIdle.maxMs)} ` +
      'ms. Its refreshes run single-flight in the background over existing connections, and a ' +
      'random node is never a recovery step.',
  ];
  return {
    setup,
    table,
    findings,
    checks:
      'every HMGET that succeeded returned its own hash; respool answered all of them after ' +
      'the idle close with at most one refresh.',
    failures: verify(result),
    verdicts: {
      note: 'across the burst after the idle close (all 6 nodes), before each side closed',
      sides: [naive.verdict, respool.verdict],
    },
  };
}

function verify(result: StampedeResult): string[] {
  const { naive, respool, params } = result;
  const failures: string[] = [];
  for (const [label, side] of [
    ['naive cluster client', naive],
    ['respool', respool],
  ] as const) {
    const wrong = side.warm.wrongReplies + side.afterIdle.wrongReplies;
    if (wrong > 0) failures.push(`${label}: ${wrong} HMGETs returned another hash's fields`);
  }
  if (naive.closedByServer === 0) {
    failures.push(
      `the nodes closed none of the naive client's connections within ${params.idleSeconds} s ` +
        `idle (timeout ${params.serverTimeout}): nothing was replayed`,
    );
  }
  for (const b of [respool.warm, respool.afterIdle]) {
    if (b.errors > 0) {
      failures.push(
        `respool: ${b.errors} HMGETs failed; first: ${b.firstError?.message ?? 'unknown'}`,
      );
    }
  }
  if (respool.refreshes > 1) {
    failures.push(`respool: ${respool.refreshes} topology refreshes during one burst`);
  }
  return failures;
}

function ok(side: StampedeSide): string {
  return fmt(side.afterIdle.succeeded);
}

function rebuilds(side: StampedeSide): string {
  return `${fmt(side.refreshes)} (up to ${fmt(side.peakConcurrentRefreshes)} at once)`;
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(1) : formatCount(Math.round(value));
}

function fmt(n: number): string {
  return formatCount(n);
}
