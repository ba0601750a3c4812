/**
 * PUBLISH's receiver count through the proxy counts the proxy's clients as the server counts its
 * own (all of them share one upstream subscriber connection, which the server counts once per
 * channel and pattern). Patterns are matched as the server matches them: `globMatch` is checked
 * against the server's own matcher (KEYS) on random patterns.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { globMatch } from '../../src/proxy/glob-match.js';
import { createProxy, type RespoolProxy } from '../../src/proxy/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let server: RedisServer;
let proxy: RespoolProxy;
let port: number;

before(async () => {
  server = await startRedis();
  proxy = createProxy({ listen: '127.0.0.1:0', upstream: server.url, maxConnections: 4 });
  await proxy.listen();
  port = Number(proxy.address()[0]!.split(':')[1]);
});

after(async () => {
  await proxy?.close();
  await server?.stop();
});

test('PUBLISH counts each client subscribed through the proxy, and the server’s others', async () => {
  const a = await RawClient.connect(port);
  const b = await RawClient.connect(port);
  const c = await RawClient.connect(port);
  const direct = await RawClient.connect(server.port);
  const pub = await RawClient.connect(port);
  try {
    assert.equal(await pub.call('PUBLISH', 'news', 'x'), ':0\r\n', 'nobody yet');
    await a.call('SUBSCRIBE', 'news');
    assert.equal(await pub.call('PUBLISH', 'news', 'x'), ':1\r\n');
    await b.call('SUBSCRIBE', 'news');
    await direct.call('SUBSCRIBE', 'news');
    assert.equal(await pub.call('PUBLISH', 'news', 'x'), ':3\r\n', 'two via the proxy, one direct');
    // A pattern counts once per client whose pattern matches, as well as the channel.
    await c.call('PSUBSCRIBE', 'n*s');
    await a.call('PSUBSCRIBE', 'ne[wx]s');
    await b.call('PSUBSCRIBE', 'nope*');
    assert.equal(await pub.call('PUBLISH', 'news', 'x'), ':5\r\n');
    assert.equal(await pub.call('PUBLISH', 'nets', 'x'), ':1\r\n', 'only c’s n*s');
    // Leaving is counted too.
    b.command('UNSUBSCRIBE', 'news');
    await b.frame();
    assert.equal(await pub.call('PUBLISH', 'news', 'x'), ':4\r\n');
    // Shard channels (SPUBLISH) the same way.
    await c.call('SSUBSCRIBE', 'orders');
    assert.equal(await pub.call('SPUBLISH', 'orders', 'x'), ':1\r\n');
  } finally {
    for (const client of [a, b, c, direct, pub]) client.close();
  }
});

test('globMatch agrees with the server’s matcher on random patterns', async () => {
  const alphabet = 'ab[]^-\\*?c';
  let seed = 7;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const word = (max: number): string =>
    Array.from({ length: 1 + random(max) }, () => alphabet[random(alphabet.length)]).join('');
  const direct = await RawClient.connect(server.port);
  try {
    await direct.call('SELECT', '9');
    await direct.call('FLUSHDB');
    const keys = [...new Set(Array.from({ length: 150 }, () => word(6)))];
    direct.command('MSET', ...keys.flatMap((k) => [k, '1']));
    await direct.frame();
    const mismatches: string[] = [];
    for (let i = 0; i < 300; i++) {
      const pattern = word(5);
      const reply = await direct.call('KEYS', pattern);
      const byServer = new Set(parseArray(reply));
      const byUs = keys.filter((k) => globMatch(Buffer.from(pattern), Buffer.from(k)));
      const same = byUs.length === byServer.size && byUs.every((k) => byServer.has(k));
      if (!same) mismatches.push(`${pattern}: server ${[...byServer].sort()} ours ${byUs.sort()}`);
    }
    assert.deepEqual(mismatches, []);
    await direct.call('FLUSHDB');
  } finally {
    direct.close();
  }
});

/** The blob strings of a RESP2 array reply. */
function parseArray(reply: string): string[] {
  const out: string[] = [];
  let at = reply.indexOf('\r\n') + 2;
  while (at < reply.length) {
    const end = reply.indexOf('\r\n', at);
    const length = Number(reply.slice(at + 1, end));
    out.push(reply.slice(end + 2, end + 2 + length));
    at = end + 2 + length + 2;
  }
  return out;
}
