/**
 * `upstreamTimeoutMs` (`--upstream-timeout`): a server that stops answering (SIGSTOP: its
 * sockets stay open, nothing comes back) fails its clients' commands after the timeout instead
 * of holding them for ever; a blocking command gets its own timeout on top, one that blocks for
 * ever is exempt; the server answering again serves the next command; and with shards each
 * timeout counts towards auto-eject, so a hung shard is ejected while the others keep serving.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createProxy, type RespoolProxy } from '../../src/proxy/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

const TIMEOUT_MS = 300;

/** Send a command and read its reply, waiting longer than RawClient's default. */
function slowCall(c: RawClient, ...args: string[]): Promise<string> {
  c.command(...args);
  return c.frame(10_000);
}

function portOf(proxy: RespoolProxy): number {
  return Number(proxy.address()[0]!.split(':')[1]);
}

describe('a standalone server that stops answering', () => {
  let server: RedisServer;
  let proxy: RespoolProxy;

  before(async () => {
    server = await startRedis();
    proxy = createProxy({
      listen: '127.0.0.1:0',
      upstream: server.url,
      maxConnections: 4,
      upstreamTimeoutMs: TIMEOUT_MS,
    });
    await proxy.listen();
  });

  after(async () => {
    await server?.resume().catch(() => undefined);
    await proxy?.close();
    await server?.stop();
  });

  test('a command fails after the timeout, and the next one is served once it answers', async () => {
    const c = await RawClient.connect(portOf(proxy));
    try {
      assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
      await server.pause();
      const t0 = performance.now();
      const reply = await slowCall(c, 'GET', 'k');
      const waited = performance.now() - t0;
      assert.match(
        reply,
        /^-ERR respool proxy: get got no reply .* within 300 ms; it may have run\r\n$/,
      );
      assert.ok(waited >= TIMEOUT_MS - 20, `failed after ${waited.toFixed(0)} ms`);
      await server.resume();
      assert.equal(await c.call('GET', 'k'), '$1\r\nv\r\n');
    } finally {
      await server.resume();
      c.close();
    }
  });

  test('a blocking pop waits its own timeout plus the upstream timeout, and its connection goes', async () => {
    const c = await RawClient.connect(portOf(proxy));
    try {
      // A lease connection made while the server answers (a new dial to a stopped server would
      // wait out leaseTimeoutMs in its handshake instead), back in the pool for the next pop.
      assert.equal(await c.call('BLPOP', 'nothing', '0.01'), '*-1\r\n');
      await server.pause();
      const t0 = performance.now();
      const reply = await slowCall(c, 'BLPOP', 'nothing', '0.5');
      const waited = performance.now() - t0;
      assert.match(reply, /^-ERR respool proxy: blpop got no reply .* within 800 ms/i);
      assert.ok(waited >= 500 + TIMEOUT_MS - 20, `failed after ${waited.toFixed(0)} ms`);
      await server.resume();
      // The spoiled lease was destroyed, not lent again: a new blocking pop works on a new one.
      assert.equal(await c.call('LPUSH', 'q', 'x'), ':1\r\n');
      assert.equal(await c.call('BLPOP', 'q', '1'), '*2\r\n$1\r\nq\r\n$1\r\nx\r\n');
      const leased = (await server.clientList()).filter((x) => x.cmd === 'blpop');
      assert.ok(leased.length <= 1, `${leased.length} connections still show the BLPOP`);
    } finally {
      await server.resume();
      c.close();
    }
  });

  test('a pop that blocks for ever is not timed out', async () => {
    const c = await RawClient.connect(portOf(proxy));
    const pusher = await RawClient.connect(portOf(proxy));
    try {
      c.command('BLPOP', 'forever', '0');
      // Three upstream timeouts pass: it must still be waiting, not answered with an error.
      await assert.rejects(c.frames(1, TIMEOUT_MS * 3), /timed out after 0 of 1 frames/);
      assert.equal(await pusher.call('LPUSH', 'forever', 'y'), ':1\r\n');
      const [frame] = await c.frames(1);
      assert.equal(frame!.toString(), '*2\r\n$7\r\nforever\r\n$1\r\ny\r\n');
    } finally {
      c.close();
      pusher.close();
    }
  });
});

describe('a shard that stops answering', () => {
  let shards: RedisServer[];
  let proxy: RespoolProxy;

  before(async () => {
    shards = await Promise.all([0, 1, 2].map(() => startRedis()));
    proxy = createProxy({
      listen: '127.0.0.1:0',
      shards: shards.map((s, i) => ({ name: `s${i}`, url: s.url })),
      maxConnections: 8,
      autoEjectHosts: true,
      serverFailureLimit: 2,
      serverRetryTimeoutMs: 60_000,
      upstreamTimeoutMs: TIMEOUT_MS,
    });
    await proxy.listen();
  });

  after(async () => {
    for (const s of shards ?? []) await s.resume().catch(() => undefined);
    await proxy?.close();
    await Promise.all((shards ?? []).map((s) => s.stop()));
  });

  test('its timeouts eject it; keys on the other shards are served throughout', async () => {
    const c = await RawClient.connect(portOf(proxy));
    try {
      const keys = Array.from({ length: 30 }, (_, i) => `t:${i}`);
      for (const k of keys) assert.equal(await c.call('SET', k, k), '+OK\r\n');
      // Where each key lives, read off the servers.
      const home = new Map<string, number>();
      for (const [i, s] of shards.entries())
        for (const k of keys) if ((await s.cli('EXISTS', k)) === '1') home.set(k, i);
      const hung = home.get(keys[0]!)!;
      await shards[hung]!.pause();
      const onHung = keys.filter((k) => home.get(k) === hung);
      const elsewhere = keys.filter((k) => home.get(k) !== hung);
      assert.ok(onHung.length >= 3 && elsewhere.length > 0, 'keys on every side');
      // Two timeouts reach the failure limit: the first waits for its reply; the stalled
      // connection is then closed, and the second waits for the redial ...
      for (const k of onHung.slice(0, 2)) {
        assert.match(
          await slowCall(c, 'GET', k),
          /got no reply .* within 300 ms|waited 300 ms for a connection .* and was not sent/i,
        );
      }
      // ... then the hung shard is out of the ring: its keys go to a live shard (a miss there),
      // at once, and the other keys are served as before.
      const t0 = performance.now();
      assert.equal(await slowCall(c, 'GET', onHung[2]!), '$-1\r\n');
      assert.ok(performance.now() - t0 < TIMEOUT_MS, 'answered without waiting for the hung shard');
      for (const k of elsewhere) assert.equal(await c.call('GET', k), `$${k.length}\r\n${k}\r\n`);
    } finally {
      c.close();
    }
  });
});
