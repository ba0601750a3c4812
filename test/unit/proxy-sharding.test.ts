import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidArgumentError } from '../../src/errors.js';
import { HASH_NAMES, keyHash } from '../../src/proxy/sharding/hash-functions.js';
import { hashedPart, parseHashTag } from '../../src/proxy/sharding/hash-tag.js';
import { ShardHealth } from '../../src/proxy/sharding/shard-health.js';
import { ketamaName, ShardRing } from '../../src/proxy/sharding/shard-ring.js';

/**
 * Known answers: nutcracker 0.5's own hashkit C files compiled on x86-64 (gcc, signed char) and
 * run on these keys, hex-encoded. Columns follow HASH_NAMES.
 */
const VECTORS: readonly [string, readonly number[]][] = [
  ['', [0, 3649838548, 0, 0, 0, 2216829733, 2216829733, 2166136261, 2166136261, 0, 0, 3735928572]],
  [
    '61',
    [
      3392050242, 3111502092, 31879, 26807, 3904355907, 2248259518, 2248273036, 84696446,
      3826002220, 2472816263, 1262581116, 3768813200,
    ],
  ],
  [
    '616263',
    [
      3977453403, 2555380112, 2088017366, 13604, 891568578, 1806675403, 88168267, 1134309195,
      440920331, 3843582778, 2064434216, 2403423744,
    ],
  ],
  [
    '68656c6c6f20776f726c64',
    [
      1045060183, 3141252702, 4060494820, 3402, 222957957, 2979073647, 37540583, 1418570095,
      3582672807, 1333368947, 1578702139, 355681275,
    ],
  ],
  [
    'c3a9c3bc2d6b6579',
    [
      1344378523, 2870033034, 4232807953, 9978, 653952343, 2280974762, 3846136016, 3440033546,
      331981200, 3195111690, 1985542680, 2375717731,
    ],
  ],
  [
    '7573657231303030',
    [
      1622579892, 4239578081, 2787265907, 4698, 307944294, 922056335, 1973684067, 189573647,
      1164660451, 2235843572, 4121091569, 1735288169,
    ],
  ],
  [
    '303132333435363738396162636465666768',
    [
      1616171272, 3415145298, 3905225543, 25050, 1641740573, 2036886548, 1499838962, 1372023476,
      928913842, 2150086261, 1219452872, 2166370186,
    ],
  ],
];

const shards3 = [
  { host: '10.0.0.1', port: 6379 },
  { host: '10.0.0.2', port: 6379 },
  { host: '10.0.0.3', port: 6379 },
];
const keys = (n: number): string[] => Array.from({ length: n }, (_, i) => `key:${i}`);

describe('twemproxy key hashes', () => {
  for (const [index, name] of HASH_NAMES.entries()) {
    it(`${name} matches nutcracker's C code`, () => {
      for (const [hex, expected] of VECTORS) {
        assert.equal(keyHash(name)(Buffer.from(hex, 'hex')), expected[index], `key ${hex}`);
      }
    });
  }

  it('every hash returns an unsigned 32-bit integer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (key) => {
        for (const name of HASH_NAMES) {
          const h = keyHash(name)(key);
          assert.ok(Number.isInteger(h) && h >= 0 && h <= 0xffffffff, `${name}: ${h}`);
        }
      }),
    );
  });
});

