/**
 * The cluster client against a real 6-node cluster (3 primaries, 3 replicas): routing, hash
 * tags, cross-slot refusal and the splitting helpers, idle-closed connections (incident 5's
 * trigger), and a slot migrated under 200 concurrent callers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createCluster, keySlot, type RespoolCluster } from '../../src/index.js';
import { type RedisCluster, startCluster } from '../helpers/redis-cluster.js';

let cluster: RedisCluster;
let c: RespoolCluster;

before(async () => {
  cluster = await startCluster();
  c = createCluster({ nodes: [cluster.seeds[0]!] });
  await c.ready();
});

after(async () => {
  await c.close();
  await cluster.stop();
});

const refreshQueries = async (): Promise<number> =>
  (await cluster.commandStat('cluster|shards')) + (await cluster.commandStat('cluster|slots'));

describe('routing', () => {
  test('keys land on the primary that owns their slot; our slot function agrees with the server', async () => {
    for (const key of ['a', 'user:1000', '{user1000}.following', 'ü-unicode', '']) {
      assert.equal(keySlot(key), await cluster.keySlot(key), key);
    }
    for (let i = 0; i < 30; i++) {
      const key = `route:${i}`;
      await c.set(key, String(i));
      const owner = await cluster.slotOwner(keySlot(key));
      // Read straight from the owner, without redirects: the key really lives there.
      assert.equal(await owner.cli('GET', key), String(i));
    }
  });

  test('hash tags keep keys together: multi-key commands and multi() on one slot', async () => {
    await c.mset({ '{order:7}:status': 'paid', '{order:7}:total': '42' });
    assert.deepEqual(await c.call('MGET', '{order:7}:status', '{order:7}:total'), ['paid', '42']);
    const results = await c.multi().incr('{order:7}:version').get('{order:7}:status').exec();
    assert.deepEqual(results, [1, 'paid']);
  });

  test('keys in different slots: ERR_CROSS_SLOT, unless a splitting helper is used', async () => {
    assert.notEqual(keySlot('x1'), keySlot('x2'));
    await assert.rejects(c.call('MGET', 'x1', 'x2'), { code: 'ERR_CROSS_SLOT' });
    await assert.rejects(c.multi().set('x1', '1').set('x2', '2').exec(), {
      code: 'ERR_CROSS_SLOT',
    });
    const keys = Array.from({ length: 200 }, (_, i) => `split:${i}`);
    await c.mset(keys.map((k, i) => [k, `v${i}`] as const));
    assert.deepEqual(
      await c.mget([...keys, 'split:missing']),
      [...keys.map((_, i) => `v${i}`), null],
      'answers come back in the order asked',
    );
    assert.equal(await c.exists(...keys.slice(0, 50), 'nope'), 50);
    assert.equal(await c.del(...keys.slice(0, 100)), 100);
    assert.equal(await c.unlink(...keys.slice(100)), 100);
    assert.equal(await c.exists(...keys), 0);
  });

  test('pipeline spans nodes; leases, blocking commands and pub/sub work per node', async () => {
    const results = await c
      .pipeline()
      .set('p:1', 'a')
      .set('p:2', 'b')
      .get('p:1')
      .get('p:2')
      .call('NOPE')
      .exec();
    assert.deepEqual(results.slice(0, 4), ['OK', 'OK', 'a', 'b']);
    assert.equal((results[4] as { prefix: string }).prefix, 'ERR');
    const exec = await c.withConnection('lease:k', async (conn) => {
      await conn.watch('lease:k');
      return conn.multi().set('lease:k', 'v').exec();
    });
    assert.deepEqual(exec, ['OK']);
    const popped = c.blpop(['queue:{q}'], 2);
    await delay(50);
    await c.rpush('queue:{q}', 'job');
    assert.deepEqual(await popped, ['queue:{q}', 'job']);
    const got: string[] = [];
    const sub = await c.ssubscribe('shard:{s}', (m) => got.push(m));
    assert.equal(await c.spublish('shard:{s}', 'hi'), 1);
    const classic: string[] = [];
    const sub2 = await c.subscribe('news', (m) => classic.push(m));
    await c.publish('news', 'hello');
    for (let i = 0; i < 100 && (got.length === 0 || classic.length === 0); i++) await delay(10);
    assert.deepEqual(got, ['hi']);
    assert.deepEqual(classic, ['hello']);
    await sub.unsubscribe();
    await sub2.unsubscribe();
  });

  test('stats per node and in total', () => {
    const s = c.stats();
    assert.equal(s.shards, 3);
    assert.equal(s.slotsCovered, 16384);
    // At most one client per serving node (3 primaries): clients made only to ask a seed or a
    // replica for the topology are closed, and node clients are created on first use.
    const nodeCount = Object.keys(s.nodes).length;
    assert.ok(nodeCount >= 1 && nodeCount <= 3, `${nodeCount} node clients`);
    const sum = Object.values(s.nodes).reduce((a, n) => a + n.commandsSent, 0);
    assert.equal(s.total.commandsSent, sum);
    assert.ok(s.total.open <= Object.keys(s.nodes).length * 10);
  });
});

describe('reads from replicas', () => {
  test("readFrom 'replica-preferred': reads go to replicas (READONLY), writes to primaries", async () => {
    const client = createCluster({ nodes: cluster.seeds, readFrom: 'replica-preferred' });
    const getsOn = async (nodes: { info(section: string): Promise<Record<string, string>> }[]) => {
      let calls = 0;
      for (const n of nodes) {
        const stat = (await n.info('commandstats'))['cmdstat_get'] ?? '';
        calls += Number(/calls=(\d+)/.exec(stat)?.[1] ?? 0);
      }
      return calls;
    };
    try {
      const keys = Array.from({ length: 30 }, (_, i) => `rr:${i}`);
      await client.mset(keys.map((k) => [k, 'v'] as const));
      const replicas = await cluster.replicas();
      const primaries = await cluster.primaries();
      const [rBefore, pBefore] = [await getsOn(replicas), await getsOn(primaries)];
      for (const k of keys) assert.equal(await client.get(k), 'v');
      const [rAfter, pAfter] = [await getsOn(replicas), await getsOn(primaries)];
      assert.equal(rAfter - rBefore, keys.length, 'every GET was served by a replica');
      assert.equal(pAfter - pBefore, 0);
    } finally {
      await client.close();
    }
  });
});

describe('observability', () => {
  test('cluster commands are traced, refreshes published, and Prometheus sees the totals', async () => {
    const dc = await import('node:diagnostics_channel');
    const { CHANNELS, registerPrometheusMetrics } = await import('../../src/index.js');
    const { Registry } = await import('prom-client');
    const traced: { command: string; args: readonly unknown[] }[] = [];
    const refreshes: { outcome: string; trigger: string }[] = [];
    const tracing = dc.tracingChannel(CHANNELS.command);
    const noop = (): void => undefined;
    const handlers = {
      start(message: unknown) {
        traced.push(message as { command: string; args: readonly unknown[] });
      },
      end: noop,
      asyncStart: noop,
      asyncEnd: noop,
      error: noop,
    };
    tracing.subscribe(handlers);
    const onRefresh = (message: unknown) =>
      refreshes.push(message as { outcome: string; trigger: string });
    dc.subscribe(CHANNELS.topologyRefresh, onRefresh);
    const client = createCluster({ nodes: [cluster.seeds[1]!], name: 'orders' });
    const registry = new Registry();
    const unregister = await registerPrometheusMetrics(client.metricsSource(), registry);
    try {
      await client.set('metrics:k', 'secret-value');
      assert.equal(await client.get('metrics:k'), 'secret-value');
      const set = traced.find((m) => m.command === 'SET');
      assert.ok(set !== undefined, 'SET was traced');
      assert.ok(!JSON.stringify(set.args).includes('secret-value'), 'values are not published');
      assert.ok(refreshes.some((r) => r.trigger === 'startup' && r.outcome === 'changed'));
      const text = await registry.metrics();
      assert.match(text, /client="orders"/);
      assert.match(text, /respool_/);
    } finally {
      unregister();
      tracing.unsubscribe(handlers);
      dc.unsubscribe(CHANNELS.topologyRefresh, onRefresh);
      await client.close();
    }
  });
});

describe('one connection budget across nodes', () => {
  test('maxConnectionsTotal caps every node together; blocking work waits instead of dialling', async (t) => {
    // 3 primaries: 3 multiplexed connections (reserved) + 3 leases in all, whatever the slots.
    const client = createCluster({
      nodes: cluster.seeds,
      maxConnectionsTotal: 6,
      acquireTimeoutMs: 10_000,
    });
    try {
      await client.ready();
      let peak = 0;
      let done = false;
      const sampler = (async () => {
        while (!done) {
          peak = Math.max(peak, client.stats().total.open + client.stats().total.connecting);
          await delay(5);
        }
      })();
      const keys = Array.from({ length: 30 }, (_, i) => `budget:${i}`);
      const results = await Promise.all(keys.map((k) => client.blpop([k], 0.05)));
      done = true;
      await sampler;
      t.diagnostic(`30 BLPOPs over 3 nodes with maxConnectionsTotal 6: peak ${peak} connections`);
      assert.ok(results.every((r) => r === null));
      assert.ok(peak <= 6, `peak ${peak}`);
      assert.ok(peak >= 4, `leases were used (peak ${peak})`);
    } finally {
      await client.close();
    }
  });
});

describe('incident 5: idle-closed connections do not cause a refresh storm', () => {
  test("nodes' timeout 2, 3 s idle: 20 concurrent HMGETs succeed fast, at most one refresh", async (t) => {
    const client = createCluster({ nodes: cluster.seeds });
    try {
      const keys = Array.from({ length: 20 }, (_, i) => `h:${i}`);
      await Promise.all(keys.map((k) => client.hset(k, { a: '1', b: '2' })));
      // Set after connecting: the client learns nothing new, the server just closes idle clients.
      await cluster.setAll('timeout', '2');
      const before = await refreshQueries();
      await delay(3_000);
      const timings = await Promise.all(
        keys.map(async (k) => {
          const t0 = performance.now();
          assert.deepEqual(await client.hmget(k, ['a', 'b']), ['1', '2']);
          return performance.now() - t0;
        }),
      );
      const slowest = Math.max(...timings);
      const rise = (await refreshQueries()) - before;
      t.diagnostic(`slowest HMGET ${slowest.toFixed(1)} ms; CLUSTER SHARDS+SLOTS rose by ${rise}`);
      assert.ok(slowest <= 50, `slowest HMGET took ${slowest.toFixed(1)} ms`);
      assert.ok(rise <= 1, `topology queries rose by ${rise}`);
    } finally {
      await cluster.setAll('timeout', '0');
      await client.close();
    }
  });
});

describe('resharding under load', () => {
  test('a slot migrated under 200 callers: every command succeeds, a handful of refreshes', async (t) => {
    const slot = keySlot('{hot}');
    const keys = Array.from({ length: 200 }, (_, i) => `{hot}:${i}`);
    await c.mset(keys.map((k) => [k, 'v'] as const));
    const from = await cluster.slotOwner(slot);
    const to = (await cluster.primaries()).find((p) => p !== from)!;
    const refreshesBefore = c.stats().refreshes;
    const queriesBefore = await refreshQueries();
    let running = true;
    let ok = 0;
    const failures: unknown[] = [];
    const load = Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const key = keys[i]!;
        while (running) {
          try {
            await c.set(key, `v${i}`);
            assert.equal(await c.get(key), `v${i}`);
            ok++;
          } catch (error) {
            failures.push(error);
          }
        }
      }),
    );
    await delay(100);
    await cluster.migrateSlot(slot, to, { keysPerBatch: 20 });
    await delay(300);
    running = false;
    await load;
    const refreshes = c.stats().refreshes - refreshesBefore;
    const queries = (await refreshQueries()) - queriesBefore;
    t.diagnostic(
      `${ok} SET+GET pairs, ${failures.length} failures, ${c.stats().redirects} redirects, ${refreshes} refreshes, ${queries} topology queries`,
    );
    assert.deepEqual(failures, []);
    assert.ok(ok > 200);
    assert.equal(await cluster.slotOwner(slot), to);
    assert.ok(refreshes <= 5, `${refreshes} refreshes`);
    assert.ok(queries <= 15, `${queries} CLUSTER SHARDS/SLOTS queries (up to 3 nodes per refresh)`);
  });
});
