/**
 * `respool proxy --cache` keeps the one budget (issue 10: upstream connections never exceed
 * `--max-connections`): the cache's tracking connections are counted with the shared, leased and
 * subscriber ones. Against a real 3-primary cluster and a real standalone server, cached reads,
 * blocking pops (more than the budget can lease) and pub/sub run together while every node's
 * CLIENT LIST is sampled: the proxy's connections (named `respool-proxy` and
 * `respool-proxy-cache`) never add up to more than `--max-connections`. A cluster budget too
 * small for a shared and a tracking connection per primary fails at start-up, naming
 * `--max-connections` and what it needs.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createClient, type RespoolClient } from '../../src/client/client.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { SharedBudget } from '../../src/pool/shared-budget.js';
import { ProxyNodeClient } from '../../src/proxy/cluster-node-client.js';
import { createProxy, type RespoolProxy } from '../../src/proxy/index.js';
import type { ClientInfo } from '../helpers/client-list.js';
import { RawClient } from '../helpers/raw-client.js';
import { type RedisCluster, startCluster } from '../helpers/redis-cluster.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

interface Peak {
  total: number;
  tracking: number;
  samples: number;
}

/** Every proxy connection (shared, leased, subscriber, tracking) on these servers together. */
async function proxyConnections(servers: readonly RedisServer[]): Promise<ClientInfo[]> {
  const lists = await Promise.all(servers.map((s) => s.clientList().catch(() => [])));
  return lists.flat().filter((c) => c.name === 'respool-proxy' || c.name === 'respool-proxy-cache');
}

