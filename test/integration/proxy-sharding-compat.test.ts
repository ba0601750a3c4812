/**
 * ShardRing against the real thing: a nutcracker (twemproxy 0.5, Debian's package) with several
 * pools over the same three redis-servers. 1,000 keys are written through each pool, then every
 * server is asked which keys it holds, and ShardRing, configured like the pool, must name that
 * server for every key. The pools cover the two setups users run most (ketama + fnv1a_64, modula
 * + crc32a), uneven weights, a hash tag, named servers, and all twelve hashes under modula
 * (modula takes the hash modulo the weight total, so a wrong bit anywhere shows).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HashName } from '../../src/proxy/sharding/hash-functions.js';
import { HASH_NAMES } from '../../src/proxy/sharding/hash-functions.js';
import { type Distribution, ShardRing } from '../../src/proxy/sharding/shard-ring.js';
import {
  type Nutcracker,
  type NutcrackerPool,
  nutcrackerAvailable,
  startNutcracker,
} from '../helpers/nutcracker.js';
import { rawCommands } from '../helpers/raw-resp.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

const KEYS_PER_POOL = 1_000;
const TIMEOUT_MS = 20_000;

interface PoolCase {
  readonly name: string;
  readonly hash: HashName;
  readonly distribution: Distribution;
  readonly weights: readonly number[];
  readonly hashTag?: string;
  readonly named?: boolean;
}

const CASES: readonly PoolCase[] = [
  { name: 'ketama_fnv1a64', hash: 'fnv1a_64', distribution: 'ketama', weights: [1, 1, 1] },
  { name: 'modula_crc32a_even', hash: 'crc32a', distribution: 'modula', weights: [1, 1, 1] },
  { name: 'ketama_weighted', hash: 'murmur', distribution: 'ketama', weights: [1, 3, 2] },
  {
    name: 'ketama_tag_named',
    hash: 'md5',
    distribution: 'ketama',
    weights: [2, 1, 1],
    hashTag: '{}',
    named: true,
  },
  ...HASH_NAMES.map(
    (hash): PoolCase => ({
      name: `modula_${hash}`,
      hash,
      distribution: 'modula',
      weights: [2, 3, 2],
    }),
  ),
];

/** Keys of varied length and bytes; some non-ASCII (nutcracker's signed chars), some tagged. */
function keysFor(pool: string): string[] {
  const keys: string[] = [];
  for (let i = 0; i < KEYS_PER_POOL; i++) {
    const body = i % 7 === 0 ? `é${i}ü` : i % 5 === 0 ? `user:{${i % 37}}:${i}` : `k${i}`;
    keys.push(`${pool}:${body}${'x'.repeat(i % 13)}`);
  }
  return keys;
}

