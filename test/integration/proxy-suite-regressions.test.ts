/**
 * Bugs Redis's own test suite (7.0.15, `npm run test:redis-suite`) found in respool proxy, each
 * reproduced here with the bytes the suite sends, against a real redis-server. In each case one
 * client's sequence must never stall the proxy's other clients.
 *
 * - unit/multi "MULTI and script timeout": an endless EVAL holds the shared upstream connection;
 *   the SCRIPT KILL another client sent queued behind it, so the script, and with it every
 *   client of the proxy, never finished.
 * - unit/protocol "Protocol desync regression test #1–3": after a protocol error the proxy
 *   answered and half-closed, but kept reading: a client that keeps writing never saw its
 *   writes fail, as they do against the server, which closes the connection.
 * - unit/pubsub "PubSub messages with CLIENT REPLY OFF": the proxy silenced the (P)SUBSCRIBE
 *   confirmations along with ordinary replies; the server pushes them whatever the reply mode.
 * - unit/multi "MULTI with SHUTDOWN": a command the proxy refuses inside MULTI did not abort
 *   the transaction, so EXEC ran the rest of it; the server aborts it (EXECABORT).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createProxy, type RespoolProxy } from '../../src/proxy/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let server: RedisServer;
let proxy: RespoolProxy;
let port: number;

before(async () => {
  // A script answers other clients with BUSY after 10 ms instead of 5 s: the test stays short.
  server = await startRedis({ args: ['--busy-reply-threshold', '10'] });
  proxy = createProxy({
    listen: '127.0.0.1:0',
    upstream: `redis://127.0.0.1:${server.port}`,
    maxConnections: 4,
  });
  await proxy.listen();
  port = Number(proxy.address()[0]!.split(':')[1]);
});

after(async () => {
  await proxy.close();
  await server.stop();
});

/** Until the server answers BUSY: the script is past its time limit. */
async function waitForBusy(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const reply = await server.cli('PING').catch((error: Error) => error.message);
    if (reply.includes('BUSY')) return;
    await delay(10);
  }
  throw new Error('the script never made the server busy');
}

describe('an endless script on the shared connection (unit/multi)', () => {
  const cases = [
    {
      kill: 'SCRIPT',
      run: ['EVAL', 'while true do end', '0'],
      setup: [] as string[][],
    },
    {
      kill: 'FUNCTION',
      run: ['FCALL', 'spin', '0'],
      setup: [
        [
          'FUNCTION',
          'LOAD',
          'REPLACE',
          "#!lua name=spinlib\nredis.register_function('spin', function() while true do end end)",
        ],
      ],
    },
  ];
  for (const { kill, run, setup } of cases) {
    test(`${kill} KILL from another client reaches the server; every client carries on`, async () => {
      const spinner = await RawClient.connect(port);
      const waiter = await RawClient.connect(port);
      const killer = await RawClient.connect(port);
      try {
        for (const command of setup) assert.match(await spinner.call(...command), /^[+$]/);
        spinner.command(...run);
        await waitForBusy();
        // Sent while the script runs: waits for it (the server answers nothing else meanwhile).
        waiter.command('PING');
        // Before the fix this kill queued behind the script and this read timed out.
        assert.equal(await killer.call(kill, 'KILL'), '+OK\r\n');
        assert.match(await spinner.frame(), /^-ERR .*killed/i);
        assert.equal(await waiter.frame(), '+PONG\r\n');
        // Nobody is left stalled: the killer, the spinner and a new client are all answered.
        assert.equal(await killer.call('SET', 'after-kill', '1'), '+OK\r\n');
        assert.equal(await spinner.call('GET', 'after-kill'), '$1\r\n1\r\n');
        const fresh = await RawClient.connect(port);
        assert.equal(await fresh.call('PING'), '+PONG\r\n');
        fresh.close();
        // A kill with no script running is relayed too: the server's own error.
        assert.match(await killer.call(kill, 'KILL'), /^-NOTBUSY /);
      } finally {
        // Never leave the server spinning for the next test, whatever failed.
        await server.cli('SCRIPT', 'KILL').catch(() => undefined);
        await server.cli('FUNCTION', 'KILL').catch(() => undefined);
        for (const c of [spinner, waiter, killer]) c.close();
      }
    });
  }
});

