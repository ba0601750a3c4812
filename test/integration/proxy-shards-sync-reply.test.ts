/**
 * A session whose lease answers a command inside `send` (as the cluster lease once answered
 * MULTI +OK before binding a node) must not dispatch that command again nor keep its lease.
 * Three real shards behind the proxy; one test drives them as they are (the shards' own refusals
 * and lease paths), the other through a lease that answers MULTI synchronously and sends it
 * with the first command after it, so the session's side is tested whatever an upstream does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { BasicCommand, type PendingCommand } from '../../src/connection/pending-command.js';
import {
  createProxy,
  type Lease,
  type RespoolProxy,
  type Upstream,
} from '../../src/proxy/index.js';
import { ShardsUpstream } from '../../src/proxy/shards-upstream.js';
import { RawClient } from '../helpers/raw-client.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

const MAX = 8;
let shards: RedisServer[];

before(async () => {
  shards = await Promise.all([0, 1, 2].map(() => startRedis()));
});

after(async () => {
  await Promise.all((shards ?? []).map((s) => s.stop()));
});

function shardOptions() {
  return { shards: shards.map((s) => ({ url: s.url })), maxConnections: MAX };
}

async function serverConnections(): Promise<number[]> {
  return Promise.all(shards.map((s) => s.clientCount()));
}

/** Sends `commands` as one pipeline; their replies as text. */
async function pipeline(port: number, commands: string[][]): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    for (const cmd of commands) c.command(...cmd);
    return (await c.frames(commands.length, 5_000)).map((f) => f.toString());
  } finally {
    c.close();
  }
}

const REFUSED =
  '-ERR RANDOMKEY is not supported through respool proxy: the data is spread over several servers; send it to each server directly\r\n';

describe('shards as they are', () => {
  let proxy: RespoolProxy;
  let port: number;
  before(async () => {
    proxy = createProxy({ listen: '127.0.0.1:0', leaseTimeoutMs: 300, ...shardOptions() });
    await proxy.listen();
    port = Number(proxy.address()[0]!.split(':')[1]);
  });
  after(() => proxy?.close());

  test('refused commands around held leases: replies in order, leases given back', async () => {
    assert.deepEqual(
      await pipeline(port, [
        ['SET', 'sync:a', '1'],
        ['MULTI'],
        ['RANDOMKEY'],
        ['EXEC'],
        ['GET', 'sync:a'],
      ]),
      [
        '+OK\r\n',
        // MULTI alone waits for a key to pick its shard; RANDOMKEY is refused as on the shared
        // path, which spoils the transaction.
        '+OK\r\n',
        REFUSED,
        '-EXECABORT Transaction discarded because of previous errors.\r\n',
        '$1\r\n1\r\n',
      ],
    );
    assert.deepEqual(
      await pipeline(port, [
        ['RANDOMKEY'],
        ['BLPOP', 'sync:q', '0.01'],
        ['WATCH', 'sync:a'],
        ['MULTI'],
        ['INCR', 'sync:a'],
        ['EXEC'],
        ['GET', 'sync:a'],
      ]),
      [REFUSED, '*-1\r\n', '+OK\r\n', '+OK\r\n', '+QUEUED\r\n', '*1\r\n:2\r\n', '$1\r\n2\r\n'],
    );
    await delay(50);
    assert.equal(proxy.stats().upstream.leased, 0);
    // One shared connection per shard plus at most one pooled lease connection.
    const counts = await serverConnections();
    assert.ok(counts.reduce((a, b) => a + b, 0) <= shards.length + 1, String(counts));
  });
});

/** A lease that answers MULTI at once and sends it with the next command (no server yet). */
class SyncMultiLease implements Lease {
  readonly #inner: Lease;
  #multiOwed = false;
  constructor(inner: Lease) {
    this.#inner = inner;
  }
  get ready(): boolean {
    return this.#inner.ready;
  }
  get clean(): boolean {
    return this.#inner.clean;
  }
  observe(args: readonly (string | Buffer)[]): void {
    this.#inner.observe(args);
  }
  unblock(error: boolean): Promise<number> {
    return this.#inner.unblock(error);
  }
  send(cmd: PendingCommand): void {
    const name = String(cmd.args[0]).toLowerCase();
    if (name === 'multi' && !this.#multiOwed) {
      this.#multiOwed = true;
      cmd.reply(Buffer.from('+OK\r\n'));
      return;
    }
    if (this.#multiOwed) {
      this.#multiOwed = false;
      this.#inner.send(new BasicCommand({ args: ['MULTI'], reply() {}, fail() {} }));
    }
    this.#inner.send(cmd);
  }
  release(): void {
    this.#inner.release();
  }
  destroy(): void {
    this.#inner.destroy();
  }
}

describe('a lease that answers inside send', () => {
  let proxy: RespoolProxy;
  let port: number;
  let inner: ShardsUpstream;
  before(async () => {
    inner = new ShardsUpstream(shardOptions());
    // Every lease on the shard of `sync:k`, MULTI answered by the lease itself.
    const upstream = new Proxy(inner, {
      get(target, prop) {
        if (prop === 'lease') {
          return (protocol: 2 | 3, db: number, timeoutMs: number, key?: Buffer) =>
            target
              .lease(protocol, db, timeoutMs, key ?? Buffer.from('sync:k'))
              .then((lease) => new SyncMultiLease(lease));
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as unknown as Upstream;
    proxy = createProxy(
      { listen: '127.0.0.1:0', leaseTimeoutMs: 300, ...shardOptions() },
      upstream,
    );
    await proxy.listen();
    port = Number(proxy.address()[0]!.split(':')[1]);
  });
  after(() => proxy?.close());

  test('MULTI answered synchronously: sent once, the lease given back, the client goes on', async () => {
    const c = await RawClient.connect(port);
    for (let round = 1; round <= 3; round++) {
      for (const cmd of [['MULTI'], ['INCR', 'sync:k'], ['EXEC'], ['GET', 'sync:k']])
        c.command(...cmd);
      assert.deepEqual(
        (await c.frames(4, 5_000)).map((f) => f.toString()),
        ['+OK\r\n', '+QUEUED\r\n', `*1\r\n:${round}\r\n`, `$1\r\n${round}\r\n`],
        `round ${round}`,
      );
    }
    assert.equal(await c.call('PING'), '+PONG\r\n');
    await delay(50);
    assert.equal(proxy.stats().upstream.leased, 0);
    const counts = await serverConnections();
    assert.ok(counts.reduce((a, b) => a + b, 0) <= shards.length + 1, String(counts));
    c.close();
  });
});
