/**
 * The proxy's front door against a real redis-server: replies byte for byte as the server sends
 * them (RESP2 and RESP3), each client's order under deep pipelines from many clients at once,
 * inline commands, real foreign clients (redis-cli), and bad input that costs only the client
 * that sent it its connection.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createProxy, type RespoolProxy } from '../../src/proxy/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

const run = promisify(execFile);
let server: RedisServer;
let proxy: RespoolProxy;
let port: number;
let socketPath: string;

before(async () => {
  server = await startRedis();
  socketPath = join(server.dir, 'proxy.sock');
  proxy = createProxy({
    listen: ['127.0.0.1:0', socketPath],
    upstream: server.url,
    maxConnections: 4,
  });
  await proxy.listen();
  port = Number(proxy.address()[0]!.split(':')[1]);
});

after(async () => {
  await proxy.close();
  await server.stop();
});

const COMMANDS: (string | number)[][] = [
  ['SET', 'k', 'v'],
  ['GET', 'k'],
  ['GET', 'missing'],
  ['HSET', 'h', 'a', '1', 'b', '2'],
  ['HGETALL', 'h'],
  ['RPUSH', 'l', 'x', 'y', 'z'],
  ['LRANGE', 'l', 0, -1],
  ['INCR', 'n'],
  ['INCRBYFLOAT', 'f', '1.5'],
  ['SADD', 's', 'm'],
  ['SMEMBERS', 's'],
  ['ZADD', 'z', 1, 'a'],
  ['ZRANGE', 'z', 0, -1, 'WITHSCORES'],
  ['NOSUCHCOMMAND'],
  ['GET'],
  ['INCR', 'k'],
  ['EXISTS', 'k', 'missing'],
  ['ECHO', 'hello'],
  ['PING'],
  ['OBJECT', 'ENCODING', 'l'],
  ['DEL', 'k', 'h', 'l', 'n', 'f', 's', 'z'],
];

async function replies(client: RawClient, commands: (string | number)[][]): Promise<Buffer[]> {
  for (const c of commands) client.command(...c);
  return client.frames(commands.length);
}

describe('raw relay', () => {
  for (const protocol of [2, 3] as const) {
    test(`replies are the server's bytes (RESP${protocol})`, async () => {
      const direct = await RawClient.connect(server.port);
      const viaProxy = await RawClient.connect(port);
      if (protocol === 3) {
        await direct.call('HELLO', 3);
        await viaProxy.call('HELLO', 3);
      }
      const want = await replies(direct, COMMANDS);
      const got = await replies(viaProxy, COMMANDS);
      assert.deepEqual(
        got.map((b) => b.toString('latin1')),
        want.map((b) => b.toString('latin1')),
      );
      direct.close();
      viaProxy.close();
    });
  }

  test('a 2 MiB value crosses both ways intact', async () => {
    const client = await RawClient.connect(port);
    const value = Buffer.alloc(2 * 1024 * 1024, 'x');
    value[12345] = 0x0d;
    assert.equal(await client.call('SET', 'big', value), '+OK\r\n');
    client.command('GET', 'big');
    const [reply] = await client.frames(1);
    assert.deepEqual(
      reply,
      Buffer.concat([Buffer.from(`$${value.length}\r\n`), value, Buffer.from('\r\n')]),
    );
    client.close();
  });
});

describe('order', () => {
  test('50 clients pipelining 2,000 commands each get their replies in their own order', async () => {
    const clients = await Promise.all(Array.from({ length: 50 }, () => RawClient.connect(port)));
    const N = 2_000;
    await Promise.all(
      clients.map(async (client, c) => {
        const parts: Buffer[] = [];
        for (let i = 0; i < N; i++) {
          // Upstream commands interleaved with ones the proxy answers itself.
          parts.push(Buffer.from(`*2\r\n$4\r\nINCR\r\n$${String(`o${c}`).length}\r\no${c}\r\n`));
          if (i % 100 === 0) parts.push(Buffer.from('*2\r\n$6\r\nCLIENT\r\n$7\r\nGETNAME\r\n'));
        }
        client.write(Buffer.concat(parts));
        const frames = await client.frames(N + N / 100, 30_000);
        let expect = 1;
        for (const frame of frames) {
          const text = frame.toString('latin1');
          if (text === '$-1\r\n') continue;
          assert.equal(text, `:${expect}\r\n`);
          expect++;
        }
        assert.equal(expect, N + 1);
        client.close();
      }),
    );
    const upstream = (await server.clientList()).filter((c) => c.name === 'respool-proxy');
    assert.ok(upstream.length <= 4, `upstream connections: ${upstream.length}`);
  });
});

describe('foreign clients and inline commands', () => {
  test('redis-cli through the proxy, TCP and Unix socket', async () => {
    const cli = (...args: string[]) => run('redis-cli', ['-p', String(port), ...args]);
    assert.equal((await cli('SET', 'cli', 'hello world')).stdout.trim(), 'OK');
    assert.equal((await cli('GET', 'cli')).stdout.trim(), 'hello world');
    const viaSocket = await run('redis-cli', ['-s', socketPath, 'GET', 'cli']);
    assert.equal(viaSocket.stdout.trim(), 'hello world');
  });

  test('inline commands, quotes included', async () => {
    const client = await RawClient.connect(port);
    client.write('SET inline "a b\\x41"\r\nGET inline\r\n\r\nPING\r\n');
    const frames = await client.frames(3);
    assert.deepEqual(
      frames.map((f) => f.toString()),
      ['+OK\r\n', '$4\r\na bA\r\n', '+PONG\r\n'],
    );
    client.write('SET x "unbalanced\r\n');
    assert.equal(await client.frame(), '-ERR Protocol error: unbalanced quotes in request\r\n');
    await client.closed;
  });
});

describe('bad input costs only its own connection', () => {
  const cases: [string, string, string][] = [
    ['a *999999999 header', '*999999999\r\n', '-ERR Protocol error: invalid multibulk length\r\n'],
    [
      'a 2 GB bulk',
      '*2\r\n$3\r\nGET\r\n$2147483648\r\n',
      '-ERR Protocol error: invalid bulk length\r\n',
    ],
    ['garbage after a header', '*1\r\nHELLO\r\n', "-ERR Protocol error: expected '$', got 'H'\r\n"],
    ['a non-number count', '*abc\r\n', '-ERR Protocol error: invalid multibulk length\r\n'],
  ];
  for (const [what, bytes, error] of cases) {
    test(what, async () => {
      const bystander = await RawClient.connect(port);
      bystander.write('*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET');
      const client = await RawClient.connect(port);
      client.write(`*1\r\n$4\r\nPING\r\n${bytes}`);
      assert.equal(await client.frame(), '+PONG\r\n');
      assert.equal(await client.frame(), error);
      await client.closed;
      bystander.write('\r\n$3\r\nkey\r\n');
      assert.deepEqual(
        (await bystander.frames(2)).map((f) => f.toString()),
        ['+PONG\r\n', '$-1\r\n'],
      );
      bystander.close();
    });
  }

  test('a partial request past the query buffer limit', async () => {
    const small = createProxy({
      listen: '127.0.0.1:0',
      upstream: server.url,
      maxConnections: 2,
      maxQueryBufferBytes: 64 * 1024,
    });
    await small.listen();
    const client = await RawClient.connect(Number(small.address()[0]!.split(':')[1]));
    client.write(`*3\r\n$3\r\nSET\r\n$1\r\nq\r\n$1000000\r\n${'x'.repeat(100_000)}`);
    assert.match(await client.frame(), /^-ERR Protocol error: query buffer limit reached/);
    await client.closed;
    await small.close();
  });

  test('clients that disconnect mid-pipeline leave the upstream in order', async () => {
    for (let i = 0; i < 20; i++) {
      const quitter = await RawClient.connect(port);
      quitter.write(Buffer.from('*2\r\n$4\r\nINCR\r\n$4\r\ngone\r\n'.repeat(5_000)));
      quitter.close();
    }
    const client = await RawClient.connect(port);
    assert.equal(await client.call('SET', 'after', 'ok'), '+OK\r\n');
    assert.equal(await client.call('GET', 'after'), '$2\r\nok\r\n');
    client.close();
  });
});
