/**
 * `respool proxy --shard …` as a user runs it (the real CLI process) in front of three real
 * standalone shards: keys land where twemproxy's placement says (checked on each server
 * directly), a killed shard is ejected after --server-failure-limit failures while the others
 * keep serving, a restarted one comes back after --server-retry-timeout, and idle closes on
 * every shard (`timeout 2`) cost clients nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ShardRing } from '../../src/proxy/sharding/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { type ProxyProcess, startRespoolProxy } from '../helpers/respool-proxy-process.js';

const FAILURE_LIMIT = 2;
const RETRY_MS = 1_500;
const NAMES = ['alpha', 'beta', 'gamma'];
let shards: RedisServer[];
let proxy: ProxyProcess;
let client: RawClient;
let ring: ShardRing;

before(async () => {
  shards = await Promise.all(NAMES.map(() => startRedis()));
  const started = await startRespoolProxy({
    root: process.cwd(),
    upstreamArgs: [
      ...shards.flatMap((s, i) => ['--shard', `${NAMES[i]}=redis://127.0.0.1:${s.port}`]),
      '--hash',
      'fnv1a_64',
      '--distribution',
      'ketama',
      '--hash-tag',
      '{}',
      '--auto-eject-hosts',
      '--server-failure-limit',
      String(FAILURE_LIMIT),
      '--server-retry-timeout',
      String(RETRY_MS),
    ],
    maxConnections: 8,
    maxClients: 100,
  });
  assert.ok(started, 'this checkout has the proxy CLI');
  proxy = started;
  client = await RawClient.connect(proxy.port);
  // The placement the flags ask for, computed on its own: names place shards on the circle.
  ring = new ShardRing({
    shards: shards.map((s, i) => ({ host: '127.0.0.1', port: s.port, name: NAMES[i] })),
    hash: 'fnv1a_64',
    distribution: 'ketama',
    hashTag: '{}',
  });
});

after(async () => {
  client?.close();
  await proxy?.stop();
  await Promise.all((shards ?? []).map((s) => s.stop()));
});

/** One command through the proxy, its reply as text (`-ERR …` for an error). */
async function ask(...args: string[]): Promise<string> {
  client.command(...args);
  const [frame] = await client.frames(1, 10_000);
  return frame!.toString();
}

function shardOf(key: string): number {
  return ring.shardFor(Buffer.from(key));
}

/** Keys that land on `shard`, `n` of them. */
function keysOn(shard: number, n: number, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++)
    if (shardOf(`${prefix}${i}`) === shard) out.push(`${prefix}${i}`);
  return out;
}

