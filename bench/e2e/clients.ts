/**
 * The clients under test, by the names `--clients` accepts. Each adapter uses the library's
 * ordinary public API with the options a user would set; nothing is tuned for the benchmark.
 */
import { Redis } from 'ioredis';
import { createClient as createNodeRedis } from 'redis';
import { createClient as createRespool } from '../../src/index.js';
import { bareAdapter } from './bare-client.js';
import { type ClientAdapter, pickByName } from './client-adapter.js';

const respoolAdapter: ClientAdapter = {
  name: 'respool',
  description: 'respool (this repo, src/), defaults: one multiplexed connection, RESP3',
  async connect(url) {
    const client = createRespool(url);
    await client.ready();
    return {
      set: (k, v) => client.set(k, v),
      get: (k) => client.get(k),
      close: () => client.close(),
      details: () => ({ ...client.stats() }),
    };
  },
};

function ioredisAdapter(autoPipelining: boolean): ClientAdapter {
  return {
    name: autoPipelining ? 'ioredis-auto' : 'ioredis',
    description: `ioredis 6, enableAutoPipelining: ${autoPipelining}, RESP2 (its only protocol)`,
    async connect(url) {
      const client = new Redis(url, {
        enableAutoPipelining: autoPipelining,
        lazyConnect: true,
        // A broken benchmark should fail loudly, not retry quietly behind the numbers.
        maxRetriesPerRequest: 0,
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

const nodeRedisAdapter: ClientAdapter = {
  name: 'node-redis',
  description: 'node-redis 6 (`redis` package), createClient defaults: RESP3, one connection',
  async connect(url) {
    const client = createNodeRedis({ url });
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

/** Every adapter, in the default order of a round. */
export const ALL_ADAPTERS: readonly ClientAdapter[] = [
  respoolAdapter,
  ioredisAdapter(true),
  ioredisAdapter(false),
  nodeRedisAdapter,
  bareAdapter,
];

/** Adapters for a list of names, in the order given. */
export function pickAdapters(names: readonly string[]): ClientAdapter[] {
  return pickByName(ALL_ADAPTERS, names);
}
