/**
 * What the client does when the server misbehaves: garbage, half frames, stray replies, silence,
 * a RESP2-only server, a wrong password. Faults a real server cannot produce on cue come from the
 * fake server (built on our own protocol code); the password cases use a real redis-server.
 *
 * Every fault must fail the affected commands with a stable code and leave the client usable, and
 * none may surface as an unhandled rejection: a guard below fails the test that caused one.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { inspect } from 'node:util';
import { toConnectionOptions } from '../../src/client/option-slices.js';
import { resolveClientOptions } from '../../src/client/options.js';
import { Connection } from '../../src/connection/connection.js';
import { BasicCommand } from '../../src/connection/pending-command.js';
import {
  type ClientOptions,
  createClient,
  encodeReply,
  ProtocolError,
  ReplyError,
  type RespoolClient,
  type RespValue,
} from '../../src/index.js';
import { expectClientCount } from '../helpers/baseline.js';
import type { FakeConnection } from '../helpers/fake-server.js';
import { hasCode, useFaultHarness } from '../helpers/fault-harness.js';
import { startRedis } from '../helpers/redis-server.js';

const { fake, adopt } = useFaultHarness();

function client(options: string | ClientOptions): RespoolClient {
  return adopt(createClient(options));
}

/** A bare Connection, for what the client does not expose (protocol, the error of a close). */
async function openConnection(url: string): Promise<Connection> {
  return adopt(await Connection.open(toConnectionOptions(resolveClientOptions(url))));
}

function sendRaw(conn: Connection, args: string[]): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    conn.send(new BasicCommand({ args, reply: resolve, fail: reject }));
  });
}

async function until(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await delay(5);
  }
}

describe('malformed replies', () => {
  test('garbage as a reply: ERR_PROTOCOL for every pending command, then a new connection', async () => {
    const server = await fake((cmd) =>
      cmd[0] === 'GET' ? { raw: 'HTTP/1.1 400 Bad Request\r\n\r\n' } : undefined,
    );
    const c = client(server.url);
    const get = c.get('k');
    const ping = c.ping();
    await assert.rejects(get, hasCode('ERR_PROTOCOL'));
    await assert.rejects(ping, hasCode('ERR_PROTOCOL', true));
    await assert.rejects(c.get('k'), ProtocolError, 'a second try fails the same way');
    await until(() => server.connections === 0, 'the bad connections to close');
    assert.equal(await c.ping(), 'PONG');
    assert.equal(server.connections, 1);
    assert.equal(server.accepted, 3);
    await c.close();
  });

  test('a frame over a decoder limit is a protocol error too (1 GiB blob header)', async () => {
    const server = await fake((cmd) => (cmd[0] === 'GET' ? { raw: '$1073741824\r\n' } : undefined));
    const c = client(server.url);
    await assert.rejects(c.get('k'), hasCode('ERR_PROTOCOL'));
    assert.equal(await c.ping(), 'PONG');
    await c.close();
  });

  test('a reply cut in half, then the server closes: ERR_CONNECTION_CLOSED, written', async () => {
    const server = await fake((cmd) =>
      cmd[0] === 'GET'
        ? { split: encodeReply('a value cut in half'), pauseMs: 20, thenClose: true }
        : undefined,
    );
    const c = client(server.url);
    const pending = [c.get('k'), c.ping(), c.echo('x')];
    await Promise.all(
      pending.map((p) => assert.rejects(p, hasCode('ERR_CONNECTION_CLOSED', true))),
    );
    // GET is read-only, so it was sent once more on a second connection (cut again there);
    // PING and ECHO are not flagged read-only and failed at once.
    assert.equal(server.commands.filter((cmd) => cmd[0] === 'GET').length, 2);
    assert.equal(c.stats().retries, 1);
    assert.equal(await c.echo('after'), 'after');
    assert.equal(server.accepted, 3);
    await c.close();
  });

  test('a frame delivered in two parts with a pause decodes fine', async () => {
    const map = new Map<RespValue, RespValue>([
      ['field', 'value'],
      ['n', 1],
    ]);
    const server = await fake((cmd) => {
      switch (cmd[0]) {
        case 'GET':
          return { split: encodeReply('hello world'), pauseMs: 50 };
        case 'ECHO': {
          // Cut between the CR and the LF that end the frame.
          const frame = encodeReply(cmd[1] ?? '');
          return { split: frame, pauseMs: 30, at: frame.length - 1 };
        }
        case 'HGETALL': // cut inside the first key's header
          return { split: encodeReply(map), pauseMs: 30, at: 7 };
        default:
          return undefined;
      }
    });
    const c = client(server.url);
    const [a, b, h, p] = await Promise.all([
      c.get('k'),
      c.echo('cut at the CR'),
      c.hgetall('h'),
      c.ping(),
    ]);
    assert.equal(a, 'hello world');
    assert.equal(b, 'cut at the CR');
    assert.deepEqual({ ...h }, { field: 'value', n: 1 });
    assert.equal(p, 'PONG');
    assert.equal(server.accepted, 1, 'a slow frame is not a fault');
    await c.close();
  });

  test('a reply nobody asked for closes the connection; the client reconnects', async () => {
    let pings = 0;
    const server = await fake((cmd) =>
      cmd[0] === 'PING' && ++pings === 1 ? { raw: '+PONG\r\n+STRAY\r\n' } : undefined,
    );
    const c = client(server.url);
    assert.equal(await c.ping(), 'PONG');
    await until(() => server.connections === 0, 'the connection to close');
    assert.equal(await c.ping(), 'PONG');
    assert.equal(server.accepted, 2);
    await c.close();
  });

  test('a reply nobody asked for is an ERR_PROTOCOL close of the connection', async () => {
    let serverSide: FakeConnection | undefined;
    const server = await fake((_cmd, conn) => {
      serverSide = conn;
      return undefined;
    });
    const conn = await openConnection(server.url);
    const closed = new Promise<Error | undefined>((resolve) => conn.once('close', resolve));
    assert.equal(await sendRaw(conn, ['PING']), 'PONG');
    // Written by the server on its own, with nothing in flight.
    assert.ok(serverSide !== undefined);
    serverSide.write('+STRAY\r\n');
    const error = await closed;
    assert.ok(error instanceof ProtocolError, inspect(error));
    assert.equal(error.code, 'ERR_PROTOCOL');
    assert.equal(conn.ready, false);
  });
});

