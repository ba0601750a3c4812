/**
 * `npm run bench`: respool against its peers and a bare-socket baseline, end to end, against one
 * private redis-server. See the project's performance notes (shared/docs/performance.md) for the reference figures and why rounds
 * alternate.
 *
 *   npm run bench                                    # default: 5 rounds x 1.5 s, 1/50/500 callers
 *   npm run bench -- --quick                         # smoke run: 1 round x 0.5 s
 *   npm run bench -- --clients respool,bare --callers 500 --rounds 5 --json out.json
 *   npm run bench -- --cluster                       # the cluster clients, one private cluster
 *   npm run bench -- --cluster --quick
 *   npm run bench -- --proxy                         # redis-benchmark: direct, respool proxy,
 *                                                    # twemproxy (bench/proxy/run.ts)
 *   npm run bench -- --cache                         # cached GET on a hot key set (cache-bench.ts)
 *
 * Each round runs every client once per caller count, in an order rotated by one each round, so
 * slow drift of the machine (other tenants, thermal state) spreads over all clients instead of
 * landing on whichever runs last. Every client is connected, warmed up, measured and closed
 * within its own slot, and the next slot waits (up to 5 s, with a warning) for the server to be
 * back to zero client connections, so each peak-connection figure belongs to one client alone.
 *
 * `--cluster` runs the same workload, rounds and checks against one private 6-node cluster (3
 * primaries, 3 replicas) started once for the whole run, with the cluster clients of
 * `cluster-clients.ts`; the connection monitor then watches every node and sums them.
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type RedisCluster, startCluster } from '../../test/helpers/redis-cluster.js';
import { type RedisServer, startRedis } from '../../test/helpers/redis-server.js';
import { runCacheBench } from './cache-bench.js';
import type { BenchClient, ClientAdapter } from './client-adapter.js';
import { ALL_ADAPTERS, pickAdapters } from './clients.js';
import {
  ALL_CLUSTER_ADAPTERS,
  type ClusterAdapter,
  pickClusterAdapters,
} from './cluster-clients.js';
import { ConnectionMonitor } from './connection-monitor.js';
import {
  type ClusterHeader,
  type ClusterNodeInfo,
  formatByNode,
  printHeader,
  printRatios,
  printTables,
  type RunHeader,
} from './report.js';
import { ResultSet, type RoundResult, ratios } from './summary.js';
import { runWorkload } from './workload.js';

const OURS = 'respool';
const CLOSE_TIMEOUT_MS = 10_000;
// Redis's default is 15 s; 5 s still means no node under this load is ever failed over (a
// failover mid-run would turn figures into redirect storms) while the cluster forms in ~3.5 s
// instead of 5–13 s, gossip being paced by the timeout.
const CLUSTER_NODE_TIMEOUT_MS = 5_000;

interface CommonConfig {
  readonly callers: readonly number[];
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly rounds: number;
  readonly json: string | undefined;
}

type Config = CommonConfig &
  (
    | { readonly mode: 'standalone'; readonly clients: readonly ClientAdapter[] }
    | { readonly mode: 'cluster'; readonly clients: readonly ClusterAdapter[] }
  );

const USAGE = `usage: npm run bench -- [options]
  --callers <list>      concurrent callers, comma-separated (default 1,50,500)
  --duration-ms <n>     measured time per client, caller count and round (default 1500)
  --warmup-ms <n>       unmeasured load before each measurement (default 300)
  --rounds <n>          rounds; figures are medians across them (default 5)
  --clients <list>      ${ALL_ADAPTERS.map((a) => a.name).join(',')} (default: all)
                        with --cluster: ${ALL_CLUSTER_ADAPTERS.map((a) => a.name).join(',')} (default: all)
  --cluster             benchmark the cluster clients against one private 6-node cluster
                        (3 primaries + 3 replicas) instead of one redis-server
  --json <file>         also write every round, summary and ratio to <file>
  --quick               smoke run: 1 round, 500 ms, 150 ms warm-up (explicit flags still win)
  --proxy               redis-benchmark direct vs respool proxy vs twemproxy (--proxy --help)
  --cache               cached GET on a hot key set instead (its own options: cache-bench.ts)`;

function parseConfig(argv: readonly string[]): Config | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      callers: { type: 'string' },
      'duration-ms': { type: 'string' },
      'warmup-ms': { type: 'string' },
      rounds: { type: 'string' },
      clients: { type: 'string' },
      json: { type: 'string' },
      cluster: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const quick = values.quick;
  const common: CommonConfig = {
    callers: parseList(values.callers ?? '1,50,500').map((s) => positiveInt(s, '--callers')),
    durationMs: positiveInt(values['duration-ms'] ?? (quick ? '500' : '1500'), '--duration-ms'),
    warmupMs: nonNegativeInt(values['warmup-ms'] ?? (quick ? '150' : '300'), '--warmup-ms'),
    rounds: positiveInt(values.rounds ?? (quick ? '1' : '5'), '--rounds'),
    json: values.json,
  };
  if (values.cluster) {
    const names = values.clients ?? ALL_CLUSTER_ADAPTERS.map((a) => a.name).join(',');
    return { ...common, mode: 'cluster', clients: pickClusterAdapters(parseList(names)) };
  }
  const names = values.clients ?? ALL_ADAPTERS.map((a) => a.name).join(',');
  return { ...common, mode: 'standalone', clients: pickAdapters(parseList(names)) };
}

function parseList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`${flag}: expected a positive integer, got "${text}"`);
  return n;
}

function nonNegativeInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(`${flag}: expected an integer ≥ 0, got "${text}"`);
  return n;
}

/**
 * The commit measured, with `+dirty` when src/ has uncommitted changes: figures are only
 * comparable between runs of the same code.
 */
