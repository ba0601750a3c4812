/**
 * The client against a real redis-server: multiplexing, typed commands, multi/pipeline, buffer
 * mode, handshake identity, close semantics. Ends by checking the server's client count is back
 * to baseline.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createClient,
  ReplyError,
  type RespoolClient,
  TransactionAbortedError,
} from '../../src/index.js';
import { expectClientCount } from '../helpers/baseline.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let server: RedisServer;

before(async () => {
  server = await startRedis({ unixSocket: true });
});

after(async () => {
  await expectClientCount(server, 0);
  await server.stop();
});

describe('multiplexing', () => {
  test('500 concurrent callers doing SET/GET/INCR share one server connection', async () => {
    const client = createClient(server.url);
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 500 }, async (_, i) => {
        const key = `mux:${i}`;
        assert.equal(await client.set(key, `v${i}`), 'OK');
        assert.equal(await client.get(key), `v${i}`);
        const n = await client.incr('mux:counter');
        if (i % 100 === 0) peak = Math.max(peak, await server.clientCount());
        return n;
      }),
    );
    // Every INCR got a distinct value: replies were matched to the right callers.
    assert.deepEqual(
      [...results].sort((a, b) => a - b),
      Array.from({ length: 500 }, (_, i) => i + 1),
    );
    assert.equal(await client.get('mux:counter'), '500');
    assert.equal(peak, 1, 'the server saw exactly one connection from the client');
    const info = await server.info('clients');
    assert.equal(info['connected_clients'], '2', 'one for the client, one for the harness probe');
    const stats = client.stats();
    assert.equal(stats.created, 1);
    assert.equal(stats.open, 1);
    assert.equal(stats.commandsFailed, 0);
    assert.ok(stats.commandsSent >= 1501);
    await client.close();
  });

  test('connects lazily: no connection before the first command; ready() connects now', async () => {
    const client = createClient(server.url);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await server.clientCount(), 0);
    await client.ready();
    assert.equal(await server.clientCount(), 1);
    await client.close();
    await expectClientCount(server, 0);
  });

  test('commands issued in one turn leave in one socket write', async () => {
    const writes: number[] = [];
    const { dialSocket } = await import('../../src/connection/connect.js');
    const client = createClient({
      url: server.url,
      socketFactory: (options) => {
        const socket = dialSocket(options);
        const write = socket.write.bind(socket) as (chunk: Buffer) => boolean;
        socket.write = ((chunk: Buffer) => {
          writes.push(chunk.length);
          return write(chunk);
        }) as typeof socket.write;
        return socket;
      },
    });
    await client.ready();
    writes.length = 0;
    await Promise.all(Array.from({ length: 200 }, (_, i) => client.set(`batch:${i}`, 'x')));
    assert.equal(writes.length, 1, `expected one write, saw ${writes.length}`);
    await client.close();
  });
});

describe('typed commands', () => {
  // Created in before(): the URL is only known once the server runs.
  let c: RespoolClient;
  before(() => {
    c = createClient(server.url);
  });
  after(async () => {
    await c.close();
  });

  test('strings, counters and expiry', async () => {
    assert.equal(await c.set('s:a', 'hello'), 'OK');
    assert.equal(await c.set('s:a', 'x', { nx: true }), null);
    assert.equal(await c.set('s:a', 'world', { get: true }), 'hello');
    assert.equal(await c.append('s:a', '!'), 6);
    assert.equal(await c.strlen('s:a'), 6);
    assert.equal(await c.getrange('s:a', 0, 2), 'wor');
    assert.deepEqual(await c.mget(['s:a', 's:missing']), ['world!', null]);
    assert.equal(await c.mset({ 's:m1': '1', 's:m2': '2' }), 'OK');
    assert.equal(await c.msetnx([['s:m1', '9']]), false);
    assert.equal(await c.incrby('s:m1', 10), 11);
    assert.equal(await c.decr('s:m1'), 10);
    assert.equal(await c.decrby('s:m1', 5), 5);
    assert.equal(await c.incrbyfloat('s:m1', 0.5), 5.5);
    assert.equal(await c.setnx('s:nx', 'v'), true);
    assert.equal(await c.setnx('s:nx', 'v'), false);
    assert.equal(await c.setex('s:ex', 100, 'v'), 'OK');
    const ttl = await c.ttl('s:ex');
    assert.ok(ttl > 90 && ttl <= 100);
    assert.equal(await c.expire('s:nx', 50), true);
    assert.equal(await c.expire('s:nx', 10, 'GT'), false);
    assert.ok((await c.pttl('s:nx')) > 40_000);
    assert.equal(await c.persist('s:nx'), true);
    assert.equal(await c.ttl('s:nx'), -1);
    assert.equal(await c.ttl('s:nothing'), -2);
    assert.equal(await c.getdel('s:nx'), 'v');
    assert.equal(await c.exists('s:a', 's:a', 's:nx'), 2);
    assert.equal(await c.type('s:a'), 'string');
    assert.equal(await c.del('s:a', 's:m1', 's:m2'), 3);
    // A number argument with 20 digits is out of range for INCRBY: the server's error rejects.
    await assert.rejects(c.incrby('s:big', 2n ** 70n), (e: unknown) => e instanceof ReplyError);
  });

  test('hashes', async () => {
    // JSON.parse makes "__proto__" an own key; an object literal would set the prototype.
    const fields = JSON.parse('{"a":"1","b":"2","__proto__":"p"}') as Record<string, string>;
    assert.equal(await c.hset('h', fields), 3);
    assert.equal(await c.hset('h', 'c', '3'), 1);
    assert.equal(await c.hget('h', 'a'), '1');
    assert.deepEqual(await c.hmget('h', ['a', 'zz', 'c']), ['1', null, '3']);
    const all = await c.hgetall('h');
    assert.equal(all['a'], '1');
    assert.equal(all['c'], '3');
    // A field named __proto__ stays a field; it never becomes the object's prototype.
    assert.equal(Object.getPrototypeOf(all), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(all, '__proto__')?.value, 'p');
    assert.equal(await c.hexists('h', 'b'), true);
    assert.equal(await c.hincrby('h', 'a', 5), 6);
    assert.equal(await c.hincrbyfloat('h', 'a', 0.25), 6.25);
    assert.equal(await c.hlen('h'), 4);
    assert.deepEqual((await c.hkeys('h')).sort(), ['__proto__', 'a', 'b', 'c']);
    assert.equal(await c.hdel('h', 'a', 'b'), 2);
    assert.equal(await c.hsetnx('h', 'c', 'x'), false);
    const page = await c.hscan('h', 0, { count: 100 });
    assert.equal(page.cursor, '0');
    assert.equal(page.items.length, 4);
  });

  test('lists, sets and sorted sets', async () => {
    assert.equal(await c.rpush('l', 'a', 'b', 'c'), 3);
    assert.equal(await c.lpush('l', 'z'), 4);
    assert.deepEqual(await c.lrange('l', 0, -1), ['z', 'a', 'b', 'c']);
    assert.equal(await c.lpop('l'), 'z');
    assert.deepEqual(await c.rpopCount('l', 2), ['c', 'b']);
    assert.equal(await c.llen('l'), 1);
    assert.equal(await c.lpos('l', 'a'), 0);
    assert.equal(await c.lmove('l', 'l2', 'LEFT', 'RIGHT'), 'a');

    assert.equal(await c.sadd('set', 'x', 'y', 'z'), 3);
    assert.deepEqual((await c.smembers('set')).sort(), ['x', 'y', 'z']);
    assert.equal(await c.sismember('set', 'y'), true);
    assert.deepEqual(await c.smismember('set', ['x', 'q']), [true, false]);
    assert.equal(await c.scard('set'), 3);
    assert.equal(await c.srem('set', 'x'), 1);

    assert.equal(
      await c.zadd('z', [
        { score: 1, member: 'one' },
        { score: 2.5, member: 'two' },
        { score: 3, member: 'three' },
      ]),
      3,
    );
    assert.equal(await c.zscore('z', 'two'), 2.5);
    assert.equal(await c.zscore('z', 'nope'), null);
    assert.deepEqual(await c.zmscore('z', ['one', 'nope']), [1, null]);
    assert.deepEqual(await c.zrange('z', 0, -1), ['one', 'two', 'three']);
    assert.deepEqual(await c.zrange('z', 2, 3, { by: 'score' }), ['two', 'three']);
    assert.deepEqual(await c.zrangeWithScores('z', 0, 0, { rev: true }), [
      { member: 'three', score: 3 },
    ]);
    assert.equal(await c.zincrby('z', 10, 'one'), 11);
    assert.equal(await c.zrank('z', 'one'), 2);
    assert.deepEqual(await c.zpopmin('z'), [{ member: 'two', score: 2.5 }]);
    assert.equal(await c.zcard('z'), 2);
  });

  test('generic call and server errors', async () => {
    assert.equal(await c.call('ECHO', 'hi'), 'hi');
    await c.set('wrongtype', 'v');
    await assert.rejects(c.call('LPUSH', 'wrongtype', 'x'), (e: unknown) => {
      assert.ok(e instanceof ReplyError);
      assert.equal(e.prefix, 'WRONGTYPE');
      assert.equal(e.code, 'ERR_REPLY');
      return true;
    });
    // Connection-state commands are refused on the shared connection (blocking ones lease one:
    // see client-leases.test.ts).
    for (const name of ['SUBSCRIBE', 'WATCH', 'SELECT', 'MULTI', 'MONITOR']) {
      await assert.rejects(c.call(name, 'k', '0'), { code: 'ERR_INVALID_ARGUMENT' });
    }
    await assert.rejects(c.call('SET', 'k', { bad: true } as unknown as string), {
      code: 'ERR_INVALID_ARGUMENT',
    });
    // A rejected argument leaves the connection's stream intact.
    assert.equal(await c.ping(), 'PONG');
  });

  test('binary values and buffer mode', async () => {
    const bytes = Buffer.from([0, 1, 2, 13, 10, 255, 254, 0]);
    await c.set('bin', bytes);
    const asBuffer = await c.withOptions({ returnBuffers: true }).get('bin');
    assert.ok(Buffer.isBuffer(asBuffer));
    assert.deepEqual(asBuffer, bytes);
    assert.deepEqual(await c.callBuffer('GET', 'bin'), bytes);
    // The string view of the same client is unaffected.
    assert.equal(typeof (await c.get('bin')), 'string');
    const big = Buffer.alloc(5 * 1024 * 1024, 7);
    await c.set('big', big);
    assert.deepEqual(await c.withOptions({ returnBuffers: true }).get('big'), big);
    const text = 'ü€😀'.repeat(50_000);
    await c.set('unicode', text);
    assert.equal(await c.get('unicode'), text);
  });
});

describe('multi and pipeline', () => {
  test('multi() runs atomically and keeps run-time errors in their slot', async () => {
    const c = createClient(server.url);
    await c.set('tx:s', 'not a number');
    const results = await c.multi().incr('tx:n').incr('tx:n').incr('tx:s').get('tx:n').exec();
    assert.equal(results[0], 1);
    assert.equal(results[1], 2);
    assert.ok(results[2] instanceof ReplyError);
    assert.equal(results[3], '2');
    await c.close();
  });

  test('a command refused while queueing aborts the transaction', async () => {
    const c = createClient(server.url);
    await assert.rejects(c.multi().set('tx:a', '1').call('NOSUCHCMD').exec(), (e: unknown) => {
      assert.ok(e instanceof TransactionAbortedError);
      assert.equal(e.prefix, 'EXECABORT');
      assert.ok(e.replies[1] instanceof ReplyError);
      return true;
    });
    assert.equal(await c.get('tx:a'), null, 'nothing of the aborted transaction ran');
    await c.close();
  });

  test('a bad argument in multi() rejects exec() before anything is sent', async () => {
    const c = createClient(server.url);
    const bad = { not: 'encodable' } as unknown as string;
    await assert.rejects(c.multi().set('mb:a', '1').set('mb:b', bad).exec(), {
      code: 'ERR_INVALID_ARGUMENT',
    });
    await assert.rejects(c.pipeline().set('mb:c', '1').set('mb:d', bad).exec(), {
      code: 'ERR_INVALID_ARGUMENT',
    });
    // The shared connection is not left inside a transaction: commands run, not QUEUED.
    assert.equal(await c.set('mb:after', 'x'), 'OK');
    assert.equal(await c.get('mb:a'), null);
    assert.equal(await c.get('mb:c'), null, 'no part of the pipeline was sent');
    await c.close();
  });

  test('pipeline() returns one slot per command with errors in place', async () => {
    const c = createClient(server.url);
    const p = c.pipeline().set('p:a', '1').call('NOSUCHCMD').incr('p:a').hgetall('p:nohash');
    assert.equal(p.length, 4);
    const results = await p.exec();
    assert.equal(results[0], 'OK');
    assert.ok(results[1] instanceof ReplyError);
    assert.equal(results[2], 2);
    assert.deepEqual(results[3], {});
    await assert.rejects(p.exec(), /already/);
    await c.close();
  });

  test('interleaved multi() calls from concurrent callers stay atomic', async () => {
    const c = createClient(server.url);
    const all = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        c.multi().set(`ti:${i}`, String(i)).get(`ti:${i}`).incr('ti:count').exec(),
      ),
    );
    all.forEach((r, i) => {
      assert.equal(r[1], String(i));
    });
    assert.equal(await c.get('ti:count'), '50');
    await c.close();
  });
});

describe('connection identity and endpoints', () => {
  test('name, db and protocol from options show in CLIENT LIST and HELLO', async () => {
    const c = createClient({ url: `${server.url}/3`, name: 'orders-api' });
    await c.set('in-db-3', 'yes');
    const clients = await server.clientList();
    assert.equal(clients.length, 1);
    assert.equal(clients[0]?.name, 'orders-api');
    assert.equal(clients[0]?.db, 3);
    assert.equal(await server.cli('-n', '3', 'GET', 'in-db-3'), 'yes');
    await c.close();
  });

  test('RESP2 works end to end when asked for', async () => {
    const c = createClient({ url: server.url, protocol: 2 });
    await c.hset('r2', { a: '1' });
    assert.deepEqual(await c.hgetall('r2'), { a: '1' });
    await c.zadd('r2z', { score: 1.5, member: 'm' });
    assert.equal(await c.zscore('r2z', 'm'), 1.5);
    assert.deepEqual(await c.zrangeWithScores('r2z', 0, -1), [{ member: 'm', score: 1.5 }]);
    await c.close();
  });

  test('unix socket URL', async () => {
    assert.ok(server.socketPath !== undefined);
    const c = createClient(`unix://${server.socketPath}?db=1`);
    await c.set('over-unix', '1');
    assert.equal(await server.cli('-n', '1', 'GET', 'over-unix'), '1');
    await c.close();
  });
});

describe('close and destroy', () => {
  test('close() waits for every accepted command', async () => {
    const c = createClient(server.url);
    const pending = Array.from({ length: 300 }, (_, i) => c.set(`cl:${i}`, 'v'));
    const closing = c.close();
    const results = await Promise.all(pending);
    await closing;
    assert.ok(results.every((r) => r === 'OK'));
    await assert.rejects(c.get('cl:1'), { code: 'ERR_CLIENT_CLOSED' });
    await expectClientCount(server, 0);
  });

  test('leases and subscriptions asked for in the same tick as close() are refused', async () => {
    const c = createClient(server.url);
    await c.ready();
    const closing = c.close();
    await assert.rejects(
      c.withConnection((conn) => conn.ping()),
      { code: 'ERR_CLIENT_CLOSED' },
    );
    await assert.rejects(c.blpop(['x'], 1), { code: 'ERR_CLIENT_CLOSED' });
    await assert.rejects(
      c.subscribe('x', () => undefined),
      { code: 'ERR_CLIENT_CLOSED' },
    );
    await closing;
  });

  test('destroy() fails in-flight commands with written: true', async () => {
    const c = createClient(server.url);
    await c.ready();
    const pending = c.call('DEBUG', 'SLEEP', '0.2');
    // Let the batch reach the socket first; a command destroyed before its write never ran
    // and fails with ERR_CLIENT_CLOSED instead (tested below).
    await new Promise((r) => setImmediate(r));
    c.destroy();
    await assert.rejects(pending, (e: unknown) => {
      assert.equal((e as { code: string }).code, 'ERR_CONNECTION_CLOSED');
      assert.equal((e as { written: boolean }).written, true);
      return true;
    });
    await assert.rejects(c.get('x'), { code: 'ERR_CLIENT_CLOSED' });
  });

  test('destroy() before the write: the command never ran and says so', async () => {
    const c = createClient(server.url);
    await c.ready();
    const pending = c.incr('never-ran');
    c.destroy();
    await assert.rejects(pending, (e: unknown) => {
      assert.equal((e as { code: string }).code, 'ERR_CLIENT_CLOSED');
      return true;
    });
    assert.equal(await server.cli('GET', 'never-ran'), '');
  });

  test('an idle connection killed by the server is replaced on the next command', async () => {
    const c = createClient(server.url);
    await c.set('k', 'v');
    await server.cli('CLIENT', 'KILL', 'TYPE', 'normal');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await c.get('k'), 'v');
    assert.equal(c.stats().created, 2);
    await c.close();
  });
});
