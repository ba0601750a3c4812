/**
 * The cluster clients under test (`--cluster`), by the names `--clients` accepts. They carry the
 * same names as their standalone counterparts, so the report and the ratios read the same way.
 * Each gets every seed and the options a user would set; nothing is tuned for the benchmark.
 */
import { Cluster } from 'ioredis';
import { createCluster as createNodeRedisCluster } from 'redis';
import { createCluster as createRespoolCluster } from '../../src/index.js';
import { type ClientAdapter, pickByName } from './client-adapter.js';

/** A cluster adapter connects to the seed URLs of one cluster. */
export type ClusterAdapter = ClientAdapter<readonly string[]>;

function hostPort(url: string): { host: string; port: number } {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port) };
}

const respoolAdapter: ClusterAdapter = {
  name: 'respool',
  description: 'respool createCluster (this repo, src/), defaults: reads from primaries, RESP3',
  async connect(seeds) {
    const client = createRespoolCluster({ nodes: seeds });
    await client.ready();
    return {
      set: (k, v) => client.set(k, v),
      get: (k) => client.get(k),
      close: () => client.close(),
      details: () => ({ ...client.stats() }),
    };
  },
};

function ioredisAdapter(autoPipelining: boolean): ClusterAdapter {
  return {
    name: autoPipelining ? 'ioredis-auto' : 'ioredis',
    // ioredis 6 speaks RESP3 by default (`protocol: 3`); only its topology refresher uses RESP2.
    description: `ioredis 6 Cluster, enableAutoPipelining: ${autoPipelining}, defaults: scaleReads master, RESP3`,
    async connect(seeds) {
      const client = new Cluster(seeds.map(hostPort), {
        enableAutoPipelining: autoPipelining,
        lazyConnect: true,
        // A broken benchmark should fail loudly, not retry quietly behind the numbers.
        redisOptions: { maxRetriesPerRequest: 0 },
      });
      await client.connect();
      return {
        set: (k, v) => client.set(k, v),
        get: (k) => client.get(k),
        close: async () => {
          await client.quit();
        },
      };
    },
  };
}

const nodeRedisAdapter: ClusterAdapter = {
  name: 'node-redis',
  description: 'node-redis 6 (`redis` package) createCluster defaults: primaries only, RESP3',
  async connect(seeds) {
    const client = createNodeRedisCluster({ rootNodes: seeds.map((url) => ({ url })) });
    // An unhandled 'error' event would crash the run; the workload's reply check reports failures.
    client.on('error', () => undefined);
    await client.connect();
    return {
      set: (k, v) => client.set(k, v),
      get: (k) => client.get(k),
      close: () => client.close(),
    };
  },
};

/** Every cluster adapter, in the default order of a round. No bare baseline: it cannot route. */
export const ALL_CLUSTER_ADAPTERS: readonly ClusterAdapter[] = [
  respoolAdapter,
  ioredisAdapter(true),
  ioredisAdapter(false),
  nodeRedisAdapter,
];

/** Cluster adapters for a list of names, in the order given. */
export function pickClusterAdapters(names: readonly string[]): ClusterAdapter[] {
  return pickByName(ALL_CLUSTER_ADAPTERS, names);
}
