/**
 * Client-side caching against a real redis-server, in RESP3 (tracking on the multiplexed
 * connection, pushes) and RESP2 (a redirect connection subscribed to __redis__:invalidate), and
 * in bcast mode: hits, invalidation by another client, single-flight of concurrent misses
 * (counted by the server's commandstats), a reply racing its invalidation not stored, the PTTL
 * cap, flushes on CLIENT KILL and restart, and the budget.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createClient, type RespoolClient } from '../../src/index.js';
import { expectClientCount } from '../helpers/baseline.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let server: RedisServer;

before(async () => {
  server = await startRedis();
});

after(async () => {
  await expectClientCount(server, 0);
  await server.stop();
});

/** Calls of `command` the server has run so far (INFO commandstats). */
async function calls(command: string): Promise<number> {
  const info = await server.info('commandstats');
  const line = info[`cmdstat_${command}`];
  return line === undefined ? 0 : Number(/calls=(\d+)/.exec(line)?.[1] ?? 0);
}

/**
 * CLIENT KILL the named client's multiplexed connection (the one not subscribed), or its RESP2
 * redirect connection (the subscribed one).
 */
async function killTracking(name: string, which: 'multiplexed' | 'redirect'): Promise<void> {
  const list = await server.clientList();
  const victims = list.filter((c) => c.name === name && (which === 'redirect') === c.sub > 0);
  assert.ok(victims.length > 0, `no ${which} connection named ${name}`);
  for (const v of victims) await server.cli('CLIENT', 'KILL', 'ID', String(v.id));
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await delay(5);
  }
}

/** A client whose cache is armed (its tracking connection is up). */
async function cachedClient(
  protocol: 2 | 3,
  cache: object = { maxEntries: 1000, maxBytes: 1 << 20, ttlMs: 60_000 },
  name = 'cache-test',
): Promise<RespoolClient> {
  const c = createClient({ url: server.url, protocol, cache, name });
  await c.ready();
  // RESP2 arms once the redirect connection is subscribed; a first read starts nothing new.
  await until(async () => {
    await c.cached.get('__warm__');
    return c.stats().cacheEntries > 0 || c.stats().cacheHits > 0;
  }, 'the cache to arm');
  return c;
}