describe('handshake', () => {
  test('RESP2-only server: HELLO falls back to RESP2 and commands work', async () => {
    const server = await fake(undefined, { resp2Only: true });
    const c = client({ url: server.url, password: 'pw', name: 'faults' });
    assert.equal(await c.ping(), 'PONG');
    assert.equal(await c.echo('over resp2'), 'over resp2');
    const names = server.commands.map((cmd) => cmd.slice(0, 2).join(' '));
    assert.equal(names[0], 'HELLO 3');
    assert.ok(
      server.commands.some((cmd) => cmd.join(' ') === 'AUTH pw'),
      'AUTH <password> after the failed HELLO',
    );
    assert.ok(names.includes('CLIENT SETNAME'));
    await c.close();

    const conn = await openConnection(server.url);
    assert.equal(conn.protocol, 2);
    assert.equal(conn.handshake?.serverVersion, undefined);
  });

  test('a Redis 7.0 server: RESP3, with SETINFO errors shrugged off', async () => {
    const server = await fake();
    const conn = await openConnection(server.url);
    assert.equal(conn.protocol, 3);
    assert.equal(conn.handshake?.serverVersion, '7.0.15');
    assert.equal(typeof conn.handshake?.clientId, 'number');
    assert.ok(server.commands.some((cmd) => cmd[0] === 'CLIENT' && cmd[1] === 'SETINFO'));
    assert.equal(await sendRaw(conn, ['PING']), 'PONG');
  });

  test('a server that never answers the handshake: ERR_CONNECT_TIMEOUT', async () => {
    const server = await fake((cmd) => (cmd[0] === 'HELLO' ? { hang: true } : undefined));
    const c = client({ url: server.url, connectTimeoutMs: 300 });
    const started = Date.now();
    await assert.rejects(c.ping(), hasCode('ERR_CONNECT_TIMEOUT', false));
    assert.ok(Date.now() - started >= 250, 'rejected before connectTimeoutMs');
    await until(() => server.connections === 0, 'the timed-out socket to close');
    c.destroy();
  });
});

describe('closed client', () => {
  test('a command after close() fails with ERR_CLIENT_CLOSED', async () => {
    const server = await fake();
    const c = client(server.url);
    assert.equal(await c.ping(), 'PONG');
    await c.close();
    await assert.rejects(c.ping(), hasCode('ERR_CLIENT_CLOSED'));
    await until(() => server.connections === 0, 'QUIT to close the connection');
  });

  test('a command after close() on a client that never connected', async () => {
    const server = await fake();
    const c = client(server.url);
    await c.close();
    await assert.rejects(c.ping(), hasCode('ERR_CLIENT_CLOSED'));
    assert.equal(server.accepted, 0);
  });

  test('a command sent while close() is in progress is refused with ERR_CLIENT_CLOSED', async () => {
    const server = await fake();
    const c = client(server.url);
    assert.equal(await c.ping(), 'PONG');
    const closing = c.close();
    await assert.rejects(c.ping(), hasCode('ERR_CLIENT_CLOSED'));
    await closing;
  });
});

describe('passwords (real redis-server)', () => {
  const secret = 's3cret';

  test('wrong password: the server WRONGPASS ReplyError, with no password anywhere', async () => {
    const server = await startRedis({ password: secret });
    try {
      // The wrong password contains the right one, so a leak of either shows up below.
      const c = client({ host: '127.0.0.1', port: server.port, password: `not-${secret}` });
      const error = await c.ping().then(
        () => assert.fail('PING should have been refused'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ReplyError, inspect(error));
      assert.equal(error.prefix, 'WRONGPASS');
      for (const [what, text] of [
        ['message', error.message],
        ['stack', error.stack ?? ''],
        ['inspect', inspect(error, { showHidden: true, depth: Number.POSITIVE_INFINITY })],
      ] as const) {
        assert.ok(!text.includes(secret), `${what} contains the password: ${text}`);
      }
      c.destroy();

      const good = client(server.url);
      assert.equal(await good.ping(), 'PONG');
      assert.ok(!inspect(good).includes(secret));
      await good.close();
      await expectClientCount(server, 0);
    } finally {
      await server.stop();
    }
  });

  test('inspect() of a client never shows the password', () => {
    const c = client(`redis://:${secret}@127.0.0.1:1`);
    for (const text of [
      inspect(c),
      inspect(c, { showHidden: true, depth: Number.POSITIVE_INFINITY }),
      JSON.stringify(c),
      String(c),
    ]) {
      assert.ok(!text.includes(secret), text);
    }
  });

  test('a refused connection says written: false and hides the password', async () => {
    const c = client(`redis://user:${secret}@127.0.0.1:1`);
    const error = await c.ping().then(
      () => assert.fail('port 1 should refuse'),
      (e: unknown) => e,
    );
    hasCode('ERR_CONNECTION_CLOSED', false)(error);
    assert.ok(!inspect(error, { showHidden: true }).includes(secret));
    c.destroy();
  });
});