function sourceRevision(): string {
  try {
    const git = (...args: string[]): string =>
      execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git('status', '--porcelain', '--', 'src') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? '+dirty' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** Rotates `items` left by `by`: round r starts with the r-th client. */
function rotate<T>(items: readonly T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

function withTimeout(promise: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Connect, warm up, measure, close: one client's slot in one round. */
async function runSlot<Target>(
  adapter: ClientAdapter<Target>,
  target: Target,
  callers: number,
  config: CommonConfig,
  monitor: ConnectionMonitor,
  position: { round: number; slot: number },
  results: ResultSet,
): Promise<RoundResult> {
  const leftover = await monitor.waitForIdle();
  if (leftover !== 0) {
    process.stderr.write(
      `warning: ${leftover} connection(s) still open before ${adapter.name}; its peak includes them\n`,
    );
  }
  monitor.start();
  let client: BenchClient | undefined;
  try {
    client = await adapter.connect(target);
    const warm = await runWorkload(client, callers, Math.max(config.warmupMs, 1));
    const m = await runWorkload(client, callers, config.durationMs);
    const { peak, samples, peakByServer } = monitor.stop();
    const details = client.details?.();
    await withTimeout(client.close(), CLOSE_TIMEOUT_MS, `${adapter.name} close()`);
    const problems = warm.wrongReplies + warm.rejections + m.wrongReplies + m.rejections;
    const result: RoundResult = {
      client: adapter.name,
      callers,
      round: position.round,
      slot: position.slot,
      opsPerSec: m.opsPerSec,
      ops: m.ops,
      elapsedMs: m.elapsedMs,
      p50Ns: m.histogram.percentile(50),
      p99Ns: m.histogram.percentile(99),
      meanNs: m.histogram.mean,
      maxNs: m.histogram.max,
      peakConnections: peak,
      peakConnectionsByNode: monitor.servers > 1 ? peakByServer : undefined,
      monitorSamples: samples,
      wrongReplies: warm.wrongReplies + m.wrongReplies,
      rejections: warm.rejections + m.rejections,
      firstProblem: warm.firstProblem ?? m.firstProblem,
      valid: problems === 0 && m.ops > 0,
      details,
    };
    results.add(result, m.histogram);
    return result;
  } catch (error) {
    const { peak, samples, peakByServer } = monitor.stop();
    if (client !== undefined) {
      await withTimeout(client.close(), CLOSE_TIMEOUT_MS, `${adapter.name} close()`).catch(
        () => undefined,
      );
    }
    // One broken client must not cost the figures of the others: record the failure and go on.
    const result: RoundResult = {
      client: adapter.name,
      callers,
      round: position.round,
      slot: position.slot,
      opsPerSec: Number.NaN,
      ops: 0,
      elapsedMs: 0,
      p50Ns: Number.NaN,
      p99Ns: Number.NaN,
      meanNs: Number.NaN,
      maxNs: Number.NaN,
      peakConnections: peak,
      peakConnectionsByNode: monitor.servers > 1 ? peakByServer : undefined,
      monitorSamples: samples,
      wrongReplies: 0,
      rejections: 1,
      firstProblem: (error as Error).message,
      valid: false,
      details: undefined,
    };
    results.rounds.push(result);
    return result;
  }
}

function progressLine(r: RoundResult, rounds: number, primaries: number): string {
  const figures = r.valid
    ? `${Math.round(r.opsPerSec)} ops/s, p50 ${(r.p50Ns / 1e3).toFixed(1)} µs, p99 ${(r.p99Ns / 1e3).toFixed(1)} µs`
    : `INVALID (${r.wrongReplies} wrong, ${r.rejections} rejected): ${r.firstProblem ?? 'no ops'}`;
  const byNode =
    r.peakConnectionsByNode === undefined
      ? ''
      : ` (${formatByNode(r.peakConnectionsByNode, primaries)})`;
  return `  [${r.callers} callers, round ${r.round + 1}/${rounds}] ${r.client.padEnd(12)} ${figures}, conns ${r.peakConnections}${byNode}\n`;
}

const print = (line: string): void => console.log(line);

function runHeader<Target>(
  config: CommonConfig,
  clients: readonly ClientAdapter<Target>[],
  redisVersion: string | undefined,
  cluster?: ClusterHeader,
): RunHeader {
  return {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    redisVersion: redisVersion ?? 'unknown',
    revision: sourceRevision(),
    rounds: config.rounds,
    durationMs: config.durationMs,
    warmupMs: config.warmupMs,
    callers: config.callers,
    clients: clients.map((c) => ({ name: c.name, description: c.description })),
    cluster,
  };
}

/** Every caller count, every round, every client once per round in rotated order. */
async function runRounds<Target>(
  config: CommonConfig,
  clients: readonly ClientAdapter<Target>[],
  target: Target,
  monitor: ConnectionMonitor,
  primaries: number,
): Promise<ResultSet> {
  const results = new ResultSet();
  for (const callers of config.callers) {
    for (let round = 0; round < config.rounds; round++) {
      const order = rotate(clients, round);
      for (let slot = 0; slot < order.length; slot++) {
        const position = { round, slot };
        const r = await runSlot(order[slot]!, target, callers, config, monitor, position, results);
        process.stderr.write(progressLine(r, config.rounds, primaries));
        // Let the closed client's sockets and timers settle before the next one starts.
        await delay(20);
      }
    }
  }
  return results;
}

/** Tables, ratios, `extra` lines, the run's duration, and the JSON when asked for. */
async function report(
  header: RunHeader,
  results: ResultSet,
  config: CommonConfig,
  started: number,
  primaries: number,
  extra: readonly string[],
  extraJson: Record<string, unknown>,
): Promise<void> {
  const summaries = results.summaries();
  const ratioList = ratios(summaries, results.rounds, OURS);
  printTables(summaries, config.callers, print, primaries);
  printRatios(ratioList, OURS, print);
  if (extra.length > 0) print('');
  for (const line of extra) print(line);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  print('');
  print(`run took ${seconds} s`);

  if (config.json !== undefined) {
    const doc = {
      header,
      startedAt: new Date(started).toISOString(),
      tookMs: Date.now() - started,
      latencyUnit: 'ns',
      summaryMethod:
        'median across rounds of ops/s, p50 and p99; merged* = percentiles of all rounds merged; peakConnections = max of per-round peaks',
      summaries,
      ratios: ratioList,
      ...extraJson,
      rounds: results.rounds,
    };
    // NaN is not JSON; null says "no figure" plainly.
    const text = JSON.stringify(
      doc,
      (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
      2,
    );
    await writeFile(config.json, `${text}\n`);
    print(`wrote ${config.json}`);
  }
}

async function benchStandalone(
  config: CommonConfig,
  clients: readonly ClientAdapter[],
  started: number,
): Promise<void> {
  const server = await startRedis();
  let monitor: ConnectionMonitor | undefined;
  try {
    monitor = await ConnectionMonitor.open([server.url]);
    // Destructured: redis names its fields in snake_case, and INFO is an index signature.
    const { redis_version: redisVersion } = await server.info('server');
    const header = runHeader(config, clients, redisVersion);
    printHeader(header, print);
    print('');
    const results = await runRounds(config, clients, server.url, monitor, 0);
    await report(header, results, config, started, 0, [], {});
  } finally {
    monitor?.close();
    await server.stop();
  }
}

/** Primaries in port order, then each one's replica in the same order. */
async function orderedNodes(
  cluster: RedisCluster,
): Promise<{ server: RedisServer; info: ClusterNodeInfo }[]> {
  const primaries = (await cluster.primaries()).sort((a, b) => a.port - b.port);
  const replicas = await Promise.all(
    (await cluster.replicas()).map(async (r) => ({ r, of: await cluster.primaryOf(r) })),
  );
  const rank = (p: RedisServer): number => primaries.indexOf(p);
  replicas.sort((a, b) => rank(a.of) - rank(b.of) || a.r.port - b.r.port);
  return [
    ...primaries.map((p) => ({ server: p, info: { port: p.port, role: 'primary' as const } })),
    ...replicas.map(({ r, of }) => ({
      server: r,
      info: { port: r.port, role: 'replica' as const, replicaOf: of.port },
    })),
  ];
}

/** `keys=N` of db0 in INFO keyspace; 0 when the node holds no key. */
async function keyCount(server: RedisServer): Promise<number> {
  const { db0 } = await server.info('keyspace');
  return Number(/keys=(\d+)/.exec(db0 ?? '')?.[1] ?? '0');
}

async function benchCluster(
  config: CommonConfig,
  clients: readonly ClusterAdapter[],
  started: number,
): Promise<void> {
  process.stderr.write('starting a 6-node cluster…\n');
  const cluster = await startCluster({ nodeTimeoutMs: CLUSTER_NODE_TIMEOUT_MS });
  let monitor: ConnectionMonitor | undefined;
  try {
    const nodes = await orderedNodes(cluster);
    const primaries = nodes.filter((n) => n.info.role === 'primary').length;
    monitor = await ConnectionMonitor.open(nodes.map((n) => n.server.url));
    const { redis_version: redisVersion } = await nodes[0]!.server.info('server');
    const header = runHeader(config, clients, redisVersion, {
      nodes: nodes.map((n) => n.info),
      nodeTimeoutMs: CLUSTER_NODE_TIMEOUT_MS,
    });
    printHeader(header, print);
    print('');
    const results = await runRounds(config, clients, cluster.seeds, monitor, primaries);

    // Evidence that the load really was spread and the cluster held still: every key k0..k(N-1)
    // is on its slot's primary and that primary's replica, and no replica took over.
    const keys = await Promise.all(nodes.map((n) => keyCount(n.server)));
    const after = (await cluster.primaries()).map((p) => p.port).sort((a, b) => a - b);
    const before = nodes.filter((n) => n.info.role === 'primary').map((n) => n.info.port);
    const unchanged = after.join() === before.join();
    const extra = [
      `keys on each node after the run: ${formatByNode(keys, primaries)} (total on primaries ` +
        `${keys.slice(0, primaries).reduce((a, b) => a + b, 0)}, expected ${Math.max(...config.callers)})`,
      unchanged
        ? 'primaries unchanged during the run (no failover)'
        : `WARNING: primaries changed during the run (${before.join(',')} → ${after.join(',')}); figures include redirects`,
    ];
    await report(header, results, config, started, primaries, extra, {
      keysByNode: keys,
      primariesAtEnd: after,
    });
  } finally {
    monitor?.close();
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  // The proxy bench drives redis-benchmark, not these clients: it has its own flags.
  if (process.argv.includes('--proxy')) {
    const { runProxyBench } = await import('../proxy/run.js');
    await runProxyBench(process.argv.slice(2));
    return;
  }
  if (process.argv.includes('--cache')) {
    await runCacheBench(process.argv.slice(2));
    return;
  }
  const config = parseConfig(process.argv.slice(2));
  if (config === undefined) {
    console.log(USAGE);
    return;
  }
  const started = Date.now();
  if (config.mode === 'cluster') await benchCluster(config, config.clients, started);
  else await benchStandalone(config, config.clients, started);
}

await main();