describe('ShardRing places keys as nutcracker does', { skip: !nutcrackerAvailable() }, () => {
  let servers: RedisServer[] = [];
  let nutcracker: Nutcracker | undefined;

  const poolOf = (c: PoolCase): NutcrackerPool => ({
    name: c.name,
    hash: c.hash,
    distribution: c.distribution,
    hashTag: c.hashTag,
    servers: servers.map((s, i) => ({
      host: s.host,
      port: s.port,
      weight: c.weights[i],
      name: c.named === true ? `shard-${i}` : undefined,
    })),
  });

  before(async () => {
    servers = await Promise.all([startRedis(), startRedis(), startRedis()]);
    try {
      nutcracker = await startNutcracker(CASES.map(poolOf));
    } catch (error) {
      // A failed before() does not always reach after(): stop the servers here.
      await Promise.all(servers.map((s) => s.stop()));
      servers = [];
      throw error;
    }
  });

  after(async () => {
    await nutcracker?.stop();
    await Promise.all(servers.map((s) => s.stop()));
  });

  for (const c of CASES) {
    it(`${c.distribution}/${c.hash}, weights ${c.weights.join(',')}${c.hashTag === undefined ? '' : `, hash_tag ${c.hashTag}`}${c.named === true ? ', named servers' : ''}`, async () => {
      const port = nutcracker!.ports.get(c.name)!;
      const keys = keysFor(c.name);
      const written = await rawCommands(
        '127.0.0.1',
        port,
        undefined,
        keys.map((k) => ['SET', k, '1']),
        TIMEOUT_MS,
      );
      assert.ok(
        written.every((r) => r === 'OK'),
        'every SET through nutcracker succeeded',
      );
      // Where each key really is: EXISTS on every server.
      const holders = await Promise.all(
        servers.map((s) =>
          rawCommands(
            s.host,
            s.port,
            undefined,
            keys.map((k) => ['EXISTS', k]),
            TIMEOUT_MS,
          ),
        ),
      );
      const ring = new ShardRing({
        shards: servers.map((s, i) => ({
          host: s.host,
          port: s.port,
          weight: c.weights[i],
          name: c.named === true ? `shard-${i}` : undefined,
        })),
        hash: c.hash,
        distribution: c.distribution,
        hashTag: c.hashTag,
      });
      const used = new Set<number>();
      const wrong: string[] = [];
      keys.forEach((key, k) => {
        const actual = holders.map((h) => h[k]).indexOf(1);
        used.add(actual);
        const expected = ring.shardFor(key);
        if (actual !== expected) wrong.push(`${key}: nutcracker ${actual}, ShardRing ${expected}`);
      });
      assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} of ${keys.length} keys misplaced`);
      assert.equal(used.size, servers.length, 'the keys were spread over all three servers');
    });
  }
});

describe('ShardRing ejects a shard as nutcracker does', { skip: !nutcrackerAvailable() }, () => {
  let servers: RedisServer[] = [];
  let nutcracker: Nutcracker | undefined;
  const distributions: readonly Distribution[] = ['ketama', 'modula'];

  before(async () => {
    servers = await Promise.all([startRedis(), startRedis(), startRedis()]);
    try {
      nutcracker = await startNutcracker(
        distributions.map((distribution) => ({
          name: `eject_${distribution}`,
          distribution,
          hash: 'fnv1a_64',
          autoEjectHosts: true,
          serverFailureLimit: 1,
          // Long enough that nothing is re-added while the test runs.
          serverRetryTimeoutMs: 600_000,
          servers: servers.map((s) => ({ host: s.host, port: s.port })),
        })),
      );
    } catch (error) {
      await Promise.all(servers.map((s) => s.stop()));
      servers = [];
      throw error;
    }
    await servers[1]!.kill();
  });

  after(async () => {
    await nutcracker?.stop();
    await Promise.all(servers.map((s) => s.stop()));
  });

  for (const distribution of distributions) {
    it(`${distribution}: after the dead shard is ejected, keys land where the ring says`, async () => {
      const port = nutcracker!.ports.get(`eject_${distribution}`)!;
      const ring = new ShardRing({
        shards: servers.map((s) => ({ host: s.host, port: s.port })),
        distribution,
        autoEject: true,
        maxFailures: 1,
      });
      // A key nutcracker sends to the dead shard: its first requests fail until the ejection.
      const probe = keysFor(`probe_${distribution}`).find((k) => ring.shardFor(k) === 1)!;
      let ejected = false;
      for (let attempt = 0; attempt < 50 && !ejected; attempt++) {
        const [reply] = await rawCommands(
          '127.0.0.1',
          port,
          undefined,
          [['SET', probe, '1']],
          5_000,
        );
        ejected = reply === 'OK';
      }
      assert.ok(ejected, 'nutcracker ejected the dead shard');
      assert.equal(ring.recordFailure(1, 0), true);

      const keys = keysFor(`ejected_${distribution}`);
      const written = await rawCommands(
        '127.0.0.1',
        port,
        undefined,
        keys.map((k) => ['SET', k, '1']),
        TIMEOUT_MS,
      );
      assert.ok(written.every((r) => r === 'OK'));
      const live = [servers[0]!, servers[2]!];
      const holders = await Promise.all(
        live.map((s) =>
          rawCommands(
            s.host,
            s.port,
            undefined,
            keys.map((k) => ['EXISTS', k]),
            TIMEOUT_MS,
          ),
        ),
      );
      const wrong = keys.filter((key, k) => {
        const actual = holders[0]![k] === 1 ? 0 : holders[1]![k] === 1 ? 2 : -1;
        return actual !== ring.shardFor(key);
      });
      assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} of ${keys.length} keys misplaced`);
    });
  }
});
