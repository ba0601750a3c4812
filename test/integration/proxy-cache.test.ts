/**
 * `respool proxy --cache` against a real redis-server: GETs served to every proxy client from
 * one tracking connection (a second GET of a key does not reach the server), and the guarantee
 * for each client with no sync: after a write by any client (straight to the server, or through
 * the proxy) is acknowledged, a GET through the proxy returns the new value; in RESP2 and
 * RESP3, with a pipelined SET then GET, after CLIENT KILL of the tracking connection, and with
 * the cache bounded. Every other cached read (HGET, HGETALL, SMEMBERS, EXISTS, TYPE, …) answers
 * byte for byte what the server sends, in both protocols, on its miss and on its hit.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createClient, type RespoolClient } from '../../src/client/client.js';
import { createProxy, type RespoolProxy } from '../../src/proxy/index.js';
import { serveProxyMetrics } from '../../src/proxy/metrics-endpoint.js';
import { freshnessRound } from '../helpers/cache-freshness.js';
import { RawClient } from '../helpers/raw-client.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let server: RedisServer;
let proxy: RespoolProxy;
let direct: RespoolClient;
let viaProxy3: RespoolClient;
let viaProxy2: RespoolClient;

/** Calls of `command` the server has run so far (INFO commandstats). */
async function calls(command: string): Promise<number> {
  const info = await server.info('commandstats');
  const line = info[`cmdstat_${command}`];
  return line === undefined ? 0 : Number(/calls=(\d+)/.exec(line)?.[1] ?? 0);
}

before(async () => {
  server = await startRedis();
  proxy = createProxy({
    listen: '127.0.0.1:0',
    upstream: server.url,
    maxConnections: 4,
    cache: { maxEntries: 50 },
  });
  await proxy.listen();
  const url = `redis://${proxy.address()[0]}`;
  direct = createClient({ url: server.url });
  viaProxy3 = createClient({ url, protocol: 3 });
  viaProxy2 = createClient({ url, protocol: 2 });
  await Promise.all([direct.ready(), viaProxy3.ready(), viaProxy2.ready()]);
});

after(async () => {
  await Promise.all([direct.close(), viaProxy3.close(), viaProxy2.close()]);
  await proxy.close();
  await server.stop();
});

test('a GET through the proxy is cached for every client', async () => {
  await direct.set('pc:1', 'one');
  // The tracking connection arms on its first connect: read until a hit.
  const end = Date.now() + 5000;
  while ((proxy.stats().cache?.hits ?? 0) === 0) {
    assert.ok(Date.now() < end, 'the proxy cache never hit');
    assert.equal(await viaProxy3.get('pc:1'), 'one');
    await delay(5);
  }
  const gets = await calls('get');
  assert.equal(await viaProxy3.get('pc:1'), 'one');
  assert.equal(await viaProxy2.get('pc:1'), 'one');
  assert.equal(await calls('get'), gets, 'hits must not reach the server');
  assert.ok((proxy.stats().cache?.hits ?? 0) >= 3);
  // A missing key is null in both protocols.
  assert.equal(await viaProxy3.get('pc:none'), null);
  assert.equal(await viaProxy2.get('pc:none'), null);
  assert.equal(await viaProxy2.get('pc:none'), null);
  // The server's refusal is the client's reply, as without the cache.
  await direct.rpush('pc:list', 'x');
  await assert.rejects(viaProxy3.get('pc:list'), /WRONGTYPE/);
});