describe('hash tags', () => {
  const tag = parseHashTag('{}');
  const part = (key: string): string => Buffer.from(hashedPart(Buffer.from(key), tag)).toString();

  it('hashes only the tag content when there is one', () => {
    assert.equal(part('user:{42}:name'), '42');
    assert.equal(part('{a}{b}'), 'a');
    assert.equal(part('x{a}}'), 'a');
  });

  it('hashes the whole key for an empty, open or absent tag', () => {
    assert.equal(part('a{}b'), 'a{}b');
    assert.equal(part('a{b'), 'a{b');
    assert.equal(part('a}b{'), 'a}b{');
    assert.equal(part('plain'), 'plain');
  });

  it('rejects anything but two single-byte characters', () => {
    assert.throws(() => parseHashTag('{'), InvalidArgumentError);
    assert.throws(() => parseHashTag('{}}'), InvalidArgumentError);
    assert.throws(() => parseHashTag('é}'), /hashTag/);
    assert.equal(parseHashTag(''), undefined);
  });

  it('keys sharing a tag share a shard, under every distribution but random', () => {
    for (const distribution of ['ketama', 'modula'] as const) {
      const ring = new ShardRing({ shards: shards3, distribution, hashTag: '{}' });
      for (let i = 0; i < 50; i++) {
        const shard = ring.shardFor(`a:{user${i}}`);
        assert.equal(ring.shardFor(`b:{user${i}}:cart`), shard);
        assert.equal(ring.shardFor(`user${i}`), shard, 'the tag content alone');
      }
    }
  });
});

describe('ShardRing', () => {
  it('names shards as nutcracker does', () => {
    assert.equal(ketamaName({ host: 'h', port: 6379 }), 'h:6379');
    assert.equal(ketamaName({ host: 'h', port: 11211 }), 'h');
    assert.equal(ketamaName({ host: 'h', port: 6379, name: 'alpha' }), 'alpha');
    assert.equal(ketamaName({ host: '/tmp/redis.sock' }), '/tmp/redis.sock');
  });

  it('spreads keys by weight (ketama and modula)', () => {
    for (const distribution of ['ketama', 'modula'] as const) {
      const ring = new ShardRing({
        shards: [
          { host: 'a', port: 1, weight: 1 },
          { host: 'b', port: 1, weight: 3 },
        ],
        distribution,
      });
      const counts = [0, 0];
      for (const key of keys(4000)) counts[ring.shardFor(key)]!++;
      const share = counts[1]! / 4000;
      assert.ok(share > 0.65 && share < 0.85, `${distribution}: weight 3 of 4 got ${share}`);
    }
  });

  it('random picks live shards with the injected source', () => {
    let next = 0;
    const ring = new ShardRing({ shards: shards3, distribution: 'random', random: () => next });
    next = 0;
    assert.equal(ring.shardFor('k'), 0);
    next = 0.99;
    assert.equal(ring.shardFor('k'), 2);
  });

  it('one shard takes every key, and an empty key hashes to 0', () => {
    const one = new ShardRing({ shards: [shards3[0]!] });
    assert.equal(one.shardFor('anything'), 0);
    const ring = new ShardRing({ shards: shards3, distribution: 'modula' });
    assert.equal(ring.hashOf(''), 0);
    assert.equal(ring.shardFor(''), 0);
  });

  it('an ejected shard loses only its own keys under ketama, and gets them back', () => {
    const ring = new ShardRing({
      shards: shards3,
      autoEject: true,
      maxFailures: 2,
      retryTimeoutMs: 1000,
    });
    const all = keys(3000);
    const before = all.map((k) => ring.shardFor(k));
    assert.equal(ring.recordFailure(1, 100), false, 'one failure is not enough');
    assert.equal(ring.recordFailure(1, 110), true, 'the second ejects');
    assert.equal(ring.liveCount, 2);
    assert.equal(ring.isLive(1), false);
    const during = all.map((k) => ring.shardFor(k));
    all.forEach((_, i) => {
      assert.notEqual(during[i], 1, 'no key goes to the ejected shard');
      if (before[i] !== 1) assert.equal(during[i], before[i], 'other keys stay put');
    });
    assert.equal(ring.nextRetryAtMs, 1110);
    assert.equal(ring.update(1109), false, 'not before the retry timeout');
    assert.equal(ring.update(1110), true, 're-added once it has passed');
    assert.deepEqual(
      all.map((k) => ring.shardFor(k)),
      before,
    );
    assert.equal(ring.nextRetryAtMs, undefined);
  });

  it('modula re-spreads every key over the live shards', () => {
    const ring = new ShardRing({ shards: shards3, distribution: 'modula', autoEject: true });
    ring.recordFailure(0, 0);
    ring.recordFailure(0, 0);
    const used = new Set(keys(500).map((k) => ring.shardFor(k)));
    assert.deepEqual([...used].sort(), [1, 2]);
  });

  it('answers -1 when every shard is ejected', () => {
    const ring = new ShardRing({ shards: shards3, autoEject: true, maxFailures: 1 });
    for (let i = 0; i < 3; i++) ring.recordFailure(i, 0);
    assert.equal(ring.shardFor('k'), -1);
    ring.update(30_000);
    assert.equal(ring.liveCount, 3);
    assert.notEqual(ring.shardFor('k'), -1);
  });

  it('rejects bad options by name', () => {
    assert.throws(() => new ShardRing({ shards: [] }), /"shards"/);
    assert.throws(
      () => new ShardRing({ shards: shards3, hash: 'sha1' as never }),
      /"hash".*"sha1"/,
    );
    assert.throws(
      () => new ShardRing({ shards: shards3, distribution: 'rendezvous' as never }),
      /"distribution"/,
    );
    assert.throws(
      () => new ShardRing({ shards: [{ host: 'a', port: 1, weight: 0 }] }),
      /shards\[0\]\.weight/,
    );
    assert.throws(() => new ShardRing({ shards: [shards3[0]!, shards3[0]!] }), /same name/);
    assert.throws(() => new ShardRing({ shards: shards3, hashtag: '{}' } as never), /hashTag/);
  });
});

