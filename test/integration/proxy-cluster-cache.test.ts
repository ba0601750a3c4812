/**
 * `respool proxy --cluster --cache` against a real 3-primary cluster: cached reads for every
 * proxy client from one tracking connection per node (`cluster.cached`), with the guarantee for
 * each client and no sync: after a write is acknowledged (through the proxy, or straight to the
 * node by another client), the next read through the proxy returns the new value, in RESP2 and
 * RESP3; and reads stay fresh while a slot moves to another primary (its old owner's entries are
 * flushed) and after.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createClient, type RespoolClient } from '../../src/client/client.js';
import { createCluster, type RespoolCluster } from '../../src/cluster/cluster-client.js';
import { createProxy, type RespoolProxy } from '../../src/proxy/index.js';
import { renderProxyMetrics } from '../../src/proxy/metrics-endpoint.js';
import { freshnessRound } from '../helpers/cache-freshness.js';
import { RawClient } from '../helpers/raw-client.js';
import { type RedisCluster, startCluster } from '../helpers/redis-cluster.js';

let cluster: RedisCluster;
let proxy: RespoolProxy;
let direct: RespoolCluster;
let viaProxy3: RespoolClient;
let viaProxy2: RespoolClient;

before(async () => {
  cluster = await startCluster();
  proxy = createProxy({
    listen: '127.0.0.1:0',
    cluster: { nodes: cluster.seeds },
    maxConnections: 12,
    cache: { maxEntries: 1000 },
  });
  await proxy.listen();
  const url = `redis://${proxy.address()[0]}`;
  direct = createCluster({ nodes: cluster.seeds });
  viaProxy3 = createClient({ url, protocol: 3 });
  viaProxy2 = createClient({ url, protocol: 2 });
  await Promise.all([direct.ready(), viaProxy3.ready(), viaProxy2.ready()]);
});

after(async () => {
  await Promise.all([direct?.close(), viaProxy3?.close(), viaProxy2?.close()]);
  await proxy?.close();
  await cluster?.stop();
});

/** Tracking connections of the proxy's cache on each primary. */
async function trackingPerPrimary(): Promise<number[]> {
  const primaries = await cluster.primaries();
  return Promise.all(
    primaries.map(
      async (n) => (await n.clientList()).filter((c) => c.name === 'respool-proxy-cache').length,
    ),
  );
}

test('reads through the proxy are cached, one tracking connection per node', async () => {
  await direct.set('pcc:1', 'one');
  const end = Date.now() + 10_000;
  while ((proxy.stats().cache?.hits ?? 0) === 0) {
    assert.ok(Date.now() < end, 'the proxy cache never hit');
    assert.equal(await viaProxy3.get('pcc:1'), 'one');
    await delay(5);
  }
  await direct.hset('pcc:h', { a: '1', b: '2' });
  for (const c of [viaProxy3, viaProxy2, viaProxy3]) {
    assert.deepEqual(await c.hgetall('pcc:h'), { a: '1', b: '2' });
    assert.equal(await c.exists('pcc:h'), 1);
    assert.equal(await c.type('pcc:h'), 'hash');
  }
  // Touch keys on every primary so each node's cache has a connection to track on.
  for (let i = 0; i < 30; i++) await viaProxy3.get(`pcc:spread:${i}`);
  assert.deepEqual(await trackingPerPrimary(), [1, 1, 1]);
  // /metrics shows the nodes' caches summed, as stats() does.
  const stats = proxy.stats().cache!;
  const text = renderProxyMetrics(proxy);
  const value = (name: string): number =>
    Number(
      new RegExp(`^respool_cache_${name}\\{client="respool-proxy-cache"\\} (\\d+)$`, 'm').exec(
        text,
      )?.[1],
    );
  assert.ok(stats.misses >= 30 && stats.entries >= 30, JSON.stringify(stats));
  assert.equal(value('hits_total'), stats.hits);
  assert.equal(value('misses_total'), stats.misses);
  assert.equal(value('entries'), stats.entries);
});

test('after any acknowledged write, the next read through the proxy sees it (no sync)', async () => {
  const keys = ['pcc:a', 'pcc:b', 'pcc:c', 'pcc:d', 'pcc:e'];
  const last = new Map<string, string | null>();
  const hits = proxy.stats().cache?.hits ?? 0;
  for (let i = 0; i < 200; i++) {
    await freshnessRound(i, keys, last, i % 3 === 0 ? viaProxy2 : direct, [viaProxy3, viaProxy2]);
  }
  assert.ok((proxy.stats().cache?.hits ?? 0) - hits > 200, 'most reads were hits');
});

test('a slot moving to another primary: reads stay fresh during and after', async () => {
  const key = 'pcc:moving';
  await direct.set(key, 'before');
  assert.equal(await viaProxy3.get(key), 'before');
  assert.equal(await viaProxy3.get(key), 'before');
  const slot = await cluster.keySlot(key);
  const owner = await cluster.slotOwner(slot);
  const target = (await cluster.primaries()).find((p) => p.port !== owner.port)!;
  let n = 0;
  let stop = false;
  // Writes and reads all through the move: each read must see the write acknowledged before it.
  const churn = (async () => {
    while (!stop) {
      const value = `m${n++}`;
      await direct.set(key, value);
      assert.equal(await viaProxy3.get(key), value, `during the move, after ${value}`);
      assert.equal(await viaProxy2.get(key), value, `during the move, after ${value}`);
    }
  })();
  try {
    await cluster.migrateSlot(slot, target);
    await delay(300);
  } finally {
    stop = true;
    await churn;
  }
  assert.equal((await cluster.slotOwner(slot)).port, target.port);
  // After the move, straight to the new owner by another client, then through the proxy.
  const end = Date.now() + 3_000;
  for (let i = 0; Date.now() < end; i++) {
    await direct.set(key, `after${i}`);
    assert.equal(await viaProxy3.get(key), `after${i}`);
    assert.equal(await viaProxy2.get(key), `after${i}`);
    if (i > 20 && (await trackingPerPrimary()).every((c) => c === 1)) break;
    await delay(10);
  }
  assert.ok(n > 0, 'the churn ran');
});

test("an MGET over several slots whose keys are all cached is answered from the nodes' caches", async () => {
  const [host, port] = proxy.address()[0]!.split(':') as [string, string];
  for (const protocol of [2, 3] as const) {
    const keys = Array.from({ length: 6 }, (_, i) => `pcc:mget${protocol}:${i}`);
    for (const [i, k] of keys.entries()) if (i !== 2) await direct.set(k, `value${i}`);
    const slots = new Set(await Promise.all(keys.map((k) => cluster.keySlot(k))));
    assert.ok(slots.size > 1, 'the keys span slots');
    const raw = await RawClient.connect(Number(port), host);
    try {
      if (protocol === 3) await raw.call('HELLO', '3');
      // Cold: split by the proxy, merged from the nodes' replies (a missing key included).
      const cold = await raw.call('MGET', ...keys);
      for (const k of keys) await raw.call('GET', k);
      const hits = proxy.stats().cache?.hits ?? 0;
      const hot = await raw.call('MGET', ...keys);
      assert.equal(hot, cold, `the same bytes in RESP${protocol}`);
      assert.equal((proxy.stats().cache?.hits ?? 0) - hits, keys.length, 'a hit per key');
      // A write straight to a node: the next MGET through the proxy sees it.
      await direct.set(keys[0]!, 'new');
      const after = await raw.call('MGET', ...keys);
      assert.ok(after.includes('$3\r\nnew\r\n') && !after.includes('value0'), after);
    } finally {
      raw.close();
    }
  }
});
