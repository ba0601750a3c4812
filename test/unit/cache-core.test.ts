/**
 * The pure cache core: the LRU bounds, TTLs, single-flight and the race rule by epochs. Two
 * fast-check runs: the store against a plain-array LRU model, and the whole core inside a model
 * of one tracking connection (ordered replies and invalidation pushes, a second writer, flushes),
 * checking after every step that no entry holds a value the server no longer has unless that
 * key's invalidation is still on its way.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CacheCore } from '../../src/cache/cache-core.js';
import { cacheKeyOf } from '../../src/cache/cache-key.js';
import { LruStore } from '../../src/cache/lru-store.js';

const limits = { maxEntries: 100, maxBytes: 1 << 20, ttlMs: 60_000 };

describe('cache core', () => {
  test('a stored reply is a hit until its TTL, then a miss', () => {
    const c = new CacheCore(limits);
    const t = c.begin(['k']);
    assert.equal(c.complete('GET k', t, 'v', 1000, 500), true);
    assert.equal(c.lookup('GET k', 1499)?.value, 'v');
    assert.equal(c.lookup('GET k', 1500), undefined);
    const n = c.counters();
    assert.equal(n.hits, 1);
    assert.equal(n.misses, 1);
    assert.equal(n.expirations, 1);
    assert.equal(c.entries, 0);
  });

  test('the configured ttlMs caps the key PTTL, and a zero TTL stores nothing', () => {
    const c = new CacheCore({ ...limits, ttlMs: 100 });
    c.complete('a', c.begin(['a']), 1, 0, 10_000);
    assert.equal(c.lookup('a', 99)?.value, 1);
    assert.equal(c.lookup('a', 100), undefined);
    assert.equal(c.complete('b', c.begin(['b']), 1, 0, 0), false);
    assert.equal(c.watchedKeys, 0);
  });

  test('an invalidation that arrives while the read is in flight keeps its reply out', () => {
    const c = new CacheCore(limits);
    const t = c.begin(['k']);
    c.invalidate('k');
    assert.equal(c.complete('GET k', t, 'old', 0), false);
    assert.equal(c.lookup('GET k', 0), undefined);
    assert.equal(c.counters().racedReplies, 1);
    // The next read, sent after the invalidation, is stored.
    assert.equal(c.complete('GET k', c.begin(['k']), 'new', 0), true);
    assert.equal(c.watchedKeys, 0);
  });

  test('an invalidation of another key does not disturb the read', () => {
    const c = new CacheCore(limits);
    const t = c.begin(['k']);
    c.invalidate('other');
    assert.equal(c.complete('GET k', t, 'v', 0), true);
  });

  test('a flush while a read is in flight keeps its reply out, and empties the cache', () => {
    const c = new CacheCore(limits);
    c.complete('GET a', c.begin(['a']), 1, 0);
    const t = c.begin(['k']);
    c.flush();
    assert.equal(c.entries, 0);
    assert.equal(c.bytes, 0);
    assert.equal(c.complete('GET k', t, 'v', 0), false);
  });

  test('an invalidation removes every entry that depends on the key, multi-key ones included', () => {
    const c = new CacheCore(limits);
    c.complete('GET a', c.begin(['a']), 1, 0);
    c.complete('HGET a f', c.begin(['a']), 2, 0);
    c.complete('MGET a b', c.begin(['a', 'b']), [1, 3], 0);
    c.complete('GET b', c.begin(['b']), 3, 0);
    c.invalidate('a');
    assert.deepEqual(c.keysByRecency(), ['GET b']);
    assert.equal(c.counters().invalidatedEntries, 3);
  });

  test('concurrent misses join one flight; a read after an invalidation does not', () => {
    const c = new CacheCore(limits);
    const t = c.begin(['k']);
    const p = Promise.resolve('v');
    c.publish('GET k', t, p);
    assert.equal(c.flight('GET k'), p);
    assert.equal(c.flight('GET k'), p);
    assert.equal(c.counters().joinedMisses, 2);
    c.invalidate('k');
    assert.equal(c.flight('GET k'), undefined);
    c.abandon('GET k', t);
    assert.equal(c.watchedKeys, 0);
  });

  test('a finished flight is no longer joinable', () => {
    const c = new CacheCore(limits);
    const t = c.begin(['k']);
    c.publish('GET k', t, Promise.resolve(1));
    c.complete('GET k', t, 1, 0);
    assert.equal(c.flight('GET k'), undefined);
  });

  test('LRU: maxEntries evicts the least recently used; a hit refreshes', () => {
    const s = new LruStore(2, 1 << 20);
    s.set('a', ['a'], 1, 10, Number.POSITIVE_INFINITY);
    s.set('b', ['b'], 2, 10, Number.POSITIVE_INFINITY);
    s.get('a', 0);
    s.set('c', ['c'], 3, 10, Number.POSITIVE_INFINITY);
    assert.deepEqual(s.keysByRecency(), ['c', 'a']);
    assert.equal(s.counters.evictions, 1);
  });

  test('LRU: maxBytes evicts until the bytes fit; an entry larger than maxBytes is refused', () => {
    const s = new LruStore(100, 100);
    s.set('a', ['a'], 1, 40, Number.POSITIVE_INFINITY);
    s.set('b', ['b'], 2, 40, Number.POSITIVE_INFINITY);
    s.set('c', ['c'], 3, 40, Number.POSITIVE_INFINITY);
    assert.deepEqual(s.keysByRecency(), ['c', 'b']);
    assert.equal(s.bytes, 80);
    assert.equal(s.set('d', ['d'], 4, 101, Number.POSITIVE_INFINITY), false);
    assert.equal(s.bytes, 80);
  });

  test('cache keys are unambiguous and refuse what cannot be matched to an invalidation', () => {
    assert.notEqual(
      cacheKeyOf(['HGET', 'a\0b', 'c'], false),
      cacheKeyOf(['HGET', 'a', 'b\0c'], false),
    );
    assert.notEqual(cacheKeyOf(['GET', 'k'], false), cacheKeyOf(['GET', 'k'], true));
    assert.equal(cacheKeyOf(['GET', Buffer.from('k')], false), undefined);
    assert.equal(cacheKeyOf(['GET', '\uD800'], false), undefined);
    assert.equal(
      cacheKeyOf(['LRANGE', 'k', 0, -1], false),
      cacheKeyOf(['LRANGE', 'k', '0', '-1'], false),
    );
  });
});

describe('cache core, property-based', () => {
  test('the store behaves like a plain LRU within its bounds', () => {
    const op = fc.oneof(
      fc.record({
        t: fc.constant('set' as const),
        k: fc.integer({ min: 0, max: 9 }),
        b: fc.integer({ min: 1, max: 40 }),
      }),
      fc.record({ t: fc.constant('get' as const), k: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ t: fc.constant('del' as const), k: fc.integer({ min: 0, max: 9 }) }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 40, max: 150 }),
        fc.array(op, { maxLength: 80 }),
        (maxEntries, maxBytes, ops) => {
          const s = new LruStore(maxEntries, maxBytes);
          // Model: most recent first, [key, bytes].
          let model: [string, number][] = [];
          for (const o of ops) {
            const key = `k${o.k}`;
            if (o.t === 'set') {
              model = model.filter(([k]) => k !== key);
              s.set(key, [key], o.k, o.b, Number.POSITIVE_INFINITY);
              model.unshift([key, o.b]);
              const total = (): number => model.reduce((n, [, b]) => n + b, 0);
              while (model.length > maxEntries || total() > maxBytes) model.pop();
            } else if (o.t === 'get') {
              const hit = s.get(key, 0) !== undefined;
              const i = model.findIndex(([k]) => k === key);
              assert.equal(hit, i >= 0);
              if (i >= 0) model.unshift(...model.splice(i, 1));
            } else {
              s.deleteKey(key);
              model = model.filter(([k]) => k !== key);
            }
            assert.deepEqual(
              s.keysByRecency(),
              model.map(([k]) => k),
            );
            assert.ok(s.size <= maxEntries && s.bytes <= maxBytes);
            assert.equal(
              s.bytes,
              model.reduce((n, [, b]) => n + b, 0),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  /**
   * A tracking client as Redis runs it: requests are processed in order; a key read is tracked
   * until its next invalidation; a second client writes at any moment. Default mode: replies and
   * invalidation pushes share one connection, in the order the server produced them. Redirect
   * mode (RESP2): invalidations travel on another connection, so they can overtake a reply. A
   * disconnect loses everything on the wire, untracks every key and flushes the cache.
   * `ignoreRace` stores replies whatever their epochs say: the model must catch that.
   */
  type Op =
    | { t: 'read'; k: number }
    | { t: 'serve' }
    | { t: 'deliver' }
    | { t: 'deliverInval' }
    | { t: 'write'; k: number }
    | { t: 'flushall' }
    | { t: 'disconnect' }
    | { t: 'tick'; ms: number };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    {
      arbitrary: fc.record({ t: fc.constant('read' as const), k: fc.integer({ min: 0, max: 3 }) }),
      weight: 4,
    },
    { arbitrary: fc.constant({ t: 'serve' as const }), weight: 4 },
    { arbitrary: fc.constant({ t: 'deliver' as const }), weight: 4 },
    { arbitrary: fc.constant({ t: 'deliverInval' as const }), weight: 3 },
    {
      arbitrary: fc.record({ t: fc.constant('write' as const), k: fc.integer({ min: 0, max: 3 }) }),
      weight: 3,
    },
    { arbitrary: fc.constant({ t: 'flushall' as const }), weight: 1 },
    { arbitrary: fc.constant({ t: 'disconnect' as const }), weight: 1 },
    {
      arbitrary: fc.record({
        t: fc.constant('tick' as const),
        ms: fc.integer({ min: 0, max: 50 }),
      }),
      weight: 1,
    },
  );

  function runModel(ops: Op[], maxEntries: number, redirect: boolean, ignoreRace: boolean): void {
    const core = new CacheCore({ maxEntries, maxBytes: 1 << 20, ttlMs: 100 });
    const server = new Map<string, number>();
    const tracked = new Set<string>();
    let version = 0;
    type Read = { key: string; ck: string; ticket: ReturnType<CacheCore['begin']> };
    let toServer: Read[] = [];
    type Msg =
      | { t: 'reply'; read: Read; value: number | null }
      | { t: 'inval'; key: string | null };
    let replies: Msg[] = [];
    // One queue in default mode: invalidations are pushed onto the replies' own connection.
    let invals: Msg[] = redirect ? [] : replies;
    let now = 0;
    let inFlight = 0;
    const settle = (read: Read, value: number | null | undefined): void => {
      inFlight--;
      if (value === undefined) core.abandon(read.ck, read.ticket);
      else if (ignoreRace) {
        core.abandon(read.ck, read.ticket);
        core.complete(read.ck, core.begin([read.key]), value, now);
      } else core.complete(read.ck, read.ticket, value, now);
    };
    const handle = (m: Msg): void => {
      if (m.t === 'reply') settle(m.read, m.value);
      else if (m.key === null) core.invalidateAll();
      else core.invalidate(m.key);
    };
    for (const o of ops) {
      switch (o.t) {
        case 'read': {
          const key = `k${o.k}`;
          const ck = `GET ${key}`;
          if (core.lookup(ck, now) !== undefined) break;
          if (core.flight(ck) !== undefined) break;
          const read = { key, ck, ticket: core.begin([key]) };
          core.publish(ck, read.ticket, Promise.resolve());
          inFlight++;
          toServer.push(read);
          break;
        }
        case 'serve': {
          const read = toServer.shift();
          if (read === undefined) break;
          tracked.add(read.key);
          replies.push({ t: 'reply', read, value: server.get(read.key) ?? null });
          break;
        }
        case 'deliver': {
          const m = replies.shift();
          if (m !== undefined) handle(m);
          break;
        }
        case 'deliverInval': {
          const m = invals.shift();
          if (m !== undefined) handle(m);
          break;
        }
        case 'write': {
          const key = `k${o.k}`;
          server.set(key, ++version);
          if (tracked.delete(key)) invals.push({ t: 'inval', key });
          break;
        }
        case 'flushall':
          server.clear();
          if (tracked.size > 0) invals.push({ t: 'inval', key: null });
          tracked.clear();
          break;
        case 'disconnect':
          core.flush();
          for (const r of toServer) settle(r, undefined);
          for (const m of replies) if (m.t === 'reply') settle(m.read, undefined);
          toServer = [];
          replies = [];
          invals = redirect ? [] : replies;
          tracked.clear();
          break;
        case 'tick':
          now += o.ms;
          break;
      }
      // The invariant: a cached value differs from the server's only while an invalidation of
      // that key (or a flush-all) is still on its way to the client.
      for (let k = 0; k < 4; k++) {
        const key = `k${k}`;
        const e = core.lookup(`GET ${key}`, now);
        if (e === undefined) continue;
        const pending = invals.some((m) => m.t === 'inval' && (m.key === key || m.key === null));
        if (!pending) assert.equal(e.value, server.get(key) ?? null, `stale ${key}`);
      }
    }
    // Drain: once everything is delivered, nothing is stale and nothing is watched.
    for (const r of toServer) {
      tracked.add(r.key);
      replies.push({ t: 'reply', read: r, value: server.get(r.key) ?? null });
    }
    for (const m of [...replies, ...(redirect ? invals : [])]) handle(m);
    assert.equal(inFlight, 0);
    assert.equal(core.watchedKeys, 0);
  }

  for (const redirect of [false, true]) {
    test(`no entry is ever stale unless its invalidation is on its way (${redirect ? 'redirect' : 'default'} mode)`, () => {
      fc.assert(
        fc.property(
          fc.array(opArb, { maxLength: 120 }),
          fc.integer({ min: 1, max: 4 }),
          (ops, maxEntries) => runModel(ops, maxEntries, redirect, false),
        ),
        { numRuns: 500 },
      );
    });
  }

  test('the model catches a cache that ignores the race rule (redirect mode)', () => {
    const result = fc.check(
      fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => runModel(ops, 4, true, true)),
      // A counterexample needs a rare interleaving: 2000 runs missed it about one time in three;
      // the check stops at the first one found, so many runs cost only when it is not found.
      { numRuns: 30_000 },
    );
    assert.equal(result.failed, true);
  });
});