describe('ShardHealth (twemproxy auto-eject)', () => {
  it('ejects after maxFailures consecutive failures only', () => {
    const h = new ShardHealth(2, { autoEject: true, maxFailures: 3, retryTimeoutMs: 50 });
    h.recordFailure(0, 0);
    h.recordFailure(0, 0);
    h.recordSuccess(0);
    h.recordFailure(0, 0);
    h.recordFailure(0, 0);
    assert.equal(h.isLive(0), true, 'a success in between resets the count');
    assert.equal(h.recordFailure(0, 10), true);
    assert.equal(h.isLive(0), false);
    assert.equal(h.failures(0), 0, 'the count is cleared on ejection');
  });

  it('a re-admitted shard is on trial: it needs maxFailures new failures to go again', () => {
    const h = new ShardHealth(1, { autoEject: true, maxFailures: 2, retryTimeoutMs: 100 });
    h.recordFailure(0, 0);
    h.recordFailure(0, 0);
    h.recordSuccess(0);
    assert.equal(h.isLive(0), false, 'a success does not re-admit early (as nutcracker)');
    assert.equal(h.update(100), true);
    assert.equal(h.recordFailure(0, 150), false);
    assert.equal(h.isLive(0), true);
    assert.equal(h.recordFailure(0, 160), true);
    assert.equal(h.nextRetryAtMs, 260);
  });

  it('ignores failures when autoEject is off (the default)', () => {
    const h = new ShardHealth(1);
    for (let i = 0; i < 10; i++) assert.equal(h.recordFailure(0, i), false);
    assert.equal(h.isLive(0), true);
  });

  it('changes version exactly when the live set changes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            op: fc.constantFrom('fail', 'ok', 'update'),
            shard: fc.integer({ min: 0, max: 2 }),
            dt: fc.integer({ min: 0, max: 40 }),
          }),
        ),
        (ops) => {
          const h = new ShardHealth(3, { autoEject: true, maxFailures: 2, retryTimeoutMs: 100 });
          let now = 0;
          for (const { op, shard, dt } of ops) {
            now += dt;
            const live = [0, 1, 2].map((i) => h.isLive(i));
            const version = h.version;
            if (op === 'fail') h.recordFailure(shard, now);
            else if (op === 'ok') h.recordSuccess(shard);
            else h.update(now);
            const after = [0, 1, 2].map((i) => h.isLive(i));
            assert.equal(h.version !== version, live.join() !== after.join());
            assert.equal(h.liveCount, after.filter(Boolean).length);
          }
        },
      ),
    );
  });
});
