/**
 * Raw relay against a real redis-server: requests written as pre-encoded frames, replies
 * delivered as the exact bytes the server sent (RESP2 and RESP3), mixed with ordinary commands on
 * one connection, and push frames (client-side caching invalidations) that arrive in the middle
 * of raw traffic and must never be taken for a reply.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { toConnectionOptions } from '../../src/client/option-slices.js';
import { resolveClientOptions } from '../../src/client/options.js';
import { Connection } from '../../src/connection/connection.js';
import { BasicCommand } from '../../src/connection/pending-command.js';
import { InvalidArgumentError, ReplyError } from '../../src/errors.js';
import { RespDecoder } from '../../src/protocol/decoder.js';
import { encodeCommand } from '../../src/protocol/encoder.js';
import { rawError } from '../../src/protocol/raw-error.js';
import type { RespArg, RespPush, RespValue } from '../../src/protocol/resp-types.js';
import { expectClientCount } from '../helpers/baseline.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let server: RedisServer;
const open: Connection[] = [];

before(async () => {
  server = await startRedis();
});

after(async () => {
  await Promise.all(open.map((c) => c.close()));
  await expectClientCount(server, 0);
  await server.stop();
});

async function connect(protocol: 2 | 3): Promise<Connection> {
  const conn = await Connection.open(
    toConnectionOptions(resolveClientOptions({ url: server.url, protocol })),
  );
  open.push(conn);
  return conn;
}

/** Send `args` as a pre-encoded frame and resolve with the raw reply bytes. */
function relay(conn: Connection, args: RespArg[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    conn.send(
      new BasicCommand({
        args: args.slice(0, 2),
        frame: encodeCommand(args),
        raw: true,
        reply: (value) => {
          assert.ok(Buffer.isBuffer(value));
          resolve(value);
        },
        fail: reject,
      }),
    );
  });
}

function decoded(conn: Connection, args: RespArg[]): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    conn.send(new BasicCommand({ args, reply: resolve, fail: reject }));
  });
}

function decodeFrame(frame: Buffer): RespValue {
  const values: RespValue[] = [];
  new RespDecoder({ onReply: (v) => values.push(v) }).write(frame);
  assert.equal(values.length, 1);
  return values[0]!;
}

for (const protocol of [2, 3] as const) {
  describe(`RESP${protocol}`, () => {
    test('replies come back as the exact bytes the server sent', async () => {
      const conn = await connect(protocol);
      assert.equal(conn.protocol, protocol);
      const key = `raw:${protocol}`;
      assert.deepEqual(await relay(conn, ['SET', key, 'v']), Buffer.from('+OK\r\n'));
      assert.deepEqual(await relay(conn, ['GET', key]), Buffer.from('$1\r\nv\r\n'));
      assert.deepEqual(
        await relay(conn, ['GET', `${key}:none`]),
        Buffer.from(protocol === 3 ? '_\r\n' : '$-1\r\n'),
      );
      assert.deepEqual(await relay(conn, ['INCR', `${key}:n`]), Buffer.from(':1\r\n'));
      await decoded(conn, ['HSET', `${key}:h`, 'f1', 'a', 'f2', 'b']);
      const hash = await relay(conn, ['HGETALL', `${key}:h`]);
      assert.equal(hash.toString('latin1', 0, 2), protocol === 3 ? '%2' : '*4');
      const value = decodeFrame(hash);
      assert.deepEqual(
        value instanceof Map ? Object.fromEntries(value) : value,
        protocol === 3 ? { f1: 'a', f2: 'b' } : ['f1', 'a', 'f2', 'b'],
      );
    });

    test('a 1 MiB value is relayed whole, and an error frame is found by rawError', async () => {
      const conn = await connect(protocol);
      const body = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < body.length; i++) body[i] = (i * 131) & 0xff;
      const key = `raw:${protocol}:big`;
      await decoded(conn, ['SET', key, body]);
      const frame = await relay(conn, ['GET', key]);
      assert.deepEqual(
        frame,
        Buffer.concat([Buffer.from(`$${body.length}\r\n`), body, Buffer.from('\r\n')]),
      );
      const wrong = await relay(conn, ['LPUSH', key, 'x']);
      const error = rawError(wrong);
      assert.ok(error instanceof ReplyError);
      assert.equal(error.prefix, 'WRONGTYPE');
    });

    test('raw and decoded commands pipelined in one turn keep their order and modes', async () => {
      const conn = await connect(protocol);
      const key = `raw:${protocol}:mix`;
      const results = await Promise.all([
        relay(conn, ['SET', key, '1']),
        decoded(conn, ['INCR', key]),
        relay(conn, ['INCR', key]),
        decoded(conn, ['GET', key]),
        relay(conn, ['LRANGE', `${key}:empty`, 0, -1]),
        decoded(conn, ['PING']),
      ]);
      assert.deepEqual(results, [
        Buffer.from('+OK\r\n'),
        2,
        Buffer.from(':3\r\n'),
        '3',
        Buffer.from('*0\r\n'),
        'PONG',
      ]);
    });
  });
}

test('RESP3: an invalidation push in the middle of raw replies goes to push, not to a reply', async () => {
  const conn = await connect(3);
  const pushes: RespPush[] = [];
  conn.on('push', (p) => pushes.push(p));
  const key = 'raw:tracked';
  assert.deepEqual(await relay(conn, ['CLIENT', 'TRACKING', 'ON']), Buffer.from('+OK\r\n'));
  await relay(conn, ['SET', key, 'a']);
  assert.deepEqual(await relay(conn, ['GET', key]), Buffer.from('$1\r\na\r\n'));
  // Writing a tracked key from this same connection sends the invalidation on it, next to the
  // SET's own reply.
  const replies = await Promise.all([
    relay(conn, ['SET', key, 'b']),
    relay(conn, ['GET', key]),
    relay(conn, ['PING']),
  ]);
  assert.deepEqual(replies, [
    Buffer.from('+OK\r\n'),
    Buffer.from('$1\r\nb\r\n'),
    Buffer.from('+PONG\r\n'),
  ]);
  assert.deepEqual(
    pushes.map((p) => [p.kind, p.data[1]]),
    [['invalidate', [key]]],
  );
});

test('a raw frame is refused on a RESP2 subscriber connection', async () => {
  const conn = await connect(2);
  conn.setSubscriberMode(true);
  assert.throws(
    () =>
      conn.send(
        new BasicCommand({
          args: ['PING'],
          frame: encodeCommand(['PING']),
          raw: true,
          reply() {},
          fail() {},
        }),
      ),
    InvalidArgumentError,
  );
  conn.setSubscriberMode(false);
  assert.equal(await decoded(conn, ['PING']), 'PONG');
});
