/**
 * Client-side caching on a cluster, against a real 6-node cluster: every node tracks its own
 * reads on its own connection; a write by another client (a second cluster client) is seen
 * after `cached.sync()`; a slot migration empties the old owner's cache and reads follow the
 * slot (the MOVED on a cached miss included); CLIENT KILL of one node's tracking connection
 * empties that node's cache only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createCluster, type RespoolCluster } from '../../src/index.js';
import { type RedisCluster, startCluster } from '../helpers/redis-cluster.js';

describe('cluster cache', () => {
  let cluster: RedisCluster;
  let c: RespoolCluster;
  let w: RespoolCluster;

  before(async () => {
    cluster = await startCluster();
    c = createCluster({
      nodes: cluster.seeds,
      cache: { maxEntries: 1000 },
      name: 'cache-cluster',
      topologyCheckIntervalMs: 200,
    });
    w = createCluster({ nodes: cluster.seeds });
    await Promise.all([c.ready(), w.ready()]);
  });

  after(async () => {
    await Promise.all([c.close(), w.close()]);
    await cluster.stop();
  });

  /** Keys on every shard (slots spread over the three ranges). */
  const keys = Array.from({ length: 30 }, (_, i) => `ck:${i}`);

  async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
    const end = Date.now() + 8000;
    while (!(await check())) {
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
      await delay(20);
    }
  }

  /** Read every key until each is a hit (tracking arms on each node's first connection). */
  async function warm(expected: (k: string) => string): Promise<void> {
    await until(async () => {
      const before = c.stats().total.cacheHits;
      for (const k of keys) assert.equal(await c.cached.get(k), expected(k));
      return c.stats().total.cacheHits - before === keys.length;
    }, 'every key to be a hit');
  }

  test('reads are cached per node; another client’s writes are seen after sync', async () => {
    for (const k of keys) await w.set(k, `a-${k}`);
    await warm((k) => `a-${k}`);
    // Every primary holds some of the entries: tracking is per node.
    const nodes = c.stats().nodes;
    const holding = Object.values(nodes).filter((s) => s.cacheEntries > 0).length;
    assert.equal(holding, 3, `entries on ${holding} nodes`);
    const gets = await cluster.commandStat('get');
    for (const k of keys) assert.equal(await c.cached.get(k), `a-${k}`);
    assert.equal(await cluster.commandStat('get'), gets, 'hits must not reach the servers');
    for (const k of keys) await w.set(k, `b-${k}`);
    await c.cached.sync();
    for (const k of keys) assert.equal(await c.cached.get(k), `b-${k}`);
    // Typed reads other than GET, and a hash tag keeping an MGET in one slot.
    await w.hset('{h}:1', { f: '1' });
    await w.set('{h}:2', 'x');
    assert.deepEqual(await c.cached.hgetall('{h}:1'), { f: '1' });
    assert.deepEqual(await c.cached.mget(['{h}:1x', '{h}:2']), [null, 'x']);
    await w.set('{h}:1x', 'y');
    await c.cached.sync();
    assert.deepEqual(await c.cached.mget(['{h}:1x', '{h}:2']), ['y', 'x']);
  });

  test('a slot migration empties the old owner’s cache; reads follow the slot', async () => {
    const key = 'ck:migrating';
    await w.set(key, 'v1');
    const slot = await cluster.keySlot(key);
    const from = await cluster.slotOwner(slot);
    const to = (await cluster.primaries()).find((p) => p !== from)!;
    const fromAddress = `127.0.0.1:${from.port}`;
    await until(async () => {
      const before = c.stats().total.cacheHits;
      assert.equal(await c.cached.get(key), 'v1');
      return c.stats().total.cacheHits > before;
    }, 'the key to be cached');
    const flushesBefore = c.stats().nodes[fromAddress]!.cacheFlushes;
    await cluster.migrateSlot(slot, to);
    // No read of the key yet: the topology check alone sees the slot gone from its old owner,
    // whose cache is emptied.
    await until(
      () => (c.stats().nodes[fromAddress]?.cacheFlushes ?? 0) > flushesBefore,
      'the old owner’s cache to be flushed',
    );
    // The writer follows the MOVED; its write is acknowledged by the new owner.
    await w.set(key, 'v2');
    await c.cached.sync();
    assert.equal(await c.cached.get(key), 'v2');
    // Cached again, now by the new owner's tracking: another write is seen after sync.
    await until(async () => {
      const before = c.stats().total.cacheHits;
      assert.equal(await c.cached.get(key), 'v2');
      return c.stats().total.cacheHits > before;
    }, 'the key to be cached on its new owner');
    await w.set(key, 'v3');
    await c.cached.sync();
    assert.equal(await c.cached.get(key), 'v3');
  });

  test('a cached miss answered MOVED is not stored and is served by the new owner', async () => {
    const key = 'ck:moved';
    await w.set(key, 'm1');
    const slot = await cluster.keySlot(key);
    const from = await cluster.slotOwner(slot);
    const to = (await cluster.primaries()).find((p) => p !== from)!;
    // Stop the topology check from noticing first: the next cached read goes to the old owner.
    const stale = createCluster({
      nodes: cluster.seeds,
      cache: true,
      topologyCheckIntervalMs: 0,
    });
    await stale.ready();
    await cluster.migrateSlot(slot, to);
    await w.set(key, 'm2');
    assert.equal(await stale.cached.get(key), 'm2');
    await until(async () => {
      const before = stale.stats().total.cacheHits;
      assert.equal(await stale.cached.get(key), 'm2');
      return stale.stats().total.cacheHits > before;
    }, 'the key to be cached after the MOVED');
    await w.set(key, 'm3');
    await stale.cached.sync();
    assert.equal(await stale.cached.get(key), 'm3');
    await stale.close();
  });

  test('CLIENT KILL of one node’s tracking connection empties that node’s cache only', async () => {
    for (const k of keys) await w.set(k, `c-${k}`);
    await c.cached.sync();
    await warm((k) => `c-${k}`);
    const victim = (await cluster.primaries())[0]!;
    const address = `127.0.0.1:${victim.port}`;
    const before = c.stats().nodes;
    const entriesElsewhere = Object.entries(before)
      .filter(([a]) => a !== address)
      .reduce((n, [, s]) => n + s.cacheEntries, 0);
    assert.ok((before[address]?.cacheEntries ?? 0) > 0);
    const mine = (await victim.clientList()).filter((x) => x.name === 'cache-cluster');
    assert.ok(mine.length > 0);
    for (const x of mine) await victim.cli('CLIENT', 'KILL', 'ID', String(x.id));
    await until(() => (c.stats().nodes[address]?.cacheEntries ?? 0) === 0, 'the flush');
    const after = c.stats().nodes;
    const stillElsewhere = Object.entries(after)
      .filter(([a]) => a !== address)
      .reduce((n, [, s]) => n + s.cacheEntries, 0);
    assert.equal(stillElsewhere, entriesElsewhere);
    for (const k of keys) await w.set(k, `d-${k}`);
    await c.cached.sync();
    for (const k of keys) assert.equal(await c.cached.get(k), `d-${k}`);
  });

  test('cluster.cached without the cache option throws, naming the option', () => {
    assert.throws(() => w.cached, { code: 'ERR_INVALID_ARGUMENT', message: /cache option/ });
  });
});
