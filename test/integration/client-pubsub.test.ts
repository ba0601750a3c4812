/**
 * Pub/sub against a real redis-server, in RESP3 and RESP2: one dedicated connection from the
 * budget, shared by subscriptions, released when the last ends, restored after a kill, the
 * outage reported on the client and on each subscription.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { type ClientEvents, createClient, type SubscriberOutage } from '../../src/index.js';
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

/** Resolves when `check()` holds, polling; fails after `timeoutMs`. */
async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await delay(5);
  }
}

for (const protocol of [3, 2] as const) {
  describe(`RESP${protocol}`, () => {
    test('subscribe, receive, share one connection, release it when the last one ends', async () => {
      const c = createClient({ url: server.url, protocol });
      const a: string[] = [];
      const b: string[] = [];
      const subA = await c.subscribe(['news', 'sport'], (m, ch) => a.push(`${ch}:${m}`));
      const subB = await c.subscribe('news', (m, ch) => b.push(`${ch}:${m}`));
      assert.equal(c.stats().subscriptions, 2);
      assert.equal(c.stats().leased, 1, 'one subscriber connection for both subscriptions');
      assert.equal(await c.publish('news', 'n1'), 1, 'the server counts one subscribed connection');
      await c.publish('sport', 's1');
      await until(() => a.length === 2 && b.length === 1, 'messages');
      assert.deepEqual(a, ['news:n1', 'sport:s1']);
      assert.deepEqual(b, ['news:n1']);
      await subA.unsubscribe();
      await c.publish('news', 'n2');
      await c.publish('sport', 's2');
      await until(() => b.length === 2, 'second news message');
      await delay(30);
      assert.equal(a.length, 2, 'the ended subscription hears nothing more');
      assert.equal(c.stats().subscriptions, 1);
      await subB.unsubscribe();
      await subB.unsubscribe(); // idempotent
      assert.equal(c.stats().leased, 0);
      assert.equal(c.stats().idle, 1, 'the subscriber connection went back to the pool');
      assert.equal(await c.publish('news', 'n3'), 0);
      // The released connection is clean: a lease on it works normally.
      assert.equal(await c.withConnection((conn) => conn.ping()), 'PONG');
      assert.equal(c.stats().created, 2, 'reused, not replaced');
      await c.close();
    });

    test('patterns, shard channels and buffer messages', async () => {
      const c = createClient({ url: server.url, protocol });
      const got: string[] = [];
      const p = await c.psubscribe('user.*', (m, ch, pattern) => got.push(`${pattern}|${ch}|${m}`));
      const s = await c.ssubscribe('orders', (m, ch) => got.push(`s|${ch}|${m}`));
      const bin: Buffer[] = [];
      const bsub = await c
        .withOptions({ returnBuffers: true })
        .subscribe('bin', (m) => bin.push(m));
      await c.publish('user.42', 'hello');
      await c.spublish('orders', 'o1');
      await c.publish('bin', Buffer.from([0, 255, 13, 10]));
      await until(() => got.length === 2 && bin.length === 1, 'messages');
      assert.deepEqual(got.sort(), ['s|orders|o1', 'user.*|user.42|hello']);
      assert.ok(Buffer.isBuffer(bin[0]));
      assert.deepEqual(bin[0], Buffer.from([0, 255, 13, 10]));
      await Promise.all([p.unsubscribe(), s.unsubscribe(), bsub.unsubscribe()]);
      assert.equal(c.stats().subscriptions, 0);
      await c.close();
    });

    test('a killed subscriber connection is replaced and channels are subscribed again', async () => {
      const c = createClient({ url: server.url, protocol });
      const got: string[] = [];
      await c.subscribe('live', (m) => got.push(m));
      await server.cli('CLIENT', 'KILL', 'TYPE', 'pubsub');
      // Publish until the new subscriber connection receives (the re-subscribe is in flight).
      let n = 0;
      await until(() => {
        void c.publish('live', `m${n++}`);
        return got.length > 0;
      }, 're-subscription');
      assert.equal(c.stats().subscriptions, 1);
      assert.ok(c.stats().created >= 3, 'multiplexed + first subscriber + replacement');
      await c.close();
    });
  });
}