/** Samples CLIENT LIST on `servers` until `stop()`; the highest counts seen. */
function sampler(servers: readonly RedisServer[]): { stop(): Promise<Peak> } {
  const peak: Peak = { total: 0, tracking: 0, samples: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      const conns = await proxyConnections(servers);
      peak.total = Math.max(peak.total, conns.length);
      peak.tracking = Math.max(
        peak.tracking,
        conns.filter((c) => c.name === 'respool-proxy-cache').length,
      );
      peak.samples++;
      await delay(10);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}

/**
 * Cached reads from `readers`, blocking pops from `poppers` clients (each BLPOP holds a lease
 * until a push or its 1 s timeout), and a publish to `subscribers`, all at once for `ms`.
 */
async function workload(
  port: number,
  readers: RespoolClient[],
  poppers: number,
  ms: number,
): Promise<{ reads: number; pops: number; messages: number }> {
  const end = Date.now() + ms;
  let reads = 0;
  let pops = 0;
  let messages = 0;
  const keys = Array.from({ length: 30 }, (_, i) => `pcb:key:${i}`);
  const readLoops = readers.map(async (r, n) => {
    while (Date.now() < end) {
      const key = keys[(reads + n) % keys.length]!;
      assert.equal(await r.get(key), `v:${key}`);
      reads++;
    }
  });
  const popClients = await Promise.all(
    Array.from({ length: poppers }, () => RawClient.connect(port)),
  );
  const popLoops = popClients.map(async (c, i) => {
    while (Date.now() < end) {
      // A nil after the timeout, a popped element, or the budget's -ERR: all answers.
      const reply = await c.call('BLPOP', `pcb:list:${i % 6}`, '1');
      if (reply.startsWith('*2')) pops++;
    }
  });
  const pusher = (async () => {
    const p = await RawClient.connect(port);
    while (Date.now() < end) {
      await p.call('RPUSH', `pcb:list:${pops % 6}`, 'x');
      await delay(20);
    }
    p.close();
  })();
  const sub = await RawClient.connect(port);
  await sub.call('SUBSCRIBE', 'pcb:news');
  const pub = await RawClient.connect(port);
  const pubsub = (async () => {
    while (Date.now() < end) {
      await pub.call('PUBLISH', 'pcb:news', 'hello');
      await sub.frame(5_000);
      messages++;
      await delay(30);
    }
  })();
  try {
    await Promise.all([...readLoops, ...popLoops, pusher, pubsub]);
  } finally {
    for (const c of [...popClients, sub, pub]) c.close();
  }
  return { reads, pops, messages };
}

describe('--cluster --cache', () => {
  const MAX = 8;
  let cluster: RedisCluster;
  let proxy: RespoolProxy;
  let port: number;
  const readers: RespoolClient[] = [];

  before(async () => {
    cluster = await startCluster();
    proxy = createProxy({
      listen: '127.0.0.1:0',
      cluster: { nodes: cluster.seeds },
      maxConnections: MAX,
      leaseTimeoutMs: 300,
      cache: { maxEntries: 1000 },
    });
    await proxy.listen();
    port = Number(proxy.address()[0]!.split(':')[1]);
    const seed = createClient({ url: `redis://127.0.0.1:${port}`, protocol: 2 });
    for (let i = 0; i < 30; i++) await seed.set(`pcb:key:${i}`, `v:pcb:key:${i}`);
    await seed.close();
    for (let i = 0; i < 8; i++) {
      readers.push(createClient({ url: `redis://127.0.0.1:${port}`, protocol: 2 }));
    }
  });

  after(async () => {
    await Promise.all(readers.map((r) => r.close()));
    await proxy?.close();
    await cluster?.stop();
  });

  test('tracking, shared, leased and subscriber connections stay within --max-connections', async () => {
    const primaries = await cluster.primaries();
    // Start-up gave every primary its tracking connection.
    const tracking = (await proxyConnections(primaries)).filter(
      (c) => c.name === 'respool-proxy-cache',
    );
    assert.equal(tracking.length, primaries.length, 'one tracking connection per primary');
    const hits = proxy.stats().cache?.hits ?? 0;
    const sampling = sampler(cluster.nodes);
    const done = await workload(port, readers, 12, 2_500);
    const peak = await sampling.stop();
    assert.ok(done.reads > 100 && done.pops > 0 && done.messages > 0, JSON.stringify(done));
    assert.ok((proxy.stats().cache?.hits ?? 0) > hits, 'the reads were served from the cache');
    assert.ok(peak.samples > 10, `sampled ${peak.samples} times`);
    assert.equal(peak.tracking, primaries.length, 'the tracking connections stayed open');
    assert.ok(
      peak.total <= MAX,
      `the nodes saw ${peak.total} proxy connections at once, over --max-connections ${MAX}`,
    );
    // The budget was used to its limit: the leases took every slot the others left.
    assert.equal(peak.total, MAX, `peak ${peak.total}: the blocking pops never filled the budget`);
  });

  test('a budget without room for a tracking connection per primary fails at start-up', async () => {
    const small = createProxy({
      listen: '127.0.0.1:0',
      cluster: { nodes: cluster.seeds },
      maxConnections: 6,
      cache: true,
    });
    await assert.rejects(
      small.listen(),
      (error: unknown) =>
        error instanceof InvalidArgumentError &&
        error.code === 'ERR_INVALID_ARGUMENT' &&
        /--max-connections.*6 is too few.*3 primaries with --cache.*needs at least 7/.test(
          error.message,
        ),
    );
    await small.close();
  });

  test('the CLI with such a budget says why and exits 1 (nothing it opened keeps it running)', async () => {
    const args = ['--import', 'tsx', 'src/cli/main.ts', 'proxy', '--listen', '127.0.0.1:0'];
    args.push('--cluster', cluster.seeds.join(','), '--cache', '--max-connections', '6');
    const run = promisify(execFile)(process.execPath, args, { timeout: 20_000 });
    const failed = await run.then(
      () => assert.fail('the proxy started'),
      (error: { code?: number; killed?: boolean; stderr?: string }) => error,
    );
    assert.equal(failed.killed, false, 'the CLI did not exit on its own');
    assert.equal(failed.code, 1);
    assert.match(failed.stderr ?? '', /--max-connections.*needs at least 7.*ERR_INVALID_ARGUMENT/);
  });
});

describe('standalone --cache', () => {
  // A RESP2 and a RESP3 shared connection, the tracking one, the subscriber: one left to lease.
  const MAX = 5;
  let server: RedisServer;
  let proxy: RespoolProxy;
  let port: number;
  const readers: RespoolClient[] = [];

  before(async () => {
    server = await startRedis();
    proxy = createProxy({
      listen: '127.0.0.1:0',
      upstream: server.url,
      maxConnections: MAX,
      leaseTimeoutMs: 300,
      cache: { maxEntries: 1000 },
    });
    await proxy.listen();
    port = Number(proxy.address()[0]!.split(':')[1]);
    for (let i = 0; i < 30; i++) await server.cli('SET', `pcb:key:${i}`, `v:pcb:key:${i}`);
    for (let i = 0; i < 4; i++) {
      readers.push(createClient({ url: `redis://127.0.0.1:${port}`, protocol: i % 2 ? 3 : 2 }));
    }
  });

  after(async () => {
    await Promise.all(readers.map((r) => r.close()));
    await proxy?.close();
    await server?.stop();
  });

  test('tracking, shared, leased and subscriber connections stay within --max-connections', async () => {
    const hits = proxy.stats().cache?.hits ?? 0;
    const sampling = sampler([server]);
    const done = await workload(port, readers, 6, 2_000);
    const peak = await sampling.stop();
    assert.ok(done.reads > 100 && done.pops > 0 && done.messages > 0, JSON.stringify(done));
    assert.ok((proxy.stats().cache?.hits ?? 0) > hits, 'the reads were served from the cache');
    assert.equal(peak.tracking, 1, 'one tracking connection');
    assert.ok(
      peak.total <= MAX,
      `the server saw ${peak.total} proxy connections at once, over --max-connections ${MAX}`,
    );
    assert.ok(proxy.stats().upstream.connections <= MAX, 'the proxy counts the same');
  });
});

describe('a node whose tracking connection finds no free slot', () => {
  let server: RedisServer;

  before(async () => {
    server = await startRedis();
  });

  after(async () => {
    await server?.stop();
  });

  test('has no cache (its reads go uncached) until a slot frees, never over the budget', async () => {
    // A node of a --cluster --cache proxy, as a primary that appears after start-up sees it.
    const budget = new SharedBudget(2);
    const node = new ProxyNodeClient(
      '127.0.0.1',
      server.port,
      budget,
      2,
      () => undefined,
      { full: false },
      undefined,
      { maxEntries: 10 },
    );
    try {
      const policy = {
        returnBuffers: false,
        timeoutMs: 0,
        idempotent: false,
        signal: undefined,
        keyPrefix: undefined,
      };
      const fallback = () => Promise.reject(new Error('unused'));
      // The shared connection holds one slot; a lease takes the other.
      assert.ok(budget.tryTake(), 'a lease takes the last slot');
      assert.equal(node.cachedView(policy, fallback), undefined, 'no slot: no cache');
      assert.equal(budget.used, 2);
      const names = async () => (await server.clientList()).map((c) => c.name);
      assert.ok(!(await names()).includes('respool-proxy-cache'));
      // The lease goes back: the next read gets its tracking connection, in the slot it freed.
      budget.give();
      const view = node.cachedView(policy, fallback);
      assert.ok(view !== undefined, 'a free slot: a cache');
      assert.equal(budget.used, 2, 'the tracking connection holds the freed slot');
      assert.equal(budget.tryTake(), false, 'and nothing is left over');
      await server.cli('SET', 'pcb:node', 'v');
      // Tracking is on once its connection is up (a read before that goes uncached).
      await node.tracking()?.mux.connect();
      assert.equal(await view.get('pcb:node'), 'v');
      assert.equal(await view.get('pcb:node'), 'v');
      assert.equal(node.cacheStats()?.hits, 1);
      assert.deepEqual(
        (await names()).filter((n) => n === 'respool-proxy-cache'),
        ['respool-proxy-cache'],
      );
    } finally {
      await node.close();
    }
    assert.equal(budget.used, 0, 'a closed node gives back its shared and tracking slots');
  });
});
