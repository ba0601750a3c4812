/**
 * The proxy's one budget against a real redis-server: transactions and WATCH on a lease that goes
 * back as soon as EXEC/DISCARD/UNWATCH allows, blocking pops leased for the command only, more
 * blocking clients than connections (a clear -ERR naming --max-connections, never an extra
 * connection, checked with the server's CLIENT LIST), SELECT, and pub/sub fanned out from one
 * upstream subscriber.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createProxy, type RespoolProxy } from '../../src/proxy/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

const MAX = 4;
let server: RedisServer;
let proxy: RespoolProxy;
let port: number;

before(async () => {
  server = await startRedis();
  proxy = createProxy({
    listen: '127.0.0.1:0',
    upstream: server.url,
    maxConnections: MAX,
    leaseTimeoutMs: 300,
  });
  await proxy.listen();
  port = Number(proxy.address()[0]!.split(':')[1]);
});

after(async () => {
  await proxy.close();
  await server.stop();
});

async function upstreamCount(): Promise<number> {
  return (await server.clientList()).filter((c) => c.name === 'respool-proxy').length;
}

describe('transactions', () => {
  test('MULTI…EXEC runs on a lease and returns it after EXEC', async () => {
    const client = await RawClient.connect(port);
    client.write(
      '*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$2\r\ntx\r\n$1\r\n1\r\n*2\r\n$4\r\nINCR\r\n$2\r\ntx\r\n*1\r\n$4\r\nEXEC\r\n*2\r\n$3\r\nGET\r\n$2\r\ntx\r\n',
    );
    const frames = (await client.frames(5)).map((f) => f.toString());
    assert.deepEqual(frames, [
      '+OK\r\n',
      '+QUEUED\r\n',
      '+QUEUED\r\n',
      '*2\r\n+OK\r\n:2\r\n',
      '$1\r\n2\r\n',
    ]);
    await delay(50);
    assert.equal(proxy.stats().upstream.leased, 0);
    client.close();
  });

  test('WATCH sees another client change the key: EXEC answers nil', async () => {
    const a = await RawClient.connect(port);
    const b = await RawClient.connect(port);
    assert.equal(await a.call('WATCH', 'w'), '+OK\r\n');
    assert.equal(await b.call('SET', 'w', 'changed'), '+OK\r\n');
    assert.equal(await a.call('MULTI'), '+OK\r\n');
    assert.equal(await a.call('SET', 'w', 'mine'), '+QUEUED\r\n');
    assert.equal(await a.call('EXEC'), '*-1\r\n');
    assert.equal(await b.call('GET', 'w'), '$7\r\nchanged\r\n');
    // UNWATCH alone returns the lease too.
    assert.equal(await a.call('WATCH', 'w'), '+OK\r\n');
    assert.equal(proxy.stats().upstream.leased, 1);
    assert.equal(await a.call('UNWATCH'), '+OK\r\n');
    await delay(50);
    assert.equal(proxy.stats().upstream.leased, 0);
    a.close();
    b.close();
  });

  test('a client gone mid-transaction does not leak its lease or its MULTI', async () => {
    const a = await RawClient.connect(port);
    assert.equal(await a.call('MULTI'), '+OK\r\n');
    assert.equal(await a.call('SET', 'leak', 'x'), '+QUEUED\r\n');
    a.close();
    await delay(100);
    assert.equal(proxy.stats().upstream.leased, 0);
    const b = await RawClient.connect(port);
    assert.equal(await b.call('GET', 'leak'), '$-1\r\n');
    b.close();
  });
});

describe('blocking commands and the budget', () => {
  test('BLPOP holds a lease for the command only', async () => {
    const waiter = await RawClient.connect(port);
    const pusher = await RawClient.connect(port);
    waiter.command('BLPOP', 'q', 0);
    await delay(100);
    assert.equal(proxy.stats().upstream.leased, 1);
    assert.equal(await pusher.call('RPUSH', 'q', 'job'), ':1\r\n');
    assert.equal(await waiter.frame(), '*2\r\n$1\r\nq\r\n$3\r\njob\r\n');
    await delay(50);
    assert.equal(proxy.stats().upstream.leased, 0);
    waiter.close();
    pusher.close();
  });

  test('20 clients blocking with --max-connections 4: the rest get -ERR naming the limit, the server never sees more', async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => RawClient.connect(port)));
    for (const c of clients) c.command('BLPOP', 'never', 2);
    let peak = 0;
    const replies = Promise.all(clients.map((c) => c.frame(5_000)));
    for (let i = 0; i < 5; i++) {
      peak = Math.max(peak, await upstreamCount());
      await delay(100);
    }
    const texts = await replies;
    const refused = texts.filter((t) => t.startsWith('-ERR'));
    assert.ok(peak <= MAX, `the server saw ${peak} connections from the proxy`);
    assert.ok(refused.length >= 20 - (MAX - 1), `refused ${refused.length}`);
    assert.match(refused[0]!, /--max-connections 4/);
    // Ordinary commands still flow while every lease is taken.
    const other = await RawClient.connect(port);
    assert.equal(await other.call('PING'), '+PONG\r\n');
    other.close();
    for (const c of clients) c.close();
  });

  test('a client that disconnects while blocked: its connection is closed, not lent again', async () => {
    const waiter = await RawClient.connect(port);
    waiter.command('BLPOP', 'abandoned', 0);
    await delay(100);
    waiter.close();
    await delay(100);
    const pusher = await RawClient.connect(port);
    assert.equal(await pusher.call('RPUSH', 'abandoned', 'x'), ':1\r\n');
    assert.equal(await pusher.call('LLEN', 'abandoned'), ':1\r\n');
    pusher.close();
  });
});

describe('SELECT', () => {
  test('a client in db 3 gets db 3, others stay in db 0', async () => {
    const a = await RawClient.connect(port);
    const b = await RawClient.connect(port);
    assert.equal(await a.call('SELECT', 3), '+OK\r\n');
    assert.equal(await a.call('SET', 'dbkey', 'three'), '+OK\r\n');
    assert.equal(await b.call('GET', 'dbkey'), '$-1\r\n');
    assert.equal(await server.cli('-n', '3', 'GET', 'dbkey'), 'three');
    assert.equal(await a.call('SELECT', 99), '-ERR DB index is out of range\r\n');
    assert.equal(await a.call('SELECT', 'x'), '-ERR value is not an integer or out of range\r\n');
    a.close();
    b.close();
  });
});

describe('pub/sub hub', () => {
  test('30 subscribers, one upstream subscription, every message to each', async () => {
    const subs = await Promise.all(Array.from({ length: 30 }, () => RawClient.connect(port)));
    for (const s of subs) {
      assert.equal(
        await s.call('SUBSCRIBE', 'news'),
        '*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n',
      );
    }
    const resp3 = await RawClient.connect(port);
    await resp3.call('HELLO', 3);
    assert.equal(
      await resp3.call('PSUBSCRIBE', 'ne*'),
      '>3\r\n$10\r\npsubscribe\r\n$3\r\nne*\r\n:1\r\n',
    );
    const pubsubConns = (await server.clientList()).filter(
      (c) => c.name === 'respool-proxy' && c.flags.includes('P'),
    );
    assert.equal(pubsubConns.length, 1);
    assert.equal(pubsubConns[0]!.sub + pubsubConns[0]!.psub, 2);
    const publisher = await RawClient.connect(port);
    // The server counts the hub's connection twice (channel and pattern); the client is told
    // what a direct connection would say: 30 channel subscribers and 1 pattern.
    assert.equal(await publisher.call('PUBLISH', 'news', 'hello'), ':31\r\n');
    for (const s of subs) {
      assert.equal(await s.frame(), '*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n');
    }
    assert.equal(
      await resp3.frame(),
      '>4\r\n$8\r\npmessage\r\n$3\r\nne*\r\n$4\r\nnews\r\n$5\r\nhello\r\n',
    );
    // RESP2 subscribed clients may only use pub/sub commands.
    assert.match(await subs[0]!.call('GET', 'x'), /^-ERR Can't execute 'get'/);
    assert.equal(await subs[0]!.call('PING'), '*2\r\n$4\r\npong\r\n$0\r\n\r\n');
    assert.equal(
      await subs[0]!.call('UNSUBSCRIBE'),
      '*3\r\n$11\r\nunsubscribe\r\n$4\r\nnews\r\n:0\r\n',
    );
    assert.equal(await subs[0]!.call('GET', 'x'), '$-1\r\n');
    for (const s of subs) s.close();
    resp3.close();
    await delay(200);
    assert.equal(proxy.stats().upstream.channels, 0);
    publisher.close();
  });
});