/** Every read the proxy caches, on present, missing, binary and wrong-type keys. */
const BYTE_CASES: (string | Buffer)[][] = [
  ['GET', 'pcb:s'],
  ['GET', 'pcb:bin'],
  ['GET', 'pcb:none'],
  ['GET', 'pcb:h'],
  ['GETRANGE', 'pcb:s', '1', '3'],
  ['GETRANGE', 'pcb:none', '0', '-1'],
  ['STRLEN', 'pcb:s'],
  ['STRLEN', 'pcb:none'],
  ['HGET', 'pcb:h', 'f1'],
  ['HGET', 'pcb:h', 'f3'],
  ['HGET', 'pcb:h', 'nope'],
  ['HMGET', 'pcb:h', 'f1', 'nope', 'f3'],
  ['HMGET', 'pcb:none', 'a', 'b'],
  ['HGETALL', 'pcb:h'],
  ['HGETALL', 'pcb:none'],
  ['HEXISTS', 'pcb:h', 'f1'],
  ['HLEN', 'pcb:h'],
  ['HSTRLEN', 'pcb:h', 'f1'],
  ['HKEYS', 'pcb:h'],
  ['HVALS', 'pcb:h'],
  ['HKEYS', 'pcb:none'],
  ['SMEMBERS', 'pcb:set'],
  ['SMEMBERS', 'pcb:iset'],
  ['SMEMBERS', 'pcb:none'],
  ['SISMEMBER', 'pcb:set', 'a'],
  ['SCARD', 'pcb:set'],
  ['LRANGE', 'pcb:l', '0', '-1'],
  ['LRANGE', 'pcb:l', '5', '9'],
  ['LRANGE', 'pcb:l', 'a', 'b'],
  ['LINDEX', 'pcb:l', '1'],
  ['LINDEX', 'pcb:l', '9'],
  ['LLEN', 'pcb:l'],
  ['ZCARD', 'pcb:z'],
  ['TYPE', 'pcb:s'],
  ['TYPE', 'pcb:h'],
  ['TYPE', 'pcb:x'],
  ['TYPE', 'pcb:none'],
  ['EXISTS', 'pcb:s'],
  ['EXISTS', 'pcb:none'],
  ['XLEN', 'pcb:x'],
];

test('each cached read answers the bytes the server sends, in RESP2 and RESP3', async () => {
  const bin = Buffer.from([0xff, 0x00, 0xc3, 0x28]);
  await direct.set('pcb:s', 'hello');
  await direct.set('pcb:bin', bin);
  await direct.hset('pcb:h', { f1: 'v1', f2: '', f3: bin });
  await direct.sadd('pcb:set', 'a', 'b', 'c');
  await direct.sadd('pcb:iset', '3', '1', '2');
  await direct.rpush('pcb:l', 'x', 'y', 'z');
  await direct.zadd('pcb:z', { score: 1, member: 'm' });
  await server.cli('XADD', 'pcb:x', '*', 'f', 'v');
  const [host, port] = proxy.address()[0]!.split(':') as [string, string];
  for (const protocol of [2, 3] as const) {
    const server1 = await RawClient.connect(server.port);
    const proxied = await RawClient.connect(Number(port), host);
    try {
      if (protocol === 3) {
        await server1.call('HELLO', '3');
        await proxied.call('HELLO', '3');
      }
      const cached: (string | Buffer)[][] = [];
      for (const args of BYTE_CASES) {
        const want = await server1.call(...args);
        const what = `${args.map(String).join(' ')} in RESP${protocol}`;
        // The miss, then (unless the server refused it) the hit.
        assert.equal(await proxied.call(...args), want, `${what} (miss)`);
        assert.equal(await proxied.call(...args), want, `${what} (hit)`);
        if (!want.startsWith('-')) cached.push(args);
      }
      // Once more: every read that is not an error is a hit, and none reaches the server.
      const names = [...new Set(cached.map((a) => String(a[0]).toLowerCase()))];
      const before = await Promise.all(names.map(calls));
      const hits = proxy.stats().cache?.hits ?? 0;
      for (const args of cached) {
        assert.equal(await proxied.call(...args), await server1.call(...args), String(args[0]));
      }
      assert.equal((proxy.stats().cache?.hits ?? 0) - hits, cached.length, 'all hits');
      // The server ran each of them once (for server1), not twice.
      const afterCalls = await Promise.all(names.map(calls));
      const perName = names.map(
        (n) => cached.filter((a) => String(a[0]).toLowerCase() === n).length,
      );
      assert.deepEqual(
        afterCalls.map((c, i) => c - before[i]!),
        perName,
        'hits must not reach the server',
      );
    } finally {
      server1.close();
      proxied.close();
    }
  }
});

