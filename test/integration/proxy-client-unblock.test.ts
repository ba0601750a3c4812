/**
 * CLIENT UNBLOCK through the proxy: the id is the proxy's own client id (CLIENT ID, CLIENT LIST);
 * the blocked command, waiting on a leased connection, is unblocked on its server and the client
 * gets what the server says (a timeout's empty reply, or `-UNBLOCKED …`). RESP2 and RESP3
 * clients, a standalone server and shards; the arguments checked as the server checks them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createProxy, type RespoolProxy } from '../../src/proxy/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

function portOf(proxy: RespoolProxy): number {
  return Number(proxy.address()[0]!.split(':')[1]);
}

/** Wait until the servers together report `n` blocked clients. */
async function blockedOn(servers: readonly RedisServer[], n: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    let blocked = 0;
    for (const s of servers) blocked += Number((await s.info('clients'))['blocked_clients']);
    if (blocked === n) return;
    if (Date.now() > deadline) throw new Error(`${blocked} blocked clients, expected ${n}`);
    await delay(10);
  }
}

/** The proxy's id for `client`, as CLIENT ID answers it. */
async function idOf(client: RawClient): Promise<string> {
  const reply = await client.call('CLIENT', 'ID');
  assert.match(reply, /^:\d+\r\n$/);
  return reply.slice(1, -2);
}

for (const shape of ['standalone', 'shards'] as const) {
  describe(`CLIENT UNBLOCK through the proxy (${shape})`, () => {
    let servers: RedisServer[];
    let proxy: RespoolProxy;

    before(async () => {
      servers = await Promise.all(
        (shape === 'standalone' ? [0] : [0, 1, 2]).map(() => startRedis()),
      );
      proxy = createProxy({
        listen: '127.0.0.1:0',
        maxConnections: 8,
        ...(shape === 'standalone'
          ? { upstream: servers[0]!.url }
          : { shards: servers.map((s) => ({ url: s.url })) }),
      });
      await proxy.listen();
    });

    after(async () => {
      await proxy?.close();
      await Promise.all((servers ?? []).map((s) => s.stop()));
    });

    for (const protocol of [2, 3] as const) {
      test(`RESP${protocol}: default, TIMEOUT and ERROR unblock the pop; the list is untouched`, async () => {
        const blocked = await RawClient.connect(portOf(proxy));
        const admin = await RawClient.connect(portOf(proxy));
        try {
          if (protocol === 3) assert.match(await blocked.call('HELLO', '3'), /^%/);
          const id = await idOf(blocked);
          const empty = protocol === 3 ? '_\r\n' : '*-1\r\n';
          for (const mode of [[], ['TIMEOUT'], ['timeout']]) {
            blocked.command('BLPOP', 'unblock:l', '0');
            await blockedOn(servers, 1);
            assert.equal(await admin.call('CLIENT', 'UNBLOCK', id, ...mode), ':1\r\n');
            assert.equal(await blocked.frame(), empty, `CLIENT UNBLOCK ${mode.join(' ')}`);
          }
          blocked.command('BLPOP', 'unblock:l', '0');
          await blockedOn(servers, 1);
          assert.equal(await admin.call('CLIENT', 'UNBLOCK', id, 'ERROR'), ':1\r\n');
          assert.equal(await blocked.frame(), '-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
          await blockedOn(servers, 0);
          // Nothing was popped or left behind: the same client pops what is pushed next.
          assert.equal(await admin.call('RPUSH', 'unblock:l', 'a'), ':1\r\n');
          assert.equal(
            await blocked.call('BLPOP', 'unblock:l', '1'),
            '*2\r\n$9\r\nunblock:l\r\n$1\r\na\r\n',
          );
          assert.equal(proxy.stats().upstream.leased, 0, 'every lease went back');
        } finally {
          blocked.close();
          admin.close();
        }
      });
    }

    test('a client not blocked, an unknown id, and bad arguments', async () => {
      const c = await RawClient.connect(portOf(proxy));
      try {
        const id = await idOf(c);
        assert.equal(await c.call('CLIENT', 'UNBLOCK', id), ':0\r\n', 'itself, not blocked');
        assert.equal(await c.call('CLIENT', 'UNBLOCK', '999999'), ':0\r\n');
        assert.equal(
          await c.call('CLIENT', 'UNBLOCK', 'asd'),
          '-ERR value is not an integer or out of range\r\n',
        );
        assert.equal(
          await c.call('CLIENT', 'UNBLOCK', id, 'LATER'),
          '-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n',
        );
        assert.equal(
          await c.call('CLIENT', 'UNBLOCK'),
          "-ERR wrong number of arguments for 'client|unblock' command\r\n",
        );
      } finally {
        c.close();
      }
    });
  });
}
