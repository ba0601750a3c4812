/**
 * Cluster faults: a manual failover and a killed primary under load (a real 6-node cluster),
 * unreachable seeds, a seed not in cluster mode, and a MOVED loop (two fake nodes naming each
 * other, which a real cluster cannot be made to do on cue).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createCluster, keySlot, ReplyError, type RespoolCluster } from '../../src/index.js';
import { type FakeServer, startFakeServer } from '../helpers/fake-server.js';
import { freePort } from '../helpers/free-port.js';
import { type RedisCluster, startCluster } from '../helpers/redis-cluster.js';
import { startRedis } from '../helpers/redis-server.js';

describe('failover and node loss under load', () => {
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

  /** Keys spread over every slot range, with their owners. */
  const keys = Array.from({ length: 60 }, (_, i) => `load:${i}`);

  test('manual CLUSTER FAILOVER under load: no command fails', async (t) => {
    await c.mset(keys.map((k) => [k, '0'] as const));
    const replica = (await cluster.replicas())[0]!;
    let running = true;
    let ok = 0;
    const failures: unknown[] = [];
    const load = Promise.all(
      keys.map(async (key, i) => {
        while (running) {
          try {
            await c.set(key, String(i));
            assert.equal(await c.get(key), String(i));
            ok++;
          } catch (error) {
            failures.push(error);
          }
        }
      }),
    );
    await delay(100);
    await cluster.failover(replica);
    await delay(500);
    running = false;
    await load;
    t.diagnostic(
      `${ok} SET+GET pairs through a failover, ${failures.length} failures, ${c.stats().refreshes} refreshes so far`,
    );
    assert.deepEqual(failures, []);
    assert.ok(ok > 100);
  });

  test('a primary killed: other slots keep working throughout, its slots resume after promotion', async (t) => {
    const primaries = await cluster.primaries();
    const victim = primaries[0]!;
    // Pick one key served by the victim and one served elsewhere.
    let lostKey = '';
    let liveKey = '';
    for (const k of keys) {
      const owner = await cluster.slotOwner(keySlot(k));
      if (owner === victim && lostKey === '') lostKey = k;
      if (owner !== victim && liveKey === '') liveKey = k;
    }
    assert.ok(lostKey !== '' && liveKey !== '');
    let running = true;
    const liveFailures: unknown[] = [];
    let liveOk = 0;
    let lostOkAfterPromotion = 0;
    let promotedAt = Number.POSITIVE_INFINITY;
    const live = (async () => {
      while (running) {
        try {
          await c.set(liveKey, 'x');
          liveOk++;
        } catch (error) {
          liveFailures.push(error);
        }
        await delay(2);
      }
    })();
    const lost = (async () => {
      while (running) {
        // GET is read-only, so one cut by the kill is resent; it waits (within its deadline)
        // while the slot has no reachable owner, and goes to the promoted replica after.
        const okNow = await c.get(lostKey).then(
          () => true,
          () => false,
        );
        if (okNow && Date.now() > promotedAt) lostOkAfterPromotion++;
        await delay(5);
      }
    })();
    await delay(200);
    const killedAt = Date.now();
    const promoted = await cluster.killPrimary(victim);
    promotedAt = Date.now();
    await delay(1500);
    running = false;
    await Promise.all([live, lost]);
    t.diagnostic(
      `promotion took ${promotedAt - killedAt} ms; other slots: ${liveOk} ok, ${liveFailures.length} failed; lost slot: ${lostOkAfterPromotion} ok after promotion`,
    );
    assert.deepEqual(liveFailures, [], 'commands on other slots kept succeeding');
    assert.ok(
      lostOkAfterPromotion > 0,
      'commands on the lost slot resumed once the replica was promoted',
    );
    assert.equal(await cluster.slotOwner(keySlot(lostKey)), promoted);
  });
});