test('after any acknowledged write, the next GET through the proxy sees it (no sync)', async () => {
  const keys = ['pc:a', 'pc:b', 'pc:c'];
  const last = new Map<string, string | null>();
  const mgetCalls = await calls('mget');
  let mgets = 0;
  for (let i = 0; i < 300; i++) {
    // A write, then reads of every key from both proxy clients, concurrently.
    await freshnessRound(i, keys, last, i % 3 === 0 ? viaProxy2 : direct, [viaProxy3, viaProxy2]);
    // An MGET of them all (from the cache when every key's GET entry is there), then another
    // after a write by another client that no GET has read yet.
    const reader = i % 2 === 0 ? viaProxy3 : viaProxy2;
    const want = (): (string | null)[] => keys.map((k) => last.get(k) ?? null);
    assert.deepEqual(await reader.mget(keys), want(), `MGET at ${i}`);
    const other = keys[(i + 1) % keys.length]!;
    await direct.set(other, `w${i}`);
    last.set(other, `w${i}`);
    assert.deepEqual(await reader.mget(keys), want(), `MGET after a write at ${i}`);
    mgets += 2;
  }
  const served = mgets - ((await calls('mget')) - mgetCalls);
  assert.ok(served > 100, `only ${served} of ${mgets} MGETs were answered from the cache`);
  assert.ok((proxy.stats().cache?.hits ?? 0) > 300, 'most reads were hits');
});

test('a pipelined SET then GET from one client keeps its order', async () => {
  for (let i = 0; i < 50; i++) {
    const [, got] = await Promise.all([
      viaProxy3.set('pc:pipe', `p${i}`),
      viaProxy3.get('pc:pipe'),
    ]);
    assert.equal(got, `p${i}`);
  }
});

test('CLIENT KILL of the tracking connection: reads stay fresh', async () => {
  await direct.set('pc:k', 'before');
  assert.equal(await viaProxy3.get('pc:k'), 'before');
  assert.equal(await viaProxy3.get('pc:k'), 'before');
  const list = await server.clientList();
  const tracking = list.filter((c) => c.name === 'respool-proxy-cache');
  assert.equal(tracking.length, 1, 'one tracking connection');
  await server.cli('CLIENT', 'KILL', 'ID', String(tracking[0]!.id));
  await direct.set('pc:k', 'after');
  // The read may fail while the connection comes back; once answered it is fresh.
  const end = Date.now() + 5000;
  for (;;) {
    try {
      assert.equal(await viaProxy3.get('pc:k'), 'after');
      break;
    } catch (error) {
      if (Date.now() > end || error instanceof assert.AssertionError) throw error;
      await delay(20);
    }
  }
  await direct.set('pc:k', 'again');
  assert.equal(await viaProxy2.get('pc:k'), 'again');
});

test('the cache stays within maxEntries', async () => {
  for (let i = 0; i < 120; i++) await direct.set(`pc:many:${i}`, String(i));
  for (let i = 0; i < 120; i++) assert.equal(await viaProxy3.get(`pc:many:${i}`), String(i));
  const entries = proxy.stats().cache?.entries ?? -1;
  assert.ok(entries > 0 && entries <= 50, `entries ${entries}`);
});

test('an MGET whose keys are all cached is answered from the cache, the bytes the server sends', async () => {
  const bin = Buffer.from([0xff, 0x00, 0xc3, 0x28]);
  const [host, port] = proxy.address()[0]!.split(':') as [string, string];
  for (const protocol of [2, 3] as const) {
    const server1 = await RawClient.connect(server.port);
    const proxied = await RawClient.connect(Number(port), host);
    try {
      if (protocol === 3) {
        await server1.call('HELLO', '3');
        await proxied.call('HELLO', '3');
      }
      // Keys of their own per protocol: the cache is shared by both.
      const k = (name: string): string => `pcg${protocol}:${name}`;
      await direct.set(k('a'), 'alpha');
      await direct.set(k('b'), '');
      await direct.set(k('bin'), bin);
      await direct.rpush(k('list'), 'x');
      const all = ['MGET', k('a'), k('none'), k('b'), k('a')];
      const what = `in RESP${protocol}`;
      // Not cached yet: forwarded, the server answers.
      let mgets = await calls('mget');
      assert.equal(await proxied.call(...all), await server1.call(...all), `cold MGET ${what}`);
      assert.equal(await calls('mget'), mgets + 2, 'the cold MGET reached the server');
      // Each key read once with GET (a present, an empty and a missing value are all cached).
      for (const key of [k('a'), k('none'), k('b')]) await proxied.call('GET', key);
      const hits = proxy.stats().cache?.hits ?? 0;
      mgets = await calls('mget');
      const want = await server1.call(...all);
      assert.equal(await proxied.call(...all), want, `cached MGET ${what}`);
      assert.equal(await calls('mget'), mgets + 1, 'the cached MGET did not reach the server');
      assert.equal((proxy.stats().cache?.hits ?? 0) - hits, 4, 'a hit per key');
      // A write by another client is seen by the next MGET (its entry was invalidated).
      await direct.set(k('a'), 'changed');
      await proxied.call('GET', k('a'));
      mgets = await calls('mget');
      assert.equal(await proxied.call(...all), await server1.call(...all), `after a write ${what}`);
      assert.equal(await calls('mget'), mgets + 1, 'served from the cache again');
      // A binary value (cached), a wrong-type key (nil from MGET, an error from GET: never
      // cached, so forwarded), a key not read before (forwarded): byte for byte.
      await proxied.call('GET', k('bin'));
      await proxied.call('GET', k('list'));
      for (const args of [
        ['MGET', k('bin'), k('a')],
        ['MGET', k('a'), k('list')],
        ['MGET', k('a'), k('never')],
      ]) {
        assert.equal(await proxied.call(...args), await server1.call(...args), `${args} ${what}`);
      }
    } finally {
      server1.close();
      proxied.close();
    }
  }
});

