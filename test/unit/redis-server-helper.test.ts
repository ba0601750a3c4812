/**
 * The real-server harness itself: every integration test trusts it, so its start, leak counting
 * and fault controls (kill/restart, pause/resume) are checked against a real redis-server here.
 */

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { expectClientCount } from '../helpers/baseline.js';
import { freePort } from '../helpers/free-port.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

const started: RedisServer[] = [];

async function start(options?: Parameters<typeof startRedis>[0]): Promise<RedisServer> {
  const server = await startRedis(options);
  started.push(server);
  return server;
}

after(async () => {
  await Promise.all(started.map((server) => server.stop()));
});

/** Opens a raw connection and resolves once it is established. */
function open(target: { port: number } | { path: string }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket =
      'path' in target ? connect(target.path) : connect({ host: '127.0.0.1', port: target.port });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves with the first chunk the socket receives, or `undefined` after `timeoutMs`. */
function firstChunk(socket: Socket, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.off('data', onData);
      resolve(undefined);
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      clearTimeout(timer);
      resolve(chunk.toString('utf8'));
    };
    socket.once('data', onData);
  });
}

async function closeSocket(socket: Socket): Promise<void> {
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.end();
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('freePort', () => {
  test('returns a listenable port other than 6379', async () => {
    const port = await freePort();
    assert.ok(port > 0 && port < 65536);
    assert.notEqual(port, 6379);
  });
});

describe('startRedis', () => {
  let server: RedisServer;

  before(async () => {
    server = await start();
  });

  test('starts two servers at once on distinct ports', async () => {
    const t0 = performance.now();
    const [a, b] = await Promise.all([start(), start()]);
    const elapsed = performance.now() - t0;
    assert.notEqual(a.port, b.port);
    assert.notEqual(a.port, 6379);
    assert.notEqual(b.port, 6379);
    assert.notEqual(a.dir, b.dir);
    assert.equal(await a.cli('PING'), 'PONG');
    assert.equal(await b.cli('PING'), 'PONG');
    assert.equal(a.url, `redis://127.0.0.1:${a.port}`);
    // Not a timing assertion: only a hint in the output if startup gets slow.
    if (elapsed > 1_000) {
      console.warn(`two redis-server starts took ${Math.round(elapsed)} ms`);
    }
  });

  test('cli() round-trips a SET and GET', async () => {
    assert.equal(await server.cli('SET', 'a', '1'), 'OK');
    assert.equal(await server.cli('GET', 'a'), '1');
    assert.equal(await server.cli('SET', 'spaced', 'a value with spaces'), 'OK');
    assert.equal(await server.cli('GET', 'spaced'), 'a value with spaces');
  });

  test('cli() rejects on an error reply', async () => {
    await server.cli('SET', 'str', 'x');
    await assert.rejects(server.cli('LPUSH', 'str', 'y'), /WRONGTYPE/);
  });

  test('info() parses fields of a section', async () => {
    const { tcp_port, process_id, redis_version } = await server.info('server');
    assert.equal(tcp_port, String(server.port));
    assert.equal(process_id, String(server.pid));
    assert.match(redis_version ?? '', /^\d+\.\d+\.\d+/);
    const all = await server.info();
    assert.ok('connected_clients' in all);
  });

  test('clientList() excludes the asking connection: a fresh server counts 0', async () => {
    const fresh = await start();
    assert.deepEqual(await fresh.clientList(), []);
    assert.equal(await fresh.clientCount(), 0);
  });

  test('a raw connection counts 1, then 0 after it closes', async () => {
    const socket = await open({ port: server.port });
    await server.waitForClientCount(1);
    const [client] = await server.clientList();
    assert.ok(client !== undefined);
    assert.equal(client.addr, `${socket.localAddress}:${socket.localPort}`);
    assert.equal(client.laddr, `127.0.0.1:${server.port}`);
    assert.equal(typeof client.id, 'number');
    assert.equal(typeof client.age, 'number');
    assert.equal(client.db, 0);
    assert.equal(client.multi, -1);
    await closeSocket(socket);
    await server.waitForClientCount(0);
    await expectClientCount(server, 0);
  });

  test('expectClientCount() fails listing the leftover clients', async () => {
    const socket = await open({ port: server.port });
    socket.write('CLIENT SETNAME leaky-test\r\n');
    assert.equal(await firstChunk(socket, 1_000), '+OK\r\n');
    await assert.rejects(expectClientCount(server, 0, 100), (error: unknown) => {
      assert.ok(error instanceof assert.AssertionError);
      assert.match(error.message, /has 1 client\(s\), expected 0/);
      assert.match(error.message, /name=leaky-test/);
      assert.match(error.message, /cmd=client\|setname/);
      return true;
    });
    await assert.rejects(server.waitForClientCount(0, 50), /expected 0 client\(s\), found 1/);
    await closeSocket(socket);
    await expectClientCount(server, 0);
  });

  test('kill() + restart() keep the port and the AOF data', async () => {
    const durable = await start({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    const { port, pid } = durable;
    assert.equal(await durable.cli('SET', 'kept', 'yes'), 'OK');
    await durable.kill();
    assert.equal(isAlive(pid), false);
    await assert.rejects(open({ port }), /ECONNREFUSED/);
    await durable.restart();
    assert.equal(durable.port, port);
    assert.notEqual(durable.pid, pid);
    assert.equal(await durable.cli('GET', 'kept'), 'yes');
    const { aof_enabled } = await durable.info('persistence');
    assert.equal(aof_enabled, '1');
  });

  test('restart() of a live server replaces the process', async () => {
    const live = await start();
    const { pid } = live;
    await live.restart();
    assert.equal(isAlive(pid), false);
    assert.notEqual(live.pid, pid);
    assert.equal(await live.cli('PING'), 'PONG');
  });

  test('pause() makes a PING time out and resume() recovers', async () => {
    const socket = await open({ port: server.port });
    try {
      await server.pause();
      socket.write('PING\r\n');
      assert.equal(await firstChunk(socket, 200), undefined);
      const reply = firstChunk(socket, 2_000);
      await server.resume();
      // The PING sent while paused is answered once the process runs again.
      assert.equal(await reply, '+PONG\r\n');
    } finally {
      await server.resume();
      await closeSocket(socket);
    }
  });

  test('stop() of a paused server still terminates it', async () => {
    const paused = await start();
    await paused.pause();
    await paused.stop();
    assert.equal(isAlive(paused.pid), false);
  });

  test('a password server requires AUTH, and the helpers authenticate', async () => {
    const password = 's3cret pass:@/';
    const secured = await start({ password });
    assert.equal(secured.url, `redis://:${encodeURIComponent(password)}@127.0.0.1:${secured.port}`);
    assert.equal(await secured.cli('SET', 'k', 'v'), 'OK');
    assert.equal(await secured.cli('GET', 'k'), 'v');
    const { tcp_port } = await secured.info('server');
    assert.equal(tcp_port, String(secured.port));
    const socket = await open({ port: secured.port });
    socket.write('PING\r\n');
    assert.match((await firstChunk(socket, 1_000)) ?? '', /^-NOAUTH/);
    assert.equal(await secured.clientCount(), 1);
    await closeSocket(socket);
    await expectClientCount(secured, 0);
  });

  test('unixSocket: true listens on <dir>/redis.sock', async () => {
    const local = await start({ unixSocket: true });
    assert.equal(local.socketPath, `${local.dir}/redis.sock`);
    const socket = await open({ path: local.socketPath ?? '' });
    socket.write('PING\r\n');
    assert.equal(await firstChunk(socket, 1_000), '+PONG\r\n');
    await closeSocket(socket);
    await expectClientCount(local, 0);
  });

  test('stop() removes the dir, ends the process and is idempotent', async () => {
    const doomed = await start();
    const { dir, pid } = doomed;
    assert.ok(existsSync(dir));
    await Promise.all([doomed.stop(), doomed.stop()]);
    await doomed.stop();
    assert.equal(existsSync(dir), false);
    assert.equal(isAlive(pid), false);
    await assert.rejects(doomed.restart(), /was stopped/);
  });

  test('a failed start rejects with the log tail and cleans up', async () => {
    await assert.rejects(startRedis({ args: ['--no-such-directive', 'x'] }), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.match(error.message, /exited during startup/);
      assert.match(error.message, /no-such-directive/);
      return true;
    });
  });

  test('a fixed port that is taken is reported, not retried', async () => {
    await assert.rejects(startRedis({ port: server.port }), /Address already in use/);
    await assert.rejects(startRedis({ port: 6379 }), /shared server/);
  });

  test('the shared server ends the file back at its baseline', async () => {
    await expectClientCount(server, 0);
  });
});
