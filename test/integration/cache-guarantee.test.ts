/**
 * The guarantee of docs/caching.md, as a property against a real redis-server: after a write by
 * any client is acknowledged, a cached read issued after one round trip on the tracking
 * connection (`cached.sync()`) returns the new value.
 *
 * fast-check drives a cached client and a second writer client with random interleavings:
 * awaited writes, deletes and FLUSHALL by the writer, writes by the cached client itself,
 * bursts of concurrent cached reads racing concurrent writes, CLIENT KILL of the tracking
 * connection (and, in RESP2, of the redirect connection), and server restarts. After every step
 * a synced read of every key must return exactly the last acknowledged value; a read in a burst
 * must return a value that existed (never one from before a restart, never an invented one).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { createClient, type RespoolClient } from '../../src/index.js';
import { expectClientCount } from '../helpers/baseline.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let server: RedisServer;

before(async () => {
  server = await startRedis();
});

after(async () => {
  await expectClientCount(server, 0);
  await server.stop();
});

const KEYS = ['g0', 'g1', 'g2'];

type Op =
  | { t: 'write'; k: number }
  | { t: 'ownWrite'; k: number }
  | { t: 'del'; k: number }
  | { t: 'flushall' }
  | { t: 'burst'; k: number; reads: number; writes: number }
  | { t: 'kill'; redirect: boolean }
  | { t: 'restart' };

const key = fc.integer({ min: 0, max: KEYS.length - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('write' as const), k: key }), weight: 6 },
  { arbitrary: fc.record({ t: fc.constant('ownWrite' as const), k: key }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('del' as const), k: key }), weight: 2 },
  { arbitrary: fc.constant({ t: 'flushall' as const }), weight: 1 },
  {
    arbitrary: fc.record({
      t: fc.constant('burst' as const),
      k: key,
      reads: fc.integer({ min: 1, max: 20 }),
      writes: fc.integer({ min: 1, max: 3 }),
    }),
    weight: 6,
  },
  { arbitrary: fc.record({ t: fc.constant('kill' as const), redirect: fc.boolean() }), weight: 2 },
  { arbitrary: fc.constant({ t: 'restart' as const }), weight: 1 },
);

async function kill(name: string, redirect: boolean): Promise<void> {
  const list = await server.clientList();
  for (const c of list) {
    if (c.name !== name) continue;
    // The subscribed one is the RESP2 redirect connection; the other is the multiplexed one.
    if (redirect === c.sub > 0) await server.cli('CLIENT', 'KILL', 'ID', String(c.id));
  }
}

/** The versions a key may show: null (absent) or a version written since the last restart. */
interface KeyModel {
  /** What the server holds after every acknowledged write: a version, or null. */
  acked: number | null;
  /** Versions at or below this were written before the last restart, or the last FLUSHALL. */
  floor: number;
}

async function checkSynced(c: RespoolClient, model: KeyModel[], step: string): Promise<void> {
  await c.cached.sync();
  for (let i = 0; i < KEYS.length; i++) {
    const got = await c.cached.get(KEYS[i] as string);
    const expected = model[i]?.acked ?? null;
    assert.equal(
      got === null ? null : Number(got),
      expected,
      `${KEYS[i]} after ${step}: a synced cached read must return the last acknowledged value`,
    );
  }
}

for (const protocol of [3, 2] as const) {
  describe(`the guarantee, RESP${protocol}`, () => {
    test('synced cached reads return the last acknowledged write, under faults', async () => {
      let version = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(opArb, { minLength: 1, maxLength: 25 }),
          // Below the key count, the synced reads evict each other (misses, evictions, flights);
          // at or above it, they hit.
          fc.integer({ min: 1, max: KEYS.length + 1 }),
          async (ops, maxEntries) => {
            await server.cli('FLUSHALL');
            const name = `guarantee-${protocol}`;
            const c = createClient({
              url: server.url,
              protocol,
              name,
              cache: { maxEntries, maxBytes: 1 << 20, ttlMs: 60_000 },
              reconnectDelayMs: 10,
              maxReconnectDelayMs: 50,
            });
            const w = createClient({
              url: server.url,
              reconnectDelayMs: 10,
              maxReconnectDelayMs: 50,
            });
            const model: KeyModel[] = KEYS.map(() => ({ acked: null, floor: version }));
            try {
              for (const [n, op] of ops.entries()) {
                const step = `step ${n} ${JSON.stringify(op)}`;
                switch (op.t) {
                  case 'write':
                  case 'ownWrite': {
                    const v = ++version;
                    await (op.t === 'write' ? w : c).set(KEYS[op.k] as string, String(v));
                    (model[op.k] as KeyModel).acked = v;
                    break;
                  }
                  case 'del':
                    await w.del(KEYS[op.k] as string);
                    (model[op.k] as KeyModel).acked = null;
                    break;
                  case 'flushall':
                    await w.flushall();
                    for (const m of model) {
                      m.acked = null;
                      m.floor = version;
                    }
                    break;
                  case 'burst': {
                    const k = KEYS[op.k] as string;
                    const m = model[op.k] as KeyModel;
                    const before = m.floor;
                    const written: number[] = [];
                    const work: Promise<unknown>[] = [];
                    for (let i = 0; i < op.reads + op.writes; i++) {
                      if (
                        i % Math.ceil((op.reads + op.writes) / op.writes) === 0 &&
                        written.length < op.writes
                      ) {
                        const v = ++version;
                        written.push(v);
                        work.push(w.set(k, String(v)));
                      } else work.push(c.cached.get(k));
                    }
                    const results = await Promise.all(work);
                    m.acked = written.at(-1) ?? m.acked;
                    for (const r of results) {
                      if (r === 'OK' || r === null) continue;
                      assert.ok(
                        Number(r) > before && Number(r) <= version,
                        `${step}: read ${String(r)} never existed`,
                      );
                    }
                    break;
                  }
                  case 'kill':
                    await kill(name, op.redirect && protocol === 2);
                    break;
                  case 'restart':
                    await server.restart();
                    for (const m of model) {
                      m.acked = null;
                      m.floor = version;
                    }
                    break;
                }
                await checkSynced(c, model, step);
              }
            } finally {
              await Promise.all([c.close(), w.close()]);
            }
          },
        ),
        { numRuns: 15 },
      );
    });
  });
}
