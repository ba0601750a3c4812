/**
 * The keyPrefix option and the scan iterators against a real redis-server. The server is read
 * with redis-cli (no prefix), so the tests see the keys as stored, not as the client reports them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createClient,
  defineScript,
  InvalidArgumentError,
  type RespoolClient,
} from '../../src/index.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let server: RedisServer;
let plain: RespoolClient;

before(async () => {
  server = await startRedis();
  plain = createClient(server.url);
});

after(async () => {
  await plain.close();
  await server.stop();
});

describe('keyPrefix', () => {
  let app: RespoolClient;
  before(() => {
    app = createClient({ url: server.url, keyPrefix: 'app:' });
  });
  after(async () => {
    await app.close();
  });

  test('invalid values are refused synchronously, naming the option', () => {
    assert.throws(
      () => createClient({ url: server.url, keyPrefix: 42 as unknown as string }),
      (e) => e instanceof InvalidArgumentError && /keyPrefix/.test(e.message),
    );
  });

  test('keys get the prefix; values, channels and non-key arguments do not', async () => {
    await app.set('user', 'ada');
    assert.equal(await server.cli('GET', 'app:user'), 'ada');
    assert.equal(await app.get('user'), 'ada');
    await app.mset({ a: 'a-value', b: 'b-value' });
    assert.deepEqual(await plain.mget(['app:a', 'app:b', 'a']), ['a-value', 'b-value', null]);
    await app.zadd('z', { score: 1, member: 'm' });
    await app.zunionstore('dest', ['z', 'z']);
    assert.deepEqual(await plain.zrangeWithScores('app:dest', 0, -1), [{ member: 'm', score: 2 }]);
    await app.xadd('s', '*', { f: 'v' });
    const read = await app.xread({ s: '0' });
    assert.equal(read?.[0]?.name, 'app:s', 'XREAD answers with the stored key name');
    // Buffer keys keep their bytes, behind the prefix.
    await app.set(Buffer.from([0xff, 0x00]), 'bin');
    assert.equal(
      await plain.get(Buffer.concat([Buffer.from('app:'), Buffer.from([0xff, 0x00])])),
      'bin',
    );
  });

  test('KEYS and SCAN patterns are sent as written; their replies keep the prefix', async () => {
    assert.deepEqual((await app.keys('app:u*')).sort(), ['app:user']);
    assert.deepEqual(await app.keys('u*'), [], 'the pattern is not prefixed');
    const seen: string[] = [];
    for await (const key of app.scanIterator({ match: 'app:use*' })) seen.push(key);
    assert.deepEqual(seen, ['app:user']);
  });

  test('EVAL keys are prefixed, ARGV is not', async () => {
    const script = defineScript("redis.call('SET', KEYS[1], ARGV[1]); return KEYS[1]");
    assert.equal(await app.runScript(script, ['k'], ['k']), 'app:k');
    assert.equal(await server.cli('GET', 'app:k'), 'k');
  });

  test('pipeline(), multi(), leases and blocking commands prefix too', async () => {
    await app.pipeline().set('p1', '1').set('p2', '2').exec();
    await app.multi().incr('p1').incr('p2').exec();
    assert.deepEqual(await plain.mget(['app:p1', 'app:p2']), ['2', '3']);
    await app.withConnection(async (c) => {
      await c.watch('p1');
      await c.multi().set('p1', 'leased').exec();
    });
    assert.equal(await server.cli('GET', 'app:p1'), 'leased');
    await plain.rpush('app:queue', 'job');
    assert.deepEqual(await app.blpop(['queue'], 1), ['app:queue', 'job']);
    assert.equal(
      await app.withOptions({ timeoutMs: 5000 }).get('p2'),
      '3',
      'views keep the prefix',
    );
  });
});

describe('scan iterators', () => {
  before(async () => {
    const batch = plain.pipeline();
    for (let i = 0; i < 500; i++) batch.set(`it:${i}`, String(i));
    batch.sadd('it:set', ...Array.from({ length: 300 }, (_, i) => `m${i}`));
    batch.hset(
      'it:hash',
      Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`f${i}`, `v${i}`])),
    );
    batch.zadd(
      'it:zset',
      Array.from({ length: 300 }, (_, i) => ({ score: i / 2, member: `z${i}` })),
    );
    await batch.exec();
  });

  test('scanIterator walks many pages with MATCH and COUNT, and TYPE filters', async () => {
    const keys = new Set<string>();
    let yielded = 0;
    for await (const key of plain.scanIterator({ match: 'it:*', count: 20 })) {
      keys.add(key);
      yielded++;
    }
    assert.equal(keys.size, 503);
    assert.ok(yielded >= 503);
    const sets: string[] = [];
    for await (const key of plain.scanIterator({ match: 'it:*', type: 'set' })) sets.push(key);
    assert.deepEqual(sets, ['it:set']);
  });

  test('sscan/hscan/zscan iterators give members, pairs and scored members', async () => {
    const members = new Set<string>();
    for await (const m of plain.sscanIterator('it:set', { count: 10 })) members.add(m);
    assert.equal(members.size, 300);
    const fields = new Map<string, string>();
    for await (const [f, v] of plain.hscanIterator('it:hash', { count: 10 })) fields.set(f, v);
    assert.equal(fields.size, 300);
    assert.equal(fields.get('f7'), 'v7');
    const scores = new Map<string, number>();
    for await (const { member, score } of plain.zscanIterator('it:zset', { match: 'z1*' }))
      scores.set(member, score);
    assert.equal(scores.get('z17'), 8.5);
    assert.ok([...scores.keys()].every((m) => m.startsWith('z1')));
  });

  test('breaking out of the loop stops the walk; leases iterate too', async () => {
    let n = 0;
    for await (const _ of plain.scanIterator({ count: 5 })) if (++n === 3) break;
    assert.equal(n, 3);
    const count = await plain.withConnection(async (c) => {
      let total = 0;
      for await (const _ of c.sscanIterator('it:set')) total++;
      return total;
    });
    assert.equal(count, 300);
  });
});