describe('respool proxy --shard', () => {
  test('each key is stored on the shard twemproxy places it on, hash tags included', async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `place:${i}`);
    const writer = await RawClient.connect(proxy.port);
    writer.write(
      keys.map((k) => `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$1\r\n1\r\n`).join(''),
    );
    const replies = await writer.frames(keys.length, 10_000);
    writer.close();
    assert.deepEqual(new Set(replies.map(String)), new Set(['+OK\r\n']));
    const held = await Promise.all(
      shards.map(async (s) => new Set((await s.cli('KEYS', 'place:*')).split('\n'))),
    );
    for (const key of keys) {
      const where = held.flatMap((set, i) => (set.has(key) ? [i] : []));
      assert.deepEqual(where, [shardOf(key)], `${key} is on its shard only`);
    }
    assert.ok(
      held.every((set) => set.size > 0),
      'the keys reach all three shards',
    );
    // One tag, one shard, whatever the rest of the key: a multi-key command stays whole.
    assert.equal(
      await ask('MSET', '{user:7}:a', '1', '{user:7}:b', '2', 'x{user:7}', '3'),
      '+OK\r\n',
    );
    const home = shardOf('user:7');
    assert.equal(
      await shards[home]!.cli('MGET', '{user:7}:a', '{user:7}:b', 'x{user:7}'),
      '1\n2\n3',
    );
    // MGET over keys of every shard is split and merged in the client's order.
    assert.equal(
      await ask('MGET', 'place:0', 'place:1', 'place:2', 'nope'),
      '*4\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n1\r\n$-1\r\n',
    );
    assert.equal(await ask('DBSIZE'), `:${keys.length + 3}\r\n`);
  });

  test('a killed shard is ejected after the failure limit; the others keep serving; it comes back', async () => {
    const victim = shardOf('eject:probe');
    const others = [0, 1, 2].filter((i) => i !== victim);
    const victimKeys = keysOn(victim, 6, 'victim:');
    const otherKeys = others.flatMap((i) => keysOn(i, 3, `other${i}:`));
    await shards[victim]!.kill();
    // Keys of the dead shard fail, each answered, until the limit ejects it.
    let failures = 0;
    let firstOk = -1;
    for (const [i, key] of victimKeys.entries()) {
      const reply = await ask('SET', key, 'v');
      if (reply.startsWith('-')) {
        assert.match(reply, /^-ERR respool proxy: /);
        failures++;
      } else {
        assert.equal(reply, '+OK\r\n');
        if (firstOk === -1) firstOk = i;
      }
    }
    assert.equal(failures, FAILURE_LIMIT, 'exactly server_failure_limit requests fail');
    assert.equal(firstOk, FAILURE_LIMIT, 'the next request after the limit is served');
    // Ejected: the dead shard's keys now live on the others, and theirs never moved.
    for (const key of victimKeys.slice(FAILURE_LIMIT)) {
      const holders = await Promise.all(others.map((i) => shards[i]!.cli('EXISTS', key)));
      assert.deepEqual(holders.sort(), ['0', '1'], `${key} is on one live shard`);
    }
    for (const key of otherKeys) assert.equal(await ask('SET', key, 'w'), '+OK\r\n');
    for (const key of otherKeys) {
      assert.equal(await shards[shardOf(key)]!.cli('GET', key), 'w', `${key} stayed in place`);
    }
    // Restarted, it is back once the retry time has passed (a request re-admits it).
    await shards[victim]!.restart();
    await delay(RETRY_MS + 200);
    const back = keysOn(victim, 1, 'back:')[0]!;
    assert.equal(await ask('SET', back, 'home'), '+OK\r\n');
    assert.equal(await shards[victim]!.cli('GET', back), 'home', 're-added: its keys go home');
    for (const key of otherKeys) assert.equal(await ask('GET', key), '$1\r\nw\r\n');
  });

  test('idle closes on every shard (timeout 2) cost clients nothing', async () => {
    for (const shard of shards)
      assert.equal(await shard.cli('CONFIG', 'SET', 'timeout', '2'), 'OK');
    // Warm every shard's shared connection, then leave them idle past the server's timeout.
    const keys = [0, 1, 2].flatMap((i) => keysOn(i, 4, `idle${i}:`));
    for (const key of keys) assert.equal(await ask('SET', key, '1'), '+OK\r\n');
    // The server checks idleness in whole seconds (`now - lastinteraction > 2`) from its cron, so
    // the close lands between 2 and 4 s after the last command: wait for it rather than guess.
    const proxyConnections = async (): Promise<number[]> =>
      (await Promise.all(shards.map((s) => s.clientList()))).map(
        (list) => list.filter((c) => c.name === 'respool-proxy').length,
      );
    const deadline = Date.now() + 8_000;
    let open = await proxyConnections();
    while (open.some((n) => n > 0) && Date.now() < deadline) {
      await delay(100);
      open = await proxyConnections();
    }
    assert.deepEqual(open, [0, 0, 0], 'the servers closed every idle proxy connection');
    const errors: string[] = [];
    for (const key of keys) {
      const reply = await ask('INCR', key);
      if (reply !== ':2\r\n') errors.push(`${key}: ${reply.trim()}`);
    }
    const second = await RawClient.connect(proxy.port);
    second.write(
      keys.map((k) => `*2\r\n$3\r\nGET\r\n$${Buffer.byteLength(k)}\r\n${k}\r\n`).join(''),
    );
    for (const frame of await second.frames(keys.length, 10_000)) {
      if (frame.toString() !== '$1\r\n2\r\n') errors.push(frame.toString().trim());
    }
    second.close();
    assert.deepEqual(errors, [], 'no client saw an error after the idle closes');
    for (const shard of shards) await shard.cli('CONFIG', 'SET', 'timeout', '0');
  });
});
