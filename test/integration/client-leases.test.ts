/**
 * Exclusive work under one hard budget, against a real redis-server: blocking commands on leases,
 * withConnection (WATCH/MULTI/EXEC, reset on release, throws), LIFO drain, no client TIME_WAIT,
 * leak warnings, a server that refuses connections.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { dialSocket } from '../../src/connection/connect.js';
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

/** Poll the server's client count while `work` runs; returns the highest count seen. */
async function peakClients<T>(work: Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = 0;
  let done = false;
  const poller = (async () => {
    while (!done) {
      peak = Math.max(peak, await server.clientCount());
      await delay(10);
    }
  })();
  const result = await work.finally(() => {
    done = true;
  });
  await poller;
  return { result, peak };
}

/**
 * TIME_WAIT sockets on this host from `localPorts` towards `port`, read from /proc. Counting
 * only the client's own sockets keeps other tests' (and the harness's) sockets out of it.
 */
function timeWaitFrom(localPorts: ReadonlySet<number>, port: number): number {
  let count = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols[1] local "IP:PORT", cols[2] remote, cols[3] state (06 = TIME_WAIT); ports in hex.
      if (cols[3] !== '06') continue;
      const local = Number.parseInt(cols[1]?.split(':').pop() ?? '', 16);
      const remote = Number.parseInt(cols[2]?.split(':').pop() ?? '', 16);
      if (remote === port && localPorts.has(local)) count++;
    }
  }
  return count;
}

describe('blocking commands', () => {
  test('200 concurrent BLPOPs with maxConnections 8: all resolve, never more than 8 connections', async () => {
    const client = createClient({ url: server.url, maxConnections: 8, acquireTimeoutMs: 30_000 });
    const { result, peak } = await peakClients(
      Promise.all(Array.from({ length: 200 }, (_, i) => client.blpop([`blq:${i}`], 0.1))),
    );
    assert.equal(result.length, 200);
    assert.ok(
      result.every((r) => r === null),
      'every BLPOP timed out empty and resolved',
    );
    assert.ok(peak <= 8, `the server saw ${peak} connections`);
    assert.ok(peak >= 2, 'leases were used');
    const s = client.stats();
    assert.equal(s.leasesAcquired, 200);
    assert.ok(s.open <= 8);
    await client.close();
    await expectClientCount(server, 0);
  });

  test('BLPOP through call() also leases; the element goes to the waiting caller', async () => {
    const client = createClient(server.url);
    const popped = client.call('BLPOP', 'blq:call', '2');
    await delay(50);
    assert.equal(
      client.stats().leased,
      1,
      'the blocking command holds a lease, not the shared connection',
    );
    // The multiplexed connection stays free for everyone else meanwhile.
    assert.equal(await client.rpush('blq:call', 'hello'), 1);
    assert.deepEqual(await popped, ['blq:call', 'hello']);
    await client.close();
  });

  test('a blocking command past its deadline destroys its connection, so it cannot pop later', async () => {
    const client = createClient({ url: server.url, blockingGraceMs: 100 });
    await client.ready();
    // Paused writes: BLPOP (a write command) sits unanswered past its 0.2 s timeout + grace.
    await server.cli('CLIENT', 'PAUSE', '1500', 'WRITE');
    const t0 = Date.now();
    await assert.rejects(client.blpop(['blq:late'], 0.2), (e: unknown) => {
      assert.equal((e as { code: string }).code, 'ERR_COMMAND_TIMEOUT');
      return true;
    });
    const waited = Date.now() - t0;
    assert.ok(waited >= 280 && waited < 1200, `failed after ${waited} ms`);
    assert.equal(client.stats().idle, 0, 'the connection was destroyed, not returned');
    await server.cli('CLIENT', 'UNPAUSE');
    await client.rpush('blq:late', 'x');
    await delay(100);
    assert.equal(
      await client.llen('blq:late'),
      1,
      'the abandoned BLPOP did not consume the element',
    );
    await client.close();
  });

  test('BZPOPMIN, BLMOVE and WAIT have typed methods', async () => {
    const client = createClient(server.url);
    await client.zadd('bz', [
      { score: 2, member: 'b' },
      { score: 1, member: 'a' },
    ]);
    assert.deepEqual(await client.bzpopmin(['bz'], 1), { key: 'bz', member: 'a', score: 1 });
    await client.rpush('src', 'v');
    assert.equal(await client.blmove('src', 'dst', 'LEFT', 'RIGHT', 1), 'v');
    assert.equal(await client.wait(0, 100), 0);
    assert.deepEqual(await client.blmpop(0.1, ['nothing'], 'LEFT'), null);
    await client.close();
  });
});

