/**
 * `respool demo`: the registry of incident replays and the run around them. A run starts what
 * its replays need, on first use: the server (REDIS_URL, or a private redis-server) with the
 * monitor connection for server replays, a private cluster for cluster replays. It hands them
 * to each replay in turn and stops everything it started on every path.
 *
 * Adding a replay: write `incident-<n>.ts` exporting an `IncidentReplay`, list it below.
 */
import { randomBytes } from 'node:crypto';
import { redactUrl } from '../client/options.js';
import { DemoError } from './demo-error.js';
import { incident1 } from './incident-1.js';
import { incident2 } from './incident-2.js';
import { incident4 } from './incident-4.js';
import { incident5 } from './incident-5.js';
import { type PrivateCluster, startPrivateCluster } from './private-cluster.js';
import { startPrivateServer } from './private-server.js';
import type { IncidentReplay, ReplayReport, ReplayValues } from './replay.js';
import { ServerMonitor } from './server-monitor.js';

/**
 * Incidents without a replay, and why: said in the demo's recap and help, so a reader never
 * wonders where one went.
 */
export const NOT_REPLAYED: readonly { readonly incident: number; readonly why: string }[] = [
  {
    incident: 3,
    why:
      'not replayed: its signature is connections idle for days next to a server at maxclients, ' +
      'which a demo cannot wait for. respool doctor reports it on a real server (idle-timeout, ' +
      'max-clients: the fix is CONFIG SET timeout 300), and test/integration/doctor.test.ts ' +
      'drives a server to its maxclients.',
  },
];

/** Every replay `respool demo --incident N` can run, in incident order. */
export const INCIDENT_REPLAYS: readonly IncidentReplay[] = [
  incident1,
  incident2,
  incident4,
  incident5,
];

/** The replay for incident `n`, if one exists. */
export function findReplay(n: number): IncidentReplay | undefined {
  return INCIDENT_REPLAYS.find((replay) => replay.incident === n);
}

/** What `runDemo` runs and where. */
export interface DemoOptions {
  /** Run in this order, one after the other; server replays share one server. */
  readonly replays: readonly IncidentReplay[];
  /** Option values; each replay reads the ones it declares. */
  readonly values: ReplayValues;
  /** Server to use instead of a private one (REDIS_URL); cluster replays always run privately. */
  readonly redisUrl: string | undefined;
  readonly progress: (line: string) => void;
  /** Called with each replay's result as soon as it finishes, before the next one starts. */
  readonly onResult?: (result: DemoReplayResult) => void;
}

/** One finished replay. */
export interface DemoReplayResult {
  readonly replay: IncidentReplay;
  /** Where it ran, for the report header (password redacted). */
  readonly target: string;
  readonly report: ReplayReport;
}

/** Finished replays, in the order run. */
export interface DemoResult {
  readonly results: readonly DemoReplayResult[];
}

/**
 * Run the replays end to end. A replay that throws ends the run: what was started is stopped
 * and the error propagates.
 * @throws DemoError for the failures a user can fix: no redis-server, unreachable REDIS_URL.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const targets = new Targets(options);
  try {
    const results: DemoReplayResult[] = [];
    const finished = (result: DemoReplayResult): void => {
      results.push(result);
      options.onResult?.(result);
    };
    for (const replay of options.replays) {
      if (options.replays.length > 1) {
        options.progress(`incident ${replay.incident}, ${replay.title}:`);
      }
      const runId = randomBytes(4).toString('hex');
      const common = { runId, values: options.values, progress: options.progress };
      if (replay.target === 'server') {
        const server = await targets.server();
        const report = await replay.run({ ...common, ...server.env });
        finished({ replay, target: server.description, report });
      } else {
        const cluster = await targets.cluster();
        const report = await replay.run({
          ...common,
          seeds: cluster.seeds,
          nodes: cluster.nodes.map((n) => ({ host: n.host, port: n.port })),
        });
        const seed = cluster.nodes[0];
        const description =
          `private 6-node cluster, redis-server ${cluster.version} on ` +
          `${seed?.host ?? '127.0.0.1'} (seed port ${seed?.port ?? '?'}), stopped afterwards`;
        finished({ replay, target: description, report });
      }
    }
    return { results };
  } finally {
    await targets.close();
  }
}

/** The server a server replay runs against, once started. */
interface ServerTarget {
  readonly env: { readonly url: string; readonly monitor: ServerMonitor; readonly shared: boolean };
  readonly description: string;
}

/** What the run has started so far; each started on first use, all stopped by `close()`. */
class Targets {
  readonly #options: DemoOptions;
  #server: Promise<ServerTarget> | undefined;
  #cluster: Promise<PrivateCluster> | undefined;
  readonly #cleanup: (() => Promise<void>)[] = [];

  constructor(options: DemoOptions) {
    this.#options = options;
  }

  server(): Promise<ServerTarget> {
    this.#server ??= this.#startServer();
    return this.#server;
  }

  cluster(): Promise<PrivateCluster> {
    this.#cluster ??= (async () => {
      this.#options.progress('starting a private 6-node redis cluster...');
      const cluster = await startPrivateCluster(this.#options.progress);
      this.#cleanup.push(() => cluster.stop());
      return cluster;
    })();
    return this.#cluster;
  }

  /** Stop everything, newest first (the monitor before its server), each even if one fails. */
  async close(): Promise<void> {
    let failure: unknown;
    for (const stop of this.#cleanup.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }

  async #startServer(): Promise<ServerTarget> {
    const { redisUrl, progress } = this.#options;
    let url: string;
    let describe: (version: string) => string;
    if (redisUrl !== undefined) {
      url = redisUrl;
      const shown = redactUrl(url);
      describe = (version) => `redis-server ${version} at ${shown} (REDIS_URL)`;
    } else {
      progress('starting a private redis-server...');
      const server = await startPrivateServer();
      this.#cleanup.push(() => server.stop());
      url = server.url;
      describe = (version) =>
        `private redis-server ${version} on ${server.host}:${server.port}, stopped afterwards`;
    }
    const shared = redisUrl !== undefined;
    const monitor = await openMonitor(url, shared);
    this.#cleanup.push(() => monitor.close());
    return { env: { url, monitor, shared }, description: describe(monitor.version) };
  }
}

async function openMonitor(url: string, shared: boolean): Promise<ServerMonitor> {
  try {
    return await ServerMonitor.open(url);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const where = shared ? `REDIS_URL (${redactUrl(url)})` : redactUrl(url);
    throw new DemoError(`Cannot use the Redis server at ${where}: ${reason}`, { cause: error });
  }
}