describe('bad seeds and redirect loops', () => {
  test('unreachable seeds: each is tried, the error names them all', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const c = createCluster({ nodes: [`redis://127.0.0.1:${p1}`, `redis://127.0.0.1:${p2}`] });
    await assert.rejects(c.ready(), (e: unknown) => {
      assert.equal((e as { code: string }).code, 'ERR_CLUSTER_DOWN');
      assert.match((e as Error).message, new RegExp(`${p1}.*${p2}|${p2}.*${p1}`));
      return true;
    });
    await assert.rejects(c.get('k'), { code: 'ERR_CLUSTER_DOWN' });
    await c.close();
  });

  test('a seed not in cluster mode: ERR_NOT_CLUSTER', async () => {
    const server = await startRedis();
    const c = createCluster({ nodes: [server.url] });
    try {
      await assert.rejects(c.ready(), { code: 'ERR_NOT_CLUSTER' });
    } finally {
      await c.close();
      await server.stop();
    }
  });

  test('a MOVED loop is bounded by maxRedirects, then the table is rebuilt', async () => {
    const servers: FakeServer[] = [];
    const shardsOf = (port: number) => [
      new Map<string, unknown>([
        ['slots', [0, 16383]],
        [
          'nodes',
          [
            new Map<string, unknown>([
              ['id', `n${port}`],
              ['port', port],
              ['ip', '127.0.0.1'],
              ['endpoint', '127.0.0.1'],
              ['role', 'master'],
              ['health', 'online'],
            ]),
          ],
        ],
      ]),
    ];
    // Each fake claims every slot, yet answers GET with MOVED to the other one.
    const a = await startFakeServer((cmd) => {
      if (cmd[0] === 'CLUSTER' && cmd[1] === 'SHARDS') return shardsOf(a.port) as never;
      if (cmd[0] === 'GET')
        return new ReplyError(`MOVED ${keySlot(cmd[1] ?? '')} 127.0.0.1:${b.port}`);
      return undefined;
    });
    const b = await startFakeServer((cmd) => {
      if (cmd[0] === 'CLUSTER' && cmd[1] === 'SHARDS') return shardsOf(b.port) as never;
      if (cmd[0] === 'GET')
        return new ReplyError(`MOVED ${keySlot(cmd[1] ?? '')} 127.0.0.1:${a.port}`);
      return undefined;
    });
    servers.push(a, b);
    const c = createCluster({
      nodes: [a.url],
      maxRedirects: 4,
      refreshCooldownMs: 0,
      refreshJitterMs: 0,
    });
    try {
      await c.ready();
      const refreshes = c.stats().refreshes;
      await assert.rejects(c.get('k'), (e: unknown) => {
        assert.equal((e as { code: string }).code, 'ERR_MAX_REDIRECTS');
        return true;
      });
      const gets = [...a.commands, ...b.commands].filter((cmd) => cmd[0] === 'GET').length;
      assert.equal(gets, 5, 'the first send plus 4 redirects');
      for (let i = 0; i < 50 && c.stats().refreshes === refreshes; i++) await delay(10);
      assert.ok(c.stats().refreshes > refreshes, 'a refresh was forced');
    } finally {
      await c.close();
      await Promise.all(servers.map((s) => s.close()));
    }
  });

  test('the password reaches every node (HELLO … AUTH), never the logs', async () => {
    const secret = 's3cret-pw';
    const node = await startFakeServer((cmd) => {
      if (cmd[0] === 'HELLO') {
        const i = cmd.indexOf('AUTH');
        if (i === -1 || cmd[i + 2] !== secret) {
          return new ReplyError(
            'NOAUTH HELLO must be called with the client already authenticated',
          );
        }
        return undefined;
      }
      if (cmd[0] === 'CLUSTER' && cmd[1] === 'SHARDS') {
        return [
          new Map<string, unknown>([
            ['slots', [0, 16383]],
            [
              'nodes',
              [
                new Map<string, unknown>([
                  ['id', 'n1'],
                  ['port', node.port],
                  ['ip', '127.0.0.1'],
                  ['endpoint', '127.0.0.1'],
                  ['role', 'master'],
                  ['health', 'online'],
                ]),
              ],
            ],
          ]),
        ] as never;
      }
      if (cmd[0] === 'GET') return 'v';
      return undefined;
    });
    try {
      for (const options of [
        { nodes: [`redis://:${secret}@127.0.0.1:${node.port}`] },
        { nodes: [`redis://127.0.0.1:${node.port}`], password: secret },
      ]) {
        const c = createCluster(options);
        try {
          assert.equal(await c.get('k'), 'v');
          const { inspect } = await import('node:util');
          assert.ok(!inspect(c, { showHidden: true, depth: 5 }).includes(secret));
        } finally {
          await c.close();
        }
      }
    } finally {
      await node.close();
    }
  });

  test('invalid cluster options fail synchronously', () => {
    assert.throws(() => createCluster({ nodes: [] }), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => createCluster({ nodes: ['redis://h:1/2'] }), /database 0/);
    assert.throws(
      () => createCluster({ nodes: ['redis://h:1'], readFrom: 'any' as 'primary' }),
      /"readFrom"/,
    );
    assert.throws(() => createCluster({ nodes: ['redis://h:1'], db: 1 } as never), /"db"/);
  });
});