describe('a client that keeps writing after a protocol error (unit/protocol)', () => {
  for (const [i, sequence] of ['\x00', '*\x00', '$\x00'].entries()) {
    test(`desync #${i + 1}: its writes fail, as against the server; others are answered meanwhile`, async () => {
      // Half-open allowed, as Tcl's sockets are: the proxy's FIN alone does not end our writes.
      const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      let received = '';
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
      });
      let failed = false;
      socket.on('error', () => {
        failed = true;
      });
      socket.on('close', () => {
        failed = true;
      });
      const other = await RawClient.connect(port);
      try {
        socket.write(sequence);
        const deadline = Date.now() + 5_000;
        while (!failed && Date.now() < deadline) {
          // What the suite writes: the literal word, again and again (its own typo, kept).
          socket.write('payload'.repeat(100));
          assert.equal(await other.call('PING'), '+PONG\r\n');
          await delay(1);
        }
        assert.ok(failed, 'the proxy kept reading a client it had answered with a protocol error');
        assert.match(received, /^-ERR Protocol error/);
        assert.equal(await other.call('PING'), '+PONG\r\n');
      } finally {
        socket.destroy();
        other.close();
      }
    });
  }
});

describe('pub/sub confirmations (unit/pubsub)', () => {
  test('under CLIENT REPLY OFF a subscribe is still confirmed, as the server pushes it', async () => {
    const client = await RawClient.connect(port);
    try {
      client.command('CLIENT', 'REPLY', 'OFF');
      client.command('SUBSCRIBE', 'reply-off-channel');
      // Before the fix the confirmation was dropped with the silenced replies: a timeout here.
      assert.equal(
        await client.frame(),
        '*3\r\n$9\r\nsubscribe\r\n$17\r\nreply-off-channel\r\n:1\r\n',
      );
    } finally {
      client.close();
    }
  });
});

describe('a refused command inside MULTI (unit/multi)', () => {
  const cases = [
    // Never allowed in a transaction: the server's own words.
    { command: ['SHUTDOWN'], reply: '-ERR Command not allowed inside a transaction\r\n' },
    // Allowed by the server, refused by the proxy: the proxy's words, and still an abort.
    { command: ['REPLICAOF', '127.0.0.1', '1'], reply: /^-ERR respool proxy: REPLICAOF/ },
  ];
  for (const { command, reply } of cases) {
    test(`${command[0]} aborts the transaction: EXEC answers EXECABORT and nothing ran`, async () => {
      const client = await RawClient.connect(port);
      const key = `refused-in-multi-${command[0]}`;
      try {
        assert.equal(await client.call('MULTI'), '+OK\r\n');
        assert.equal(await client.call('SET', key, 'ran'), '+QUEUED\r\n');
        const refused = await client.call(...command);
        if (typeof reply === 'string') assert.equal(refused, reply);
        else assert.match(refused, reply);
        // Before the fix EXEC ran the SET: '*1\r\n+OK\r\n'.
        assert.equal(
          await client.call('EXEC'),
          '-EXECABORT Transaction discarded because of previous errors.\r\n',
        );
        assert.equal(await client.call('GET', key), '$-1\r\n');
        // Out of the transaction: the next one runs.
        assert.equal(await client.call('MULTI'), '+OK\r\n');
        assert.equal(await client.call('SET', key, 'ran'), '+QUEUED\r\n');
        assert.equal(await client.call('EXEC'), '*1\r\n+OK\r\n');
      } finally {
        client.close();
      }
    });
  }
});