for (const protocol of [3, 2] as const) {
  describe(`RESP${protocol}`, () => {
    before(() => server.cli('FLUSHALL'));
    test('a read is cached; a write by another client invalidates it once synced', async () => {
      const c = await cachedClient(protocol);
      const w = createClient({ url: server.url });
      await w.set('k1', 'a');
      assert.equal(await c.cached.get('k1'), 'a');
      const gets = await calls('get');
      assert.equal(await c.cached.get('k1'), 'a');
      assert.equal(await calls('get'), gets, 'the second read must not reach the server');
      await w.set('k1', 'b');
      await c.cached.sync();
      assert.equal(await c.cached.get('k1'), 'b');
      const s = c.stats();
      assert.ok(s.cacheHits >= 1);
      assert.ok(s.cacheInvalidations >= 1);
      assert.ok(s.cacheBytes > 0);
      await Promise.all([c.close(), w.close()]);
    });

    test('typed reads keep their shapes, and each caller gets its own object', async () => {
      const c = await cachedClient(protocol);
      await c.hset('h1', { f: '1', g: '2' });
      await c.rpush('l1', 'x', 'y');
      await c.sadd('s1', 'm');
      assert.deepEqual(await c.cached.hgetall('h1'), { f: '1', g: '2' });
      const first = await c.cached.hgetall('h1');
      first['f'] = 'changed';
      assert.deepEqual(await c.cached.hgetall('h1'), { f: '1', g: '2' });
      const list = await c.cached.lrange('l1', 0, -1);
      list.push('z');
      assert.deepEqual(await c.cached.lrange('l1', 0, -1), ['x', 'y']);
      assert.equal(await c.cached.sismember('s1', 'm'), true);
      assert.equal(await c.cached.exists('h1', 'l1', 'nope'), 2);
      assert.deepEqual(await c.cached.mget(['h1x', 'k-none']), [null, null]);
      await c.set('h1x', 'v');
      await c.cached.sync();
      assert.deepEqual(await c.cached.mget(['h1x', 'k-none']), ['v', null]);
      assert.equal(await c.cached.type('l1'), 'list');
      await c.close();
    });

    test('get: string, Buffer and prefixed views each cache their own reply; counts are exact', async () => {
      const c = await cachedClient(protocol);
      await c.set('fp', 'v1');
      await c.set('pre:fp', 'p1');
      const before = c.stats();
      const gets = await calls('get');
      assert.equal(await c.cached.get('fp'), 'v1'); // miss
      assert.equal(await c.cached.get('fp'), 'v1'); // hit
      const raw = c.withOptions({ returnBuffers: true }).cached;
      assert.deepEqual(await raw.get('fp'), Buffer.from('v1')); // miss: its own space
      assert.deepEqual(await raw.get('fp'), Buffer.from('v1')); // hit
      assert.equal((await calls('get')) - gets, 2);
      const after = c.stats();
      assert.equal(after.cacheMisses - before.cacheMisses, 2);
      assert.equal(after.cacheHits - before.cacheHits, 2);
      const p = createClient({ url: server.url, protocol, cache: true, keyPrefix: 'pre:' });
      const pre = p.cached;
      await until(async () => {
        await pre.get('fp');
        return p.stats().cacheHits > 0;
      }, 'the prefixed client to cache pre:fp');
      assert.equal(await pre.get('fp'), 'p1');
      await c.set('fp', 'v2');
      await c.cached.sync();
      assert.equal(await c.cached.get('fp'), 'v2');
      assert.deepEqual(await raw.get('fp'), Buffer.from('v2'));
      await p.set('fp', 'p2');
      await c.cached.sync();
      assert.equal(await c.cached.get('fp'), 'v2', 'a write to pre:fp is not fp');
      await p.cached.sync();
      assert.equal(await pre.get('fp'), 'p2');
      await Promise.all([c.close(), p.close()]);
    });

    test('concurrent misses for one key share one request', async () => {
      const c = await cachedClient(protocol);
      await c.set('sf', 'v');
      const before = await calls('get');
      const all = await Promise.all(Array.from({ length: 50 }, () => c.cached.get('sf')));
      assert.deepEqual(new Set(all), new Set(['v']));
      assert.equal((await calls('get')) - before, 1);
      await c.close();
    });

    test('a reply that raced an invalidation is returned but not stored', async () => {
      // maxEntries 1: reading k2 evicts k1 here while the server still tracks k1, so the next
      // read of k1 is a miss whose invalidation (from the SET sent just before it) arrives
      // while it is in flight.
      const c = await cachedClient(protocol, { maxEntries: 1, maxBytes: 1 << 20, ttlMs: 60_000 });
      await c.set('r1', 'old');
      await c.cached.get('r1');
      await c.cached.get('r2');
      const w = createClient({ url: server.url });
      const raced = c.stats().cacheRacedReplies;
      const write = w.set('r1', 'new');
      const read = c.cached.get('r1');
      await write;
      // Make sure the invalidation reached us before the read's reply: RESP3 orders it on the
      // one connection; RESP2 needs the redirect's round trip.
      const value = await read;
      await c.cached.sync();
      if (c.stats().cacheRacedReplies > raced) {
        const gets = await calls('get');
        assert.equal(await c.cached.get('r1'), 'new');
        assert.equal((await calls('get')) - gets, 1, 'the raced reply must not have been stored');
      } else {
        // The read ran first and was stored; the invalidation then removed it.
        assert.equal(value, 'old');
        assert.equal(await c.cached.get('r1'), 'new');
      }
      await Promise.all([c.close(), w.close()]);
    });

    test('own write pipelined before a read: the read races its invalidation deterministically', async () => {
      const c = await cachedClient(protocol, { maxEntries: 1, maxBytes: 1 << 20, ttlMs: 60_000 });
      await c.set('q1', 'old');
      await c.cached.get('q1');
      await c.cached.get('q2');
      // k q1 is tracked on the server but not held here. SET then GET in one write: the
      // server invalidates q1 before it answers the GET.
      const raced = c.stats().cacheRacedReplies;
      const [, value] = await Promise.all([c.set('q1', 'new'), c.cached.get('q1')]);
      assert.equal(value, 'new');
      if (protocol === 3) {
        assert.equal(c.stats().cacheRacedReplies, raced + 1);
        const gets = await calls('get');
        await c.cached.get('q1');
        assert.equal((await calls('get')) - gets, 1, 'the raced reply was not stored');
      }
      await c.close();
    });

    test('an entry does not outlive its key: the PTTL caps its life', async () => {
      const c = await cachedClient(protocol);
      await c.set('ttl1', 'v', { px: 150 });
      assert.equal(await c.cached.get('ttl1'), 'v');
      await delay(250);
      assert.equal(await c.cached.get('ttl1'), null);
      await c.close();
    });

    test('CLIENT KILL of the tracking connection flushes the cache; reads stay fresh', async () => {
      const c = await cachedClient(protocol, undefined, 'cache-kill');
      const w = createClient({ url: server.url });
      await w.set('kk', '1');
      assert.equal(await c.cached.get('kk'), '1');
      const flushes = c.stats().cacheFlushes;
      await killTracking('cache-kill', 'multiplexed');
      await until(() => c.stats().cacheFlushes > flushes, 'the flush');
      assert.equal(c.stats().cacheEntries, 0);
      await w.set('kk', '2');
      assert.equal(await c.cached.get('kk'), '2');
      await until(async () => {
        await w.set('kk', String(Date.now()));
        const expected = await w.get('kk');
        await c.cached.sync();
        return (await c.cached.get('kk')) === expected;
      }, 'reads to be cached and fresh again');
      await Promise.all([c.close(), w.close()]);
    });

    if (protocol === 2) {
      test('CLIENT KILL of the redirect connection flushes; tracking comes back', async () => {
        const c = await cachedClient(protocol, undefined, 'cache-redir');
        const w = createClient({ url: server.url });
        await w.set('rk', '1');
        assert.equal(await c.cached.get('rk'), '1');
        const flushes = c.stats().cacheFlushes;
        await killTracking('cache-redir', 'redirect');
        await until(() => c.stats().cacheFlushes > flushes, 'the flush');
        await w.set('rk', '2');
        await until(async () => {
          await w.set('rk', String(Date.now()));
          const expected = await w.get('rk');
          await c.cached.sync();
          const got = await c.cached.get('rk');
          return got === expected && c.stats().cacheEntries > 0;
        }, 'reads to be cached and fresh again');
        await Promise.all([c.close(), w.close()]);
      });
    }

    test(`the redirect connection counts in maxConnections (RESP${protocol})`, async () => {
      const c = createClient({ url: server.url, protocol, cache: true, maxConnections: 2 });
      await c.ready();
      await c.cached.get('x');
      await until(() => c.stats().open === (protocol === 2 ? 2 : 1), 'the connections');
      assert.ok(c.stats().open <= 2);
      await c.close();
    });
  });
}