test('a throwing listener does not break the others', async () => {
  const c = createClient(server.url);
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  const got: string[] = [];
  await c.subscribe('t', () => {
    throw new Error('listener bug');
  });
  await c.subscribe('t', (m) => got.push(m));
  await c.publish('t', 'x');
  await c.publish('t', 'y');
  await until(() => got.length === 2, 'messages after a throwing listener');
  await until(() => warnings.some((w) => /listener bug/.test(w.message)), 'warning');
  process.off('warning', onWarning);
  await c.close();
});

test('the subscriber connection counts in the budget', async () => {
  const c = createClient({ url: server.url, maxConnections: 2, acquireTimeoutMs: 200 });
  await c.ready();
  const sub = await c.subscribe('budget', () => undefined);
  assert.equal(c.stats().open, 2);
  await assert.rejects(c.blpop(['q'], 0.05), { code: 'ERR_POOL_TIMEOUT' });
  await sub.unsubscribe();
  assert.equal(await c.blpop(['q'], 0.05), null, 'the slot is free again');
  await c.close();
});

test('close() with live subscriptions finishes promptly and leaves nothing', async () => {
  const c = createClient(server.url);
  await c.subscribe(['x', 'y'], () => undefined);
  await c.psubscribe('z*', () => undefined);
  const t0 = Date.now();
  await c.close();
  assert.ok(Date.now() - t0 < 1000);
  await expectClientCount(server, 0);
  await assert.rejects(
    c.subscribe('late', () => undefined),
    { code: 'ERR_CLIENT_CLOSED' },
  );
  await assert.rejects(
    c.subscribe('', () => undefined),
    { code: 'ERR_INVALID_ARGUMENT' },
  );
  await assert.rejects(
    c.subscribe([], () => undefined),
    { code: 'ERR_INVALID_ARGUMENT' },
  );
});

test('CLIENT KILL TYPE pubsub: the outage is reported on the client and on each subscription', async () => {
  const client = createClient({ url: server.url });
  try {
    const got: string[] = [];
    const a = await client.subscribe('outage:a', (m) => got.push(m));
    const b = await client.psubscribe('outage:p*', () => undefined);
    const events: string[] = [];
    let down: ClientEvents['subscriber-down'][0] | undefined;
    let up: ClientEvents['subscriber-up'][0] | undefined;
    client.on('subscriber-down', (info) => {
      events.push('subscriber-down');
      down = info;
    });
    client.on('subscriber-up', (info) => {
      events.push('subscriber-up');
      up = info;
    });
    // The multiplexed connection is untouched: no close/reconnecting for it.
    client.on('close', () => events.push('close'));
    const outages: SubscriberOutage[] = [];
    const downs: number[] = [];
    a.on('down', (info) => downs.push(info.downAt));
    a.on('outage', (o) => outages.push(o));
    let bOutage: SubscriberOutage | undefined;
    b.on('outage', (o) => {
      bOutage = o;
    });
    await client.ping();

    const before = Date.now();
    await server.cli('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await until(() => up !== undefined, 'subscriber-up');
    assert.deepEqual(events, ['subscriber-down', 'subscriber-up']);
    assert.ok(down !== undefined && up !== undefined);
    assert.ok(down.downAt >= before);
    assert.equal(down.channels, 2);
    assert.equal(up.downAt, down.downAt);
    assert.ok(up.upAt >= up.downAt);
    assert.deepEqual(downs, [down.downAt]);
    assert.deepEqual(outages, [{ downAt: up.downAt, upAt: up.upAt }]);
    assert.deepEqual(a.outages, outages);
    assert.deepEqual(bOutage, outages[0]);
    // Subscribed again: a message published now is received.
    await client.publish('outage:a', 'after');
    await until(() => got.includes('after'), 'a message after the outage');

    // A second outage is a second report.
    await server.cli('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await until(() => a.outages.length === 2, 'second outage');
    assert.deepEqual(events, [
      'subscriber-down',
      'subscriber-up',
      'subscriber-down',
      'subscriber-up',
    ]);
    await a.unsubscribe();
    await b.unsubscribe();
  } finally {
    await client.close();
  }
});

test('no outage is reported for a subscriber connection released after its last unsubscribe', async () => {
  const client = createClient({ url: server.url });
  try {
    let downs = 0;
    client.on('subscriber-down', () => downs++);
    const s = await client.subscribe('outage:gone', () => undefined);
    await s.unsubscribe();
    await server.cli('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await client.ping();
    await delay(50);
    assert.equal(downs, 0);
  } finally {
    await client.close();
  }
});
