/**
 * Cluster reach, against a real 6-node cluster: `nodes()` runs a command on every node or every
 * primary; a sharded subscription follows its channel through a CLUSTER FAILOVER, a slot
 * migration and a killed primary; a classic subscription whose node is killed resumes on
 * another node.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type ClusterEvents,
  createClient,
  createCluster,
  keySlot,
  type RespoolCluster,
} from '../../src/index.js';
import { type RedisCluster, startCluster } from '../helpers/redis-cluster.js';

type Up = ClusterEvents['subscriptionUp'][0];
type Down = ClusterEvents['subscriptionDown'][0];

/** Resolves with the next event of `name`, or rejects after `timeoutMs`. */
function next<K extends 'subscriptionUp' | 'subscriptionDown'>(
  c: RespoolCluster,
  name: K,
  timeoutMs = 10_000,
): Promise<ClusterEvents[K][0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${name} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    c.once(name, ((info: ClusterEvents[K][0]) => {
      clearTimeout(timer);
      resolve(info);
    }) as (...args: ClusterEvents[K]) => void);
  });
}

/** Publishes `message` every 50 ms through `publish` until `received` holds it. */
async function publishUntilSeen(
  publish: () => Promise<unknown>,
  received: readonly string[],
  message: string,
  timeoutMs = 10_000,
): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!received.includes(message)) {
    if (performance.now() > until) throw new Error(`${message} never arrived; got ${received}`);
    await publish().catch(() => undefined);
    await delay(50);
  }
}

describe('cluster reach', () => {
  let cluster: RedisCluster;
  let c: RespoolCluster;

  before(async () => {
    cluster = await startCluster({ nodeTimeoutMs: 1000 });
    c = createCluster({ nodes: cluster.seeds, topologyCheckIntervalMs: 500 });
    await c.ready();
  });

  after(async () => {
    await c.close();
    await cluster.stop();
  });

  test("nodes('primary') runs DBSIZE on each primary; 'replica' and 'all' list the others", async () => {
    const keys = Array.from({ length: 90 }, (_, i) => `reach:${i}`);
    await c.mset(keys.map((k) => [k, 'v'] as const));
    const primaries = await c.nodes('primary');
    const expected = (await cluster.primaries()).map((p) => `127.0.0.1:${p.port}`).sort();
    assert.deepEqual(primaries.map((n) => n.address).sort(), expected);
    const sizes = await Promise.all(primaries.map((n) => n.dbsize()));
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      keys.length,
    );
    assert.ok(
      sizes.every((n) => n > 0),
      `every primary holds some keys: ${sizes}`,
    );
    for (const n of primaries) assert.equal(((await n.call('ROLE')) as unknown[])[0], 'master');

    const replicas = await c.nodes('replica');
    assert.equal(replicas.length, 3);
    for (const n of replicas) {
      assert.equal(n.nodeRole, 'replica');
      assert.equal(((await n.call('ROLE')) as unknown[])[0], 'slave');
    }
    assert.equal((await c.nodes('all')).length, 6);
    await assert.rejects(c.nodes('leader' as 'all'), { code: 'ERR_INVALID_ARGUMENT' });
  });

  test('a sharded subscription follows its channel through CLUSTER FAILOVER', async (t) => {
    const channel = '{orders}events';
    const slot = keySlot(channel);
    const owner = await cluster.slotOwner(slot);
    const replicas = await cluster.replicas();
    let replica = replicas[0]!;
    for (const r of replicas) if ((await cluster.primaryOf(r)) === owner) replica = r;
    const received: string[] = [];
    const downs: Down[] = [];
    c.on('subscriptionDown', (d) => downs.push(d));
    const sub = await c.ssubscribe(channel, (m) => received.push(m));
    await publishUntilSeen(() => c.spublish(channel, 'before'), received, 'before');

    const up = next(c, 'subscriptionUp');
    await cluster.failover(replica);
    const moved: Up = await up;
    t.diagnostic(`down ${moved.downMs} ms (${downs[0]?.reason}), resumed on ${moved.node}`);
    assert.equal(moved.node, `127.0.0.1:${replica.port}`);
    assert.deepEqual(moved.channels, [channel]);
    assert.equal(downs.length, 1);
    assert.equal(downs[0]!.node, `127.0.0.1:${owner.port}`);
    // Published on the new owner (the cluster follows the MOVED), delivered on the new owner.
    await publishUntilSeen(() => c.spublish(channel, 'after'), received, 'after');
    assert.equal(received.filter((m) => m === 'after').length >= 1, true);
    await sub.unsubscribe();
  });

  test('a sharded subscription follows its slot when it migrates to another primary', async (t) => {
    const channel = '{migrating}events';
    const slot = keySlot(channel);
    const owner = await cluster.slotOwner(slot);
    const target = (await cluster.primaries()).find((p) => p !== owner)!;
    const received: string[] = [];
    const sub = await c.ssubscribe(channel, (m) => received.push(m));
    await publishUntilSeen(() => c.spublish(channel, 'before'), received, 'before');
    const up = next(c, 'subscriptionUp');
    await cluster.migrateSlot(slot, target);
    const moved = await up;
    t.diagnostic(`down ${moved.downMs} ms, resumed on ${moved.node}`);
    assert.equal(moved.node, `127.0.0.1:${target.port}`);
    await publishUntilSeen(() => c.spublish(channel, 'after'), received, 'after');
    await sub.unsubscribe();
  });

  test('a sharded subscription follows its channel when its primary is killed and replaced', async (t) => {
    const channel = '{killed}events';
    const owner = await cluster.slotOwner(keySlot(channel));
    const received: string[] = [];
    const sub = await c.ssubscribe(channel, (m) => received.push(m));
    await publishUntilSeen(() => c.spublish(channel, 'before'), received, 'before');
    const up = next(c, 'subscriptionUp', 20_000);
    const promoted = await cluster.killPrimary(owner);
    const moved = await up;
    t.diagnostic(`down ${moved.downMs} ms, resumed on ${moved.node}`);
    assert.equal(moved.node, `127.0.0.1:${promoted.port}`);
    await publishUntilSeen(() => c.spublish(channel, 'after'), received, 'after');
    await sub.unsubscribe();
  });

  test("a killed node's classic subscription resumes on another node", async (t) => {
    const received: string[] = [];
    const sub = await c.subscribe('news', (m) => received.push(m));
    const holder = Object.entries(c.stats().nodes).find(([, s]) => s.subscriptions > 0)?.[0];
    assert.ok(holder !== undefined, 'one node holds the subscription');
    const node = cluster.nodes.find((n) => `127.0.0.1:${n.port}` === holder)!;
    const survivor = cluster.nodes.find((n) => n !== node)!;
    const publisher = createClient({ host: '127.0.0.1', port: survivor.port });
    try {
      await publishUntilSeen(() => publisher.publish('news', 'before'), received, 'before');
      const up = next(c, 'subscriptionUp');
      const down = next(c, 'subscriptionDown');
      await node.kill('SIGKILL');
      const lost = await down;
      assert.equal(lost.node, holder);
      const resumed = await up;
      t.diagnostic(`down ${resumed.downMs} ms (${lost.reason}), resumed on ${resumed.node}`);
      assert.notEqual(resumed.node, holder);
      await publishUntilSeen(() => publisher.publish('news', 'after'), received, 'after');
    } finally {
      await publisher.close();
      await sub.unsubscribe();
    }
  });
});
