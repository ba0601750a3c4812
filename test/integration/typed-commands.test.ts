/**
 * Every command group's typed methods against a real redis-server, once under RESP2 and once
 * under RESP3: the same assertions run on both, so a reply shape that differs between the
 * protocols (maps, doubles, pairs) fails here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient, type RespoolClient } from '../../src/index.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let server: RedisServer;

before(async () => {
  server = await startRedis();
});

after(async () => {
  await server.stop();
});

for (const protocol of [2, 3] as const) {
  describe(`RESP${protocol}`, () => {
    let r: RespoolClient;
    const k = (name: string): string => `p${protocol}:${name}`;

    before(async () => {
      r = createClient({ url: server.url, protocol });
      const me = await r.clientInfo();
      assert.equal(me['resp'], String(protocol), 'the connection speaks the protocol under test');
    });

    after(async () => {
      await r.close();
    });

    test('strings and bitmaps', async () => {
      assert.equal(await r.set(k('s'), 'hello'), 'OK');
      assert.equal(await r.getset(k('s'), 'world'), 'hello');
      assert.equal(await r.substr(k('s'), 0, 2), 'wor');
      await r.mset({ [k('a')]: 'ohmytext', [k('b')]: 'mynewtext' });
      assert.equal(await r.lcs(k('a'), k('b')), 'mytext');
      assert.equal(await r.lcsLen(k('a'), k('b')), 6);
      const idx = await r.lcsIdx(k('a'), k('b'), { withMatchLen: true });
      assert.equal(idx.length, 6);
      assert.deepEqual(idx.matches[0], { a: [4, 7], b: [5, 8], length: 4 });
      assert.equal(await r.setbit(k('bits'), 7, 1), 0);
      assert.equal(await r.getbit(k('bits'), 7), 1);
      assert.equal(await r.bitcount(k('bits')), 1);
      assert.equal(await r.bitcount(k('bits'), { start: 0, end: 6, unit: 'BIT' }), 0);
      assert.equal(await r.bitpos(k('bits'), 1), 7);
      assert.equal(await r.bitop('NOT', k('inv'), k('bits')), 1);
      assert.equal(await r.getbit(k('inv'), 7), 0);
      assert.deepEqual(
        await r.bitfield(k('bf'), [
          { set: { encoding: 'u8', offset: 0, value: 200 } },
          { overflow: 'FAIL' },
          { incrby: { encoding: 'u8', offset: 0, increment: 100 } },
          { get: { encoding: 'u8', offset: 0 } },
        ]),
        [0, null, 200],
      );
      assert.deepEqual(await r.bitfieldRo(k('bf'), [{ encoding: 'u4', offset: 0 }]), [12]);
      assert.equal(await r.incrbyfloat(k('f'), 1.5), 1.5);
    });

    test('generic: keys, expiry, sort, object, dump/restore', async () => {
      await r.rpush(k('list'), '3', '1', '2');
      assert.deepEqual(await r.sort(k('list')), ['1', '2', '3']);
      assert.deepEqual(
        await r.sortRo(k('list'), { order: 'DESC', limit: { offset: 0, count: 2 } }),
        ['3', '2'],
      );
      assert.equal(await r.sortStore(k('list'), k('sorted')), 3);
      await r.set(k('int'), '12345');
      assert.equal(await r.objectEncoding(k('int')), 'int');
      assert.equal(await r.objectEncoding(k('missing')), null);
      assert.equal(typeof (await r.objectRefcount(k('list'))), 'number');
      assert.equal(typeof (await r.objectIdletime(k('list'))), 'number');
      await r.set(k('d'), 'payload');
      const dumped = await r.withOptions({ returnBuffers: true }).dump(k('d'));
      assert.ok(Buffer.isBuffer(dumped));
      assert.equal(await r.restore(k('d2'), 0, dumped), 'OK');
      assert.equal(await r.get(k('d2')), 'payload');
      assert.equal(await r.move(k('d2'), 1), true);
      assert.equal(await r.exists(k('d2')), 0);
      assert.notEqual(await r.randomkey(), null);
      assert.equal(await r.expire(k('d'), 100), true);
      assert.ok((await r.ttl(k('d'))) > 0);
      assert.equal(await r.type(k('list')), 'list');
    });

    test('hashes', async () => {
      assert.equal(await r.hmset(k('h'), { a: '1', b: '2' }), 'OK');
      assert.deepEqual(await r.hgetall(k('h')), { a: '1', b: '2' });
      assert.ok(['a', 'b'].includes((await r.hrandfield(k('h'))) ?? ''));
      assert.equal((await r.hrandfieldCount(k('h'), 2)).length, 2);
      const pairs = await r.hrandfieldWithValues(k('h'), 2);
      assert.deepEqual(
        pairs.sort((x, y) => x[0].localeCompare(y[0])),
        [
          ['a', '1'],
          ['b', '2'],
        ],
      );
      assert.equal(await r.hincrbyfloat(k('h'), 'a', 0.5), 1.5);
    });

    test('lists', async () => {
      await r.rpush(k('l'), 'a', 'b', 'a', 'c');
      assert.equal(await r.lpos(k('l'), 'a'), 0);
      assert.equal(await r.lpos(k('l'), 'a', { rank: 2 }), 2);
      assert.deepEqual(await r.lposCount(k('l'), 'a', 0), [0, 2]);
      assert.deepEqual(await r.lmpop([k('empty'), k('l')], 'LEFT', 2), {
        key: k('l'),
        elements: ['a', 'b'],
      });
      assert.equal(await r.lmpop([k('empty')], 'LEFT'), null);
      assert.equal(await r.rpoplpush(k('l'), k('l2')), 'c');
      assert.equal(await r.brpoplpush(k('l'), k('l2'), 1), 'a');
      assert.deepEqual(await r.lrange(k('l2'), 0, -1), ['a', 'c']);
    });

    test('sets', async () => {
      await r.sadd(k('s1'), 'a', 'b', 'c');
      await r.sadd(k('s2'), 'b', 'c', 'd');
      assert.equal(await r.sintercard([k('s1'), k('s2')]), 2);
      assert.equal(await r.sintercard([k('s1'), k('s2')], 1), 1);
      assert.equal((await r.srandmemberCount(k('s1'), 2)).length, 2);
      assert.equal((await r.spopCount(k('s1'), 3)).length, 3);
      assert.equal(await r.scard(k('s1')), 0);
    });

    test('sorted sets', async () => {
      const z = k('z');
      await r.zadd(z, [
        { score: 1, member: 'a' },
        { score: 2, member: 'b' },
        { score: 3, member: 'c' },
      ]);
      assert.equal(await r.zaddIncr(z, 1.5, 'a'), 2.5);
      assert.equal(await r.zaddIncr(z, 1, 'a', { nx: true }), null);
      assert.deepEqual(await r.zrangeWithScores(z, 0, -1), [
        { member: 'b', score: 2 },
        { member: 'a', score: 2.5 },
        { member: 'c', score: 3 },
      ]);
      assert.deepEqual(await r.zrangebyscore(z, 2, '(3'), ['b', 'a']);
      assert.deepEqual(await r.zrangebyscoreWithScores(z, 3, '+inf'), [{ member: 'c', score: 3 }]);
      assert.deepEqual(await r.zrevrangebyscore(z, '+inf', 2.5, { offset: 0, count: 1 }), ['c']);
      assert.deepEqual(await r.zrevrange(z, 0, 0), ['c']);
      assert.deepEqual(await r.zrevrangeWithScores(z, 0, 0), [{ member: 'c', score: 3 }]);
      assert.equal(await r.zrangestore(k('zs'), z, 0, 1), 2);
      assert.deepEqual(await r.zdiff([z, k('zs')]), ['c']);
      assert.deepEqual(await r.zdiffWithScores([z, k('zs')]), [{ member: 'c', score: 3 }]);
      assert.equal(await r.zdiffstore(k('zd'), [z, k('zs')]), 1);
      assert.deepEqual(await r.zinter([z, k('zs')]), ['b', 'a']);
      assert.deepEqual(await r.zinterWithScores([z, k('zs')], { aggregate: 'MAX' }), [
        { member: 'b', score: 2 },
        { member: 'a', score: 2.5 },
      ]);
      assert.equal(await r.zinterstore(k('zi'), [z, k('zs')], { weights: [1, 0] }), 2);
      assert.equal(await r.zintercard([z, k('zs')]), 2);
      assert.deepEqual(await r.zunionWithScores([z, k('zd')]), [
        { member: 'b', score: 2 },
        { member: 'a', score: 2.5 },
        { member: 'c', score: 6 },
      ]);
      assert.deepEqual(await r.zunion([k('zd')]), ['c']);
      assert.equal(await r.zunionstore(k('zu'), [z, k('zd')]), 3);
      assert.deepEqual(await r.zmpop([k('nothing'), k('zu')], 'MAX'), {
        key: k('zu'),
        members: [{ member: 'c', score: 6 }],
      });
      assert.ok(['a', 'b', 'c'].includes((await r.zrandmember(z)) ?? ''));
      assert.equal((await r.zrandmemberCount(z, 3)).length, 3);
      const withScores = await r.zrandmemberWithScores(z, 1);
      assert.equal(typeof withScores[0]?.score, 'number');
      await r.zadd(k('lex'), [
        { score: 0, member: 'a' },
        { score: 0, member: 'b' },
        { score: 0, member: 'c' },
      ]);
      assert.equal(await r.zlexcount(k('lex'), '[a', '[b'), 2);
      assert.deepEqual(await r.zrangebylex(k('lex'), '(a', '+'), ['b', 'c']);
      assert.deepEqual(await r.zrevrangebylex(k('lex'), '+', '(a', { offset: 0, count: 1 }), ['c']);
      assert.equal(await r.zremrangebylex(k('lex'), '-', '(c'), 2);
      assert.deepEqual(await r.bzmpop(1, [k('lex')], 'MIN'), {
        key: k('lex'),
        members: [{ member: 'c', score: 0 }],
      });
    });

    test('streams and consumer groups', async () => {
      const s = k('stream');
      const id1 = await r.xadd(s, '*', { f: 'v1' });
      assert.match(id1 ?? '', /^\d+-\d+$/);
      const id2 = await r.xadd(s, '*', [['f', 'v2']], {
        trim: { strategy: 'MAXLEN', threshold: 10 },
      });
      assert.equal(await r.xadd(k('nostream'), '*', { f: 'x' }, { nomkstream: true }), null);
      assert.equal(await r.xlen(s), 2);
      assert.deepEqual(await r.xrange(s), [
        { id: id1, fields: { f: 'v1' } },
        { id: id2, fields: { f: 'v2' } },
      ]);
      assert.deepEqual(await r.xrevrange(s, '+', '-', 1), [{ id: id2, fields: { f: 'v2' } }]);
      assert.deepEqual(await r.xread({ [s]: '0' }, { count: 1 }), [
        { name: s, messages: [{ id: id1, fields: { f: 'v1' } }] },
      ]);
      assert.equal(await r.xread({ [s]: '$' }, { block: 50 }), null);
      assert.equal(await r.xgroupCreate(s, 'g', '0'), 'OK');
      assert.equal(await r.xgroupCreateconsumer(s, 'g', 'c1'), true);
      const read = await r.xreadgroup('g', 'c1', { [s]: '>' });
      assert.equal(read?.[0]?.messages.length, 2);
      const summary = await r.xpending(s, 'g');
      assert.deepEqual(summary, {
        count: 2,
        minId: id1,
        maxId: id2,
        consumers: [{ name: 'c1', count: 2 }],
      });
      const entries = await r.xpendingRange(s, 'g', '-', '+', 10);
      assert.equal(entries[0]?.consumer, 'c1');
      assert.equal(entries[0]?.deliveries, 1);
      assert.deepEqual(await r.xclaimJustId(s, 'g', 'c2', 0, [id1!]), [id1]);
      assert.deepEqual(await r.xclaim(s, 'g', 'c1', 0, [id1!]), [{ id: id1, fields: { f: 'v1' } }]);
      const auto = await r.xautoclaim(s, 'g', 'c2', 0, '0-0', 10);
      assert.equal(auto.nextId, '0-0');
      assert.equal(auto.messages.length, 2);
      assert.deepEqual(auto.deletedIds, []);
      assert.deepEqual((await r.xautoclaimJustId(s, 'g', 'c1', 0, '0-0')).messages, [id1, id2]);
      assert.equal(await r.xack(s, 'g', id1!, id2!), 2);
      const info = await r.xinfoStream(s);
      assert.equal(info['length'], 2);
      assert.deepEqual(info['first-entry'], { id: id1, fields: { f: 'v1' } });
      const full = await r.xinfoStreamFull(s);
      assert.equal((full['entries'] as unknown[]).length, 2);
      const groups = await r.xinfoGroups(s);
      assert.equal(groups[0]?.['name'], 'g');
      const consumers = await r.xinfoConsumers(s, 'g');
      assert.deepEqual(consumers.map((c) => c['name']).sort(), ['c1', 'c2']);
      assert.equal(await r.xgroupDelconsumer(s, 'g', 'c2'), 0);
      assert.equal(await r.xgroupSetid(s, 'g', '0'), 'OK');
      assert.equal(await r.xgroupDestroy(s, 'g'), true);
      assert.equal(await r.xdel(s, id1!), 1);
      assert.equal(await r.xtrim(s, { strategy: 'MAXLEN', threshold: 0 }), 1);
      assert.equal(await r.xsetid(s, '99-0'), 'OK');
    });

    test('geo and hyperloglog', async () => {
      const g = k('geo');
      assert.equal(
        await r.geoadd(g, [
          { longitude: 13.361389, latitude: 38.115556, member: 'Palermo' },
          { longitude: 15.087269, latitude: 37.502669, member: 'Catania' },
        ]),
        2,
      );
      const dist = await r.geodist(g, 'Palermo', 'Catania', 'km');
      assert.ok(dist !== null && Math.abs(dist - 166.2742) < 0.001, String(dist));
      assert.equal(await r.geodist(g, 'Palermo', 'Nowhere'), null);
      assert.deepEqual(await r.geohash(g, 'Palermo', 'Nowhere'), ['sqc8b49rny0', null]);
      const [pos, none] = await r.geopos(g, 'Palermo', 'Nowhere');
      assert.ok(pos !== null && pos !== undefined && Math.abs(pos.longitude - 13.361389) < 1e-5);
      assert.equal(none, null);
      const from = { longitude: 15, latitude: 37 };
      assert.deepEqual(await r.geosearch(g, from, { radius: 200, unit: 'km' }, { order: 'ASC' }), [
        'Catania',
        'Palermo',
      ]);
      const hits = await r.geosearchWith(
        g,
        from,
        { width: 400, height: 400, unit: 'km' },
        { distance: true, coordinates: true, hash: true },
        { order: 'ASC', count: 1 },
      );
      assert.equal(hits.length, 1);
      assert.equal(hits[0]?.member, 'Catania');
      assert.ok(Math.abs((hits[0]?.distance ?? 0) - 56.4413) < 0.001);
      assert.equal(typeof hits[0]?.hash, 'number');
      assert.ok(Math.abs((hits[0]?.coordinates?.latitude ?? 0) - 37.502669) < 1e-5);
      assert.equal(
        await r.geosearchstore(k('geo2'), g, { member: 'Palermo' }, { radius: 10, unit: 'km' }),
        1,
      );
      assert.equal(await r.pfadd(k('hll'), 'a', 'b', 'c'), true);
      assert.equal(await r.pfadd(k('hll'), 'a'), false);
      assert.equal(await r.pfcount(k('hll')), 3);
      await r.pfadd(k('hll2'), 'd');
      assert.equal(await r.pfmerge(k('hll3'), k('hll'), k('hll2')), 'OK');
      assert.equal(await r.pfcount(k('hll3')), 4);
    });

    test('scripting: EVAL family, SCRIPT and FUNCTION management', async () => {
      assert.deepEqual(await r.eval('return {KEYS[1], ARGV[1]}', [k('x')], ['y']), [k('x'), 'y']);
      assert.equal(await r.evalRo("return redis.call('GET', KEYS[1])", [k('missing')]), null);
      const sha = await r.scriptLoad('return 42');
      assert.equal(await r.evalsha(sha), 42);
      assert.equal(await r.evalshaRo(sha), 42);
      assert.deepEqual(await r.scriptExists(sha, 'f'.repeat(40)), [true, false]);
      const lib = `#!lua name=lib${protocol}\nredis.register_function{function_name='hi${protocol}', callback=function(keys, args) return 'hi ' .. args[1] end, flags={'no-writes'}}`;
      assert.equal(await r.functionLoad(lib), `lib${protocol}`);
      assert.equal(await r.functionLoad(lib, { replace: true }), `lib${protocol}`);
      assert.equal(await r.fcall(`hi${protocol}`, [], ['you']), 'hi you');
      assert.equal(await r.fcallRo(`hi${protocol}`, [], ['ro']), 'hi ro');
      const [info] = await r.functionList({ libraryName: `lib${protocol}`, withCode: true });
      assert.equal(info?.libraryName, `lib${protocol}`);
      assert.equal(info?.engine, 'LUA');
      assert.deepEqual(info?.functions, [
        { name: `hi${protocol}`, description: null, flags: ['no-writes'] },
      ]);
      assert.equal(info?.libraryCode, lib);
      const stats = await r.functionStats();
      assert.equal(stats.runningScript, null);
      assert.ok('LUA' in stats.engines);
      const dump = await r.withOptions({ returnBuffers: true }).functionDump();
      assert.equal(await r.functionDelete(`lib${protocol}`), 'OK');
      assert.equal(await r.functionRestore(dump, 'APPEND'), 'OK');
      assert.equal(await r.fcall(`hi${protocol}`, [], ['back']), 'hi back');
      assert.equal(await r.functionDelete(`lib${protocol}`), 'OK');
    });

    test('server and connection: INFO, TIME, MEMORY, CONFIG, CLIENT, ROLE, SLOWLOG, PUBSUB', async () => {
      const info = await r.info();
      assert.match(info['server']?.['redis_version'] ?? '', /^\d+\.\d+\.\d+$/);
      assert.equal((await r.info('clients'))['clients']?.['connected_clients'] !== undefined, true);
      const time = await r.time();
      assert.ok(Math.abs(time.unixMs - Date.now()) < 5_000);
      await r.set(k('mem'), 'x'.repeat(100));
      assert.ok(((await r.memoryUsage(k('mem'))) ?? 0) >= 100);
      assert.equal(await r.memoryUsage(k('nope')), null);
      assert.equal(typeof (await r.memoryStats())['peak.allocated'], 'number');
      assert.deepEqual(await r.configGet('maxmemory-policy'), { 'maxmemory-policy': 'noeviction' });
      assert.equal(await r.configSet({ 'slowlog-log-slower-than': 0 }), 'OK');
      await r.ping();
      assert.ok((await r.slowlogLen()) > 0);
      const [entry] = await r.slowlogGet(1);
      assert.equal(typeof entry?.durationMicros, 'number');
      assert.equal(await r.slowlogReset(), 'OK');
      await r.configSet({ 'slowlog-log-slower-than': 10_000 });
      const id = await r.connectionId();
      const me = await r.clientInfo();
      assert.equal(Number(me['id']), id);
      assert.equal(me['resp'], String(protocol));
      const list = await r.clientList({ ids: [id] });
      assert.equal(list.length, 1);
      assert.equal(list[0]?.['id'], String(id));
      assert.equal(await r.clientGetname(), null);
      assert.deepEqual(await r.role(), { role: 'master', replicationOffset: 0, replicas: [] });
      assert.ok((await r.lastsave()) > 0);
      assert.deepEqual(await r.pubsubNumsub('nobody'), { nobody: 0 });
      assert.deepEqual(await r.pubsubChannels(), []);
      assert.equal(await r.pubsubNumpat(), 0);
      assert.deepEqual(await r.pubsubShardnumsub('nobody'), { nobody: 0 });
      assert.deepEqual(await r.pubsubShardchannels(), []);
      assert.equal(await r.clientUnblock(999_999), false);
    });

    test('leases type the connection-state commands', async () => {
      await r.withConnection(async (c) => {
        assert.equal(await c.select(2), 'OK');
        assert.equal(await c.set(k('db2'), 'x'), 'OK');
        assert.equal(await c.clientSetname('leased'), 'OK');
        assert.equal(await c.clientGetname(), 'leased');
        assert.equal(await c.clientNoEvict(true), 'OK');
      });
      assert.equal(await r.get(k('db2')), null, 'the lease SELECTed another database');
      await assert.rejects(r.call('CLIENT', 'NO-EVICT', 'ON'), /shared/);
    });
  });
}