describe('withConnection', () => {
  let client: RespoolClient;
  before(() => {
    client = createClient({ url: server.url, maxConnections: 3 });
  });
  after(async () => {
    await client.close();
  });

  test('WATCH/MULTI/EXEC with optimistic retries keeps every increment', async () => {
    await client.set('balance', '0');
    let retries = 0;
    const addOne = async () => {
      for (;;) {
        const done = await client.withConnection(async (conn) => {
          await conn.watch('balance');
          const current = Number(await conn.get('balance'));
          await delay(1); // widen the race window
          return conn
            .multi()
            .set('balance', String(current + 1))
            .exec();
        });
        if (done !== null) return;
        retries++;
      }
    };
    await Promise.all(Array.from({ length: 20 }, addOne));
    assert.equal(await client.get('balance'), '20');
    assert.ok(retries > 0, 'concurrent leases conflicted and retried');
  });

  test('release undoes SELECT, WATCH and an open MULTI before the next borrower', async () => {
    const c = createClient({ url: server.url, maxConnections: 2 });
    await c.withConnection(async (conn) => {
      await conn.call('SELECT', '5');
      await conn.set('in-db-5', 'x');
      await conn.watch('w');
      await conn.call('MULTI');
    });
    await c.withConnection(async (conn) => {
      // Same connection (only one fits the budget): back in db 0, not inside MULTI.
      assert.equal(await conn.get('in-db-5'), null);
      assert.equal(await conn.set('after-reset', 'ok'), 'OK');
    });
    assert.equal(c.stats().created, 1, 'the connection was reset and reused, not replaced');
    assert.equal(await server.cli('-n', '5', 'GET', 'in-db-5'), 'x');
    await c.close();
  });

  test('state that cannot be undone gets the connection closed instead of reused', async () => {
    const c = createClient({ url: server.url, maxConnections: 2 });
    await c.withConnection((conn) => conn.call('CLIENT', 'NO-EVICT', 'on'));
    await delay(20);
    assert.equal(c.stats().idle, 0);
    await c.withConnection((conn) => conn.ping());
    assert.equal(c.stats().created, 2);
    await c.close();
  });

  test('a throwing fn leaks nothing: the lease returns and the server count is back to baseline', async () => {
    const baseline = await server.clientCount();
    const c = createClient({ url: server.url, maxConnections: 4 });
    for (let i = 0; i < 10; i++) {
      await assert.rejects(
        c.withConnection(async (conn) => {
          await conn.set('x', '1');
          throw new Error(`boom ${i}`);
        }),
        /boom/,
      );
    }
    await assert.rejects(
      c.withConnection(() => Promise.reject(new Error('rejected'))),
      /rejected/,
    );
    const s = c.stats();
    assert.equal(s.leased, 0);
    assert.equal(s.idle, 1, 'one connection, reused each time');
    await c.close();
    await expectClientCount(server, baseline);
  });

  test('the handle refuses use after release; subscribe commands are refused on a lease', async () => {
    let kept: { get(k: string): Promise<unknown> } | undefined;
    await client.withConnection(async (conn) => {
      kept = conn;
      await assert.rejects(conn.call('SUBSCRIBE', 'ch'), { code: 'ERR_INVALID_ARGUMENT' });
    });
    await assert.rejects(kept!.get('x'), { code: 'ERR_CLIENT_CLOSED' });
  });
});

