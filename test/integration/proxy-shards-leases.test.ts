/**
 * Leases on the shards upstream stay on their shard's keys: a command pipelined behind a
 * blocking command goes where its own key lives (not to the blocking command's shard), and a
 * transaction's key on another shard is refused, never run on the wrong server. Three real
 * shards; where a key lives is read off the servers themselves.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createProxy, type RespoolProxy } from '../../src/proxy/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let shards: RedisServer[];
let direct: RawClient[];
let proxy: RespoolProxy;
let port: number;

before(async () => {
  shards = await Promise.all([0, 1, 2].map(() => startRedis()));
  direct = await Promise.all(shards.map((s) => RawClient.connect(s.port)));
  proxy = createProxy({
    listen: '127.0.0.1:0',
    leaseTimeoutMs: 1_000,
    maxConnections: 8,
    shards: shards.map((s) => ({ url: s.url })),
  });
  await proxy.listen();
  port = Number(proxy.address()[0]!.split(':')[1]);
});

after(async () => {
  for (const c of direct ?? []) c.close();
  await proxy?.close();
  await Promise.all((shards ?? []).map((s) => s.stop()));
});

/** The shards that hold `key`, by index. */
async function holders(key: string): Promise<number[]> {
  const found: number[] = [];
  for (const [i, c] of direct.entries())
    if ((await c.call('EXISTS', key)) === ':1\r\n') found.push(i);
  return found;
}

/** The shard `key` lives on, learnt by a plain SET through the proxy (the shared path). */
async function shardOf(client: RawClient, key: string): Promise<number> {
  assert.equal(await client.call('SET', key, 'probe'), '+OK\r\n');
  const [at, ...more] = await holders(key);
  assert.ok(at !== undefined && more.length === 0, `${key} on ${at}, ${more}`);
  await client.call('DEL', key);
  return at;
}

/** A key living on a different shard than `other`. */
async function keyOffShard(client: RawClient, stem: string, other: number): Promise<string> {
  for (let i = 0; ; i++) {
    const key = `${stem}${i}`;
    if ((await shardOf(client, key)) !== other) return key;
  }
}

test('a command pipelined behind a blocking pop goes to its own key’s shard', async () => {
  const c = await RawClient.connect(port);
  try {
    const queue = 'lease:queue';
    const queueShard = await shardOf(c, queue);
    const key = await keyOffShard(c, 'lease:k', queueShard);
    const keyShard = await shardOf(c, key);
    c.command('BLPOP', queue, '0.05');
    c.command('SET', key, 'v');
    c.command('GET', key);
    const replies = (await c.frames(3)).map((f) => f.toString());
    assert.deepEqual(replies, ['*-1\r\n', '+OK\r\n', '$1\r\nv\r\n']);
    assert.deepEqual(await holders(key), [keyShard], 'written on its own shard only');
  } finally {
    c.close();
  }
});

test('a transaction refuses a key on another shard and EXEC runs nothing', async () => {
  const c = await RawClient.connect(port);
  try {
    const first = 'tx:first';
    const firstShard = await shardOf(c, first);
    const other = await keyOffShard(c, 'tx:other', firstShard);
    c.command('WATCH', first);
    c.command('MULTI');
    c.command('SET', first, '1');
    c.command('SET', other, '2');
    c.command('EXEC');
    c.command('EXISTS', first);
    const replies = (await c.frames(6)).map((f) => f.toString());
    assert.equal(replies[0], '+OK\r\n');
    assert.equal(replies[1], '+OK\r\n');
    assert.equal(replies[2], '+QUEUED\r\n');
    assert.match(replies[3]!, /^-ERR SET: keys in request map to different shards/);
    assert.equal(replies[4], '-EXECABORT Transaction discarded because of previous errors.\r\n');
    assert.equal(replies[5], ':0\r\n', 'the queued SET of the first key did not run');
    assert.deepEqual(await holders(other), [], 'nothing written on any shard');
    // The lease went back: the client carries on with plain commands on every shard.
    assert.equal(await c.call('SET', other, 'after'), '+OK\r\n');
    assert.equal(proxy.stats().upstream.leased, 0);
  } finally {
    c.close();
  }
});

test('MULTI without WATCH (redis-py’s pipeline()): the first key picks the shard', async () => {
  const c = await RawClient.connect(port);
  try {
    const key = 'tx:plain';
    const home = await shardOf(c, key);
    const other = await keyOffShard(c, 'tx:elsewhere', home);
    // Keyless commands before the first key wait for it, in order.
    for (const cmd of [['MULTI'], ['PING'], ['INCR', key], ['INCR', key], ['EXEC']])
      c.command(...cmd);
    assert.deepEqual(
      (await c.frames(5)).map((f) => f.toString()),
      ['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '*3\r\n+PONG\r\n:1\r\n:2\r\n'],
    );
    assert.deepEqual(await holders(key), [home], 'run on the key’s own shard');
    // A second key on another shard spoils it, as with WATCH.
    for (const cmd of [['MULTI'], ['INCR', key], ['SET', other, 'x'], ['EXEC']]) c.command(...cmd);
    const replies = (await c.frames(4)).map((f) => f.toString());
    assert.deepEqual(replies.slice(0, 2), ['+OK\r\n', '+QUEUED\r\n']);
    assert.match(replies[2]!, /^-ERR SET: keys in request map to different shards/);
    assert.equal(replies[3], '-EXECABORT Transaction discarded because of previous errors.\r\n');
    assert.equal(await c.call('GET', key), '$1\r\n2\r\n', 'the spoiled transaction ran nothing');
    // No key at all: MULTI/EXEC and MULTI/DISCARD end without a server, as the server would.
    for (const cmd of [['MULTI'], ['EXEC'], ['MULTI'], ['DISCARD']]) c.command(...cmd);
    assert.deepEqual(
      (await c.frames(4)).map((f) => f.toString()),
      ['+OK\r\n', '*0\r\n', '+OK\r\n', '+OK\r\n'],
    );
    assert.equal(proxy.stats().upstream.leased, 0, 'every lease went back');
  } finally {
    c.close();
  }
});
