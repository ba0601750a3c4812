/**
 * The cluster's side of the story, read over admin connections of the monitor's own, one per
 * node: topology queries served (`INFO commandstats`), connections accepted (`INFO stats`),
 * connections listed under a name (`CLIENT LIST`), and the config a replay changes. Counting on
 * the servers, not in the clients under test, is the point: a stampede is what the nodes serve.
 */
import { createClient, type RespoolClient } from '../client/client.js';
import type { RespValue } from '../protocol/resp-types.js';
import { parseInfo, replyText } from './request.js';

/** Name the monitor's connections show in CLIENT LIST. */
export const CLUSTER_MONITOR_CLIENT_NAME = 'respool-demo-monitor';
// Well under any idle `timeout` a replay sets (incident 5 uses 2 s), so the server never closes
// the monitor's connections: a reconnect would count as a connection accepted.
const MONITOR_PING_MS = 500;
const TOPOLOGY_COMMANDS = ['cmdstat_cluster|slots', 'cmdstat_cluster|shards'];

/** Counters summed over every node at one moment. */
export interface ClusterCounters {
  /** CLUSTER SLOTS plus CLUSTER SHARDS calls served. */
  readonly topologyQueries: number;
  /** `total_connections_received`. */
  readonly connectionsReceived: number;
}

/** Admin connections to every node of a cluster. */
export class ClusterMonitor {
  readonly #clients: readonly RespoolClient[];

  private constructor(clients: readonly RespoolClient[]) {
    this.#clients = clients;
  }

  /**
   * Connect to every node and check they answer.
   * @throws the client's error when a node cannot be reached.
   */
  static async open(
    nodes: readonly { readonly host: string; readonly port: number }[],
  ): Promise<ClusterMonitor> {
    const clients = nodes.map((n) =>
      createClient({
        host: n.host,
        port: n.port,
        name: CLUSTER_MONITOR_CLIENT_NAME,
        pingIntervalMs: MONITOR_PING_MS,
      }),
    );
    const monitor = new ClusterMonitor(clients);
    try {
      await Promise.all(clients.map((c) => c.call('PING')));
      return monitor;
    } catch (error) {
      monitor.destroy();
      throw error;
    }
  }

  /** Topology queries served and connections accepted, summed over the nodes. */
  async counters(): Promise<ClusterCounters> {
    const per = await Promise.all(
      this.#clients.map(async (c) => {
        const [commands, stats] = await Promise.all([
          this.#info(c, 'commandstats'),
          this.#info(c, 'stats'),
        ]);
        const queries = TOPOLOGY_COMMANDS.reduce((sum, name) => {
          const calls = /(?:^|,)calls=(\d+)/.exec(commands.get(name) ?? '')?.[1];
          return sum + Number(calls ?? 0);
        }, 0);
        return { queries, received: Number(stats.get('total_connections_received') ?? 0) };
      }),
    );
    return {
      topologyQueries: per.reduce((sum, p) => sum + p.queries, 0),
      connectionsReceived: per.reduce((sum, p) => sum + p.received, 0),
    };
  }

  /** Normal connections named `name`, summed over the nodes. */
  async clientsNamed(name: string): Promise<number> {
    const counts = await Promise.all(
      this.#clients.map(async (c) => {
        const text = replyText(
          (await c.call('CLIENT', 'LIST', 'TYPE', 'normal')) as RespValue,
          'CLIENT',
        );
        return text.split('\n').filter((line) => ` ${line} `.includes(` name=${name} `)).length;
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /** CONFIG SET on every node; resolves with each node's previous value, in node order. */
  async configSet(param: string, value: string): Promise<string[]> {
    return Promise.all(
      this.#clients.map(async (c) => {
        const before = (await c.call('CONFIG', 'GET', param)) as RespValue;
        await c.call('CONFIG', 'SET', param, value);
        return configValue(before, param);
      }),
    );
  }

  /** CONFIG SET `param` back to each node's value in `values` (node order). */
  async configRestore(param: string, values: readonly string[]): Promise<void> {
    await Promise.all(this.#clients.map((c, i) => c.call('CONFIG', 'SET', param, values[i]!)));
  }

  async close(): Promise<void> {
    await Promise.all(this.#clients.map((c) => c.close()));
  }

  destroy(): void {
    for (const c of this.#clients) c.destroy();
  }

  async #info(client: RespoolClient, section: string): Promise<Map<string, string>> {
    return parseInfo(replyText((await client.call('INFO', section)) as RespValue, 'INFO'));
  }
}

/** CONFIG GET's answer (a map in RESP3, a flat list in RESP2) → the value of `param`. */
function configValue(reply: RespValue, param: string): string {
  if (reply instanceof Map) {
    for (const [k, v] of reply) if (String(k) === param) return String(v);
  } else if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2)
      if (String(reply[i]) === param) return String(reply[i + 1]);
  }
  throw new TypeError(`CONFIG GET ${param}: no value in the reply`);
}