describe('the budget over time', () => {
  test('after a burst of 16 leases, steady traffic continues while open falls to minIdle + 1', async () => {
    const idleTimeoutMs = 1000;
    const c = createClient({ url: server.url, maxConnections: 17, minIdle: 2, idleTimeoutMs });
    await c.ready();
    await Promise.all(
      Array.from({ length: 16 }, () =>
        c.withConnection(async (conn) => conn.call('BLPOP', 'burst:none', '0.2')),
      ),
    );
    assert.equal(c.stats().open, 17, '16 leased connections + the multiplexed one');
    const releasedAt = Date.now();
    // 10 leased commands per second.
    let fellAt = 0;
    while (Date.now() - releasedAt < idleTimeoutMs + 2500) {
      await c.withConnection((conn) => conn.ping());
      const open = c.stats().open;
      if (open <= 2 + 1 + 1 && fellAt === 0) fellAt = Date.now();
      await delay(100);
    }
    assert.ok(fellAt > 0, `open stayed at ${c.stats().open}`);
    // The evictor runs every second: the fall happens within idleTimeoutMs plus one period.
    assert.ok(
      fellAt - releasedAt <= idleTimeoutMs + 1000 + 300,
      `fell after ${fellAt - releasedAt} ms`,
    );
    const s = c.stats();
    assert.ok(
      s.open === 3 || s.open === 4,
      `open: ${s.open} (minIdle 2 + multiplexed + maybe the hot one)`,
    );
    assert.equal(await server.clientCount(), s.open);
    await c.close();
  });

  test('repeated bursts of 50 leases with maxConnections 16 leave no client-side TIME_WAIT', async () => {
    const localPorts = new Set<number>();
    const c = createClient({
      url: server.url,
      maxConnections: 16,
      idleTimeoutMs: 200,
      socketFactory: (options) => {
        const socket = dialSocket(options);
        socket.once('connect', () => localPorts.add(socket.localPort ?? 0));
        return socket;
      },
    });
    // Poll through one persistent connection, so the poller opens nothing per sample.
    const admin = createClient(server.url);
    try {
      await admin.ready();
      for (let burst = 0; burst < 4; burst++) {
        let peak = 0;
        let done = false;
        const poller = (async () => {
          while (!done) {
            const info = String(await admin.call('INFO', 'clients'));
            peak = Math.max(peak, Number(/connected_clients:(\d+)/.exec(info)?.[1]) - 1);
            await delay(10);
          }
        })();
        await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            c.withConnection((conn) => conn.call('BLPOP', `tw:${i}`, '0.05')),
          ),
        );
        done = true;
        await poller;
        assert.ok(peak <= 16, `peak ${peak}`);
        assert.ok(peak >= 10, `the burst used the budget (peak ${peak})`);
        // Let the evictor retire the cold ones between bursts (they are closed with QUIT).
        await delay(1300);
      }
      await c.close();
      assert.ok(c.stats().destroyed > 0, 'connections were retired during the test');
      assert.ok(localPorts.size >= 16, `the client opened ${localPorts.size} sockets`);
      await delay(100);
      assert.equal(
        timeWaitFrom(localPorts, server.port),
        0,
        'closing left TIME_WAIT on the client',
      );
    } finally {
      c.destroy();
      await admin.close();
    }
  });

  test('stats show a spent budget while callers wait', async () => {
    const c = createClient({ url: server.url, maxConnections: 3 });
    const hold = Array.from({ length: 4 }, () => c.blpop(['budget:none'], 0.3));
    await delay(100);
    const s = c.stats();
    assert.equal(s.leased, 2);
    assert.equal(s.waitingForLease, 2);
    assert.ok(s.open <= s.maxConnections);
    await Promise.all(hold);
    assert.ok(c.stats().leaseWaits >= 2);
    assert.ok(c.stats().leaseWaitTimeTotalMs > 0);
    await c.close();
  });
});

describe('faults', () => {
  test('a lease that never settles: leak warning with the stack, and close() still finishes', async () => {
    const c = createClient({ url: server.url, leakWarningMs: 100, closeTimeoutMs: 300 });
    const leaks: { stack: string }[] = [];
    c.onLeak((info) => leaks.push(info));
    const never = c.withConnection(() => new Promise<never>(() => undefined));
    never.catch(() => undefined);
    // 100 ms after the lease is granted; the dial before it is slow on a loaded machine.
    const deadline = Date.now() + 5_000;
    while (leaks.length === 0 && Date.now() < deadline) await delay(20);
    assert.equal(leaks.length, 1);
    assert.match(leaks[0]!.stack, /client-leases\.test\.ts/);
    const t0 = Date.now();
    await c.close();
    assert.ok(Date.now() - t0 < 1500);
    await expectClientCount(server, 0);
  });

  test('a server refusing connections: lease waiters fail at their deadline with its reason', async () => {
    const c = createClient({ url: server.url, acquireTimeoutMs: 400 });
    await c.ready();
    await c.call('CONFIG', 'SET', 'maxclients', '1');
    try {
      const t0 = Date.now();
      await assert.rejects(c.blpop(['refused'], 1), (e: unknown) => {
        assert.equal((e as { code: string }).code, 'ERR_POOL_TIMEOUT');
        const cause = (e as Error).cause as { code: string } | undefined;
        assert.equal(cause?.code, 'ERR_MAX_CLIENTS');
        return true;
      });
      const waited = Date.now() - t0;
      assert.ok(waited >= 380 && waited < 1500, `failed after ${waited} ms`);
      assert.ok(c.stats().connectErrors >= 1);
    } finally {
      await c.call('CONFIG', 'SET', 'maxclients', '10000');
    }
    await c.close();
  });

  test('invalid budget options fail synchronously', () => {
    assert.throws(() => createClient({ maxConnections: 0 }), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => createClient({ minIdle: 10, maxConnections: 10 }), /"minIdle"/);
    assert.throws(() => createClient({ acquireTimeoutMs: -1 }), /"acquireTimeoutMs".*-1/);
    assert.throws(() => createClient({ idleTimeoutMs: -5 }), /"idleTimeoutMs"/);
  });
});
