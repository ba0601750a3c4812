/**
 * Commands on a real 6-node cluster (3 primaries, 3 replicas): script objects per node (each
 * primary learns the script the first time a key of its own asks), function libraries loaded on
 * the primary of the key's slot, scanIterator over every primary (also across a failover in the
 * middle of the walk), and keyPrefix routing by the prefixed key's slot.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createCluster,
  defineLibrary,
  defineScript,
  keySlot,
  type RespoolCluster,
} from '../../src/index.js';
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

/** One key per primary: `key:<n>` names whose slots belong to three different primaries. */
async function keyPerPrimary(): Promise<string[]> {
  const owners = new Map<number, string>();
  for (let i = 0; owners.size < 3; i++) {
    const key = `node-key:${i}`;
    const owner = await cluster.slotOwner(keySlot(key));
    if (!owners.has(owner.port)) owners.set(owner.port, key);
  }
  return [...owners.values()];
}

describe('scripts and functions per node', () => {
  test('each primary gets the script by EVAL once, then runs EVALSHA', async () => {
    const script = defineScript("return redis.call('INCR', KEYS[1])");
    const keys = await keyPerPrimary();
    for (const key of keys) assert.equal(await c.runScript(script, [key]), 1);
    for (const key of keys) assert.equal(await c.runScript(script, [key]), 2);
    assert.equal(await cluster.commandStat('eval'), 3, 'one EVAL per primary');
    assert.equal(await cluster.commandStat('evalsha'), 6);
    // multi() on one slot loads the script on that slot's node ahead of the transaction.
    const tagged = defineScript("return redis.call('INCRBY', KEYS[1], 10)");
    assert.deepEqual(await c.multi().runScript(tagged, ['{t}:a']).get('{t}:a').exec(), [10, '10']);
    // A cluster pipeline spans nodes: each script command runs as on the client.
    const results = await c
      .pipeline()
      .runScript(script, [keys[0]!])
      .runScript(tagged, [keys[1]!])
      .exec();
    assert.deepEqual(results, [3, 12]);
  });

  test('a function library is loaded on the primary of the key that needed it', async () => {
    const lib = defineLibrary(
      "#!lua name=clib\nredis.register_function('setget', function(keys, args) redis.call('SET', keys[1], args[1]); return redis.call('GET', keys[1]) end)",
    );
    const keys = await keyPerPrimary();
    for (const key of keys) assert.equal(await c.runFunction(lib, 'setget', [key], ['v']), 'v');
    // Replicas execute the FUNCTION LOAD their primary propagates, so count on primaries only.
    let loads = 0;
    for (const primary of await cluster.primaries()) {
      const row = (await primary.info('commandstats'))['cmdstat_function|load'] ?? '';
      loads += Number(/calls=(\d+)/.exec(row)?.[1] ?? 0);
    }
    assert.equal(loads, 3, 'loaded once on each primary, by the client');
  });
});

describe('scanIterator over the cluster', () => {
  test('walks every primary: each key exactly where SCAN finds it, none missed', async () => {
    const keys = Array.from({ length: 600 }, (_, i) => `walk:${i}`);
    await c.mset(keys.map((k) => [k, '1'] as const));
    const seen = new Set<string>();
    for await (const key of c.scanIterator({ match: 'walk:*', count: 50 })) seen.add(key);
    assert.equal(seen.size, 600);
    const owners = new Set<number>();
    for (const k of keys.slice(0, 30)) owners.add((await cluster.slotOwner(keySlot(k))).port);
    assert.equal(owners.size, 3, 'the keys really were spread over the three primaries');
  });

  test('a failover during the walk: the shard is walked again on its new primary, nothing missed', async () => {
    const keys = Array.from({ length: 900 }, (_, i) => `fo:${i}`);
    await c.mset(keys.map((k) => [k, '1'] as const));
    const seen = new Set<string>();
    let yielded = 0;
    let failedOver = false;
    for await (const key of c.scanIterator({ match: 'fo:*', count: 20 })) {
      seen.add(key);
      yielded++;
      if (!failedOver && yielded === 40) {
        failedOver = true;
        // Fail over the shard being walked: the owner of the key just returned is demoted.
        const owner = await cluster.slotOwner(keySlot(key));
        for (const replica of await cluster.replicas()) {
          if ((await cluster.primaryOf(replica)).port !== owner.port) continue;
          await cluster.failover(replica);
          break;
        }
        assert.notEqual((await cluster.slotOwner(keySlot(key))).port, owner.port);
      }
    }
    assert.ok(failedOver);
    assert.equal(seen.size, 900, 'every key was returned at least once');
  });
});

describe('keyPrefix on a cluster', () => {
  test('routes by the prefixed key and splits mset/mget by prefixed slots', async () => {
    const app = createCluster({ nodes: [cluster.seeds[0]!], keyPrefix: 'tenant7:' });
    try {
      const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
      await app.mset(keys.map((k, i) => [k, `v${i}`] as const));
      assert.deepEqual(
        await app.mget(keys),
        keys.map((_, i) => `v${i}`),
      );
      for (const k of keys.slice(0, 10)) {
        const owner = await cluster.slotOwner(keySlot(`tenant7:${k}`));
        assert.notEqual(
          await owner.cli('GET', `tenant7:${k}`),
          '',
          'stored under the prefixed name on its owner',
        );
      }
      assert.equal(await app.del(...keys), 50);
    } finally {
      await app.close();
    }
  });
});
