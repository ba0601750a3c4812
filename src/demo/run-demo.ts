/**
 * `respool demo`: the registry of incident replays and the run around them. A run picks its
 * server (REDIS_URL, or a private redis-server started for the occasion and always stopped),
 * opens the monitor connection, hands both to each replay in turn, and cleans up on every path.
 *
 * Adding a replay: write `incident-<n>.ts` exporting an `IncidentReplay`, list it below.
 */
import { randomBytes } from 'node:crypto';
import { redactUrl } from '../client/options.js';
import { DemoError } from './demo-error.js';
import { incident1 } from './incident-1.js';
import { incident2 } from './incident-2.js';
import { incident4 } from './incident-4.js';
import { startPrivateServer } from './private-server.js';
import type { IncidentReplay, ReplayReport, ReplayValues } from './replay.js';
import { ServerMonitor } from './server-monitor.js';

/** Every replay `respool demo --incident N` can run, in incident order. */
export const INCIDENT_REPLAYS: readonly IncidentReplay[] = [incident1, incident2, incident4];

/** The replay for incident `n`, if one exists. */
export function findReplay(n: number): IncidentReplay | undefined {
  return INCIDENT_REPLAYS.find((replay) => replay.incident === n);
}

/** What `runDemo` runs and where. */
export interface DemoOptions {
  /** Run in this order, one after the other, against the same server. */
  readonly replays: readonly IncidentReplay[];
  /** Option values; each replay reads the ones it declares. */
  readonly values: ReplayValues;
  /** Server to use instead of a private one (REDIS_URL). */
  readonly redisUrl: string | undefined;
  readonly progress: (line: string) => void;
}

/** One finished replay. */
export interface DemoReplayResult {
  readonly replay: IncidentReplay;
  readonly report: ReplayReport;
}

/** Finished replays and where they ran. */
export interface DemoResult {
  /** Where they ran, for the report header (password redacted). */
  readonly target: string;
  /** One per replay, in the order run. */
  readonly results: readonly DemoReplayResult[];
}

/**
 * Run the replays end to end, against one server. A replay that throws ends the run: the
 * server is stopped and the error propagates.
 * @throws DemoError for the failures a user can fix: no redis-server, unreachable REDIS_URL.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const shared = options.redisUrl !== undefined;
  let url: string;
  let describeTarget: (version: string) => string;
  let stop: () => Promise<void> = async () => {};
  if (options.redisUrl !== undefined) {
    url = options.redisUrl;
    const shown = redactUrl(url);
    describeTarget = (version) => `redis-server ${version} at ${shown} (REDIS_URL)`;
  } else {
    options.progress('starting a private redis-server...');
    const server = await startPrivateServer();
    url = server.url;
    stop = () => server.stop();
    describeTarget = (version) =>
      `private redis-server ${version} on ${server.host}:${server.port}, stopped afterwards`;
  }
  try {
    const monitor = await openMonitor(url, shared);
    try {
      const results: DemoReplayResult[] = [];
      for (const replay of options.replays) {
        if (options.replays.length > 1) {
          options.progress(`incident ${replay.incident}, ${replay.title}:`);
        }
        const report = await replay.run({
          url,
          monitor,
          shared,
          runId: randomBytes(4).toString('hex'),
          values: options.values,
          progress: options.progress,
        });
        results.push({ replay, report });
      }
      return { target: describeTarget(monitor.version), results };
    } finally {
      await monitor.close();
    }
  } finally {
    await stop();
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