describe('bcast mode', () => {
  test('keys under a prefix are cached and invalidated; others are sent as usual', async () => {
    const c = createClient({
      url: server.url,
      cache: { mode: 'bcast', prefixes: ['user:'] },
    });
    await c.ready();
    const w = createClient({ url: server.url });
    await w.set('user:1', 'a');
    await w.set('other', 'x');
    assert.equal(await c.cached.get('user:1'), 'a');
    const gets = await calls('get');
    assert.equal(await c.cached.get('user:1'), 'a');
    assert.equal(await c.cached.get('other'), 'x');
    assert.equal(await c.cached.get('other'), 'x');
    assert.equal(
      (await calls('get')) - gets,
      2,
      'only the keys outside the prefix reach the server',
    );
    await w.set('user:1', 'b');
    await c.cached.sync();
    assert.equal(await c.cached.get('user:1'), 'b');
    await Promise.all([c.close(), w.close()]);
  });
});

describe('options', () => {
  test('client.cached without the cache option throws, naming the option', async () => {
    const c = createClient({ url: server.url });
    assert.throws(() => c.cached, /cache option/);
    await c.close();
  });

  test('invalid cache options throw synchronously, naming the option and value', () => {
    assert.throws(() => createClient({ cache: { maxEntries: 0 } }), /cache\.maxEntries.*got 0/);
    assert.throws(() => createClient({ cache: { ttlMs: -1 } }), /cache\.ttlMs/);
    assert.throws(
      () => createClient({ cache: { mode: 'default', prefixes: ['a'] } }),
      /cache\.prefixes/,
    );
    assert.throws(() => createClient({ cache: { maxEntrys: 1 } as object }), /maxEntrys/);
  });
});