/** The cache's series on the proxy's /metrics, by name (the client's cache metric names). */
async function cacheMetrics(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^respool_cache_(\w+)\{client="respool-proxy-cache"\} (\d+)$/gm)) {
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

test('the cache on /metrics: hits, misses, invalidations, evictions, entries and bytes move', async () => {
  const endpoint = await serveProxyMetrics(proxy, 0, '127.0.0.1');
  try {
    const m0 = await cacheMetrics(endpoint.port);
    assert.deepEqual(Object.keys(m0).sort(), [
      'bytes',
      'entries',
      'evictions_total',
      'flushes_total',
      'hits_total',
      'invalidations_total',
      'misses_total',
    ]);
    await direct.set('pcm:k', 'v');
    assert.equal(await viaProxy2.get('pcm:k'), 'v');
    const m1 = await cacheMetrics(endpoint.port);
    assert.equal(m1['misses_total'], m0['misses_total']! + 1, 'a miss counts once');
    assert.equal(m1['hits_total'], m0['hits_total'], 'a miss is no hit');
    assert.ok(m1['bytes']! > 0 && m1['entries']! > 0);
    assert.equal(await viaProxy2.get('pcm:k'), 'v');
    const m2 = await cacheMetrics(endpoint.port);
    assert.equal(m2['hits_total'], m1['hits_total']! + 1, 'a hit counts once');
    assert.equal(m2['misses_total'], m1['misses_total']);
    // A write by another client: the server invalidates the key on the tracking connection;
    // the next read through the proxy has seen it (no sync), and misses.
    await direct.set('pcm:k', 'w');
    assert.equal(await viaProxy2.get('pcm:k'), 'w');
    const m3 = await cacheMetrics(endpoint.port);
    assert.ok(m3['invalidations_total']! > m2['invalidations_total']!, 'an invalidation');
    assert.equal(m3['misses_total'], m2['misses_total']! + 1);
    // More keys than maxEntries (50): the least recently used go.
    for (let i = 0; i < 60; i++) await direct.set(`pcm:many:${i}`, 'x');
    for (let i = 0; i < 60; i++) await viaProxy2.get(`pcm:many:${i}`);
    const m4 = await cacheMetrics(endpoint.port);
    assert.ok(m4['evictions_total']! >= m3['evictions_total']! + 10, 'evictions');
    assert.ok(m4['entries']! <= 50, `entries ${m4['entries']}`);
    // The same figures as stats().
    const stats = proxy.stats().cache!;
    assert.equal(m4['hits_total'], stats.hits);
    assert.equal(m4['entries'], stats.entries);
    assert.equal(m4['bytes'], stats.bytes);
  } finally {
    await endpoint.close();
  }
});

test('invalid cache options throw naming the option', () => {
  assert.throws(
    () => createProxy({ listen: 0, upstream: server.url, maxConnections: 2, cache: true }),
    /"cache": needs maxConnections \(--max-connections\) of at least 3/,
  );
  assert.throws(
    () => createProxy({ listen: 0, upstream: server.url, cache: { maxEntries: 0 } }),
    /cache\.maxEntries/,
  );
});
