/**
 * The generic pool with an injected fake factory: cap, LIFO, FIFO waiters, deadlines, aborts,
 * dial failures and backoff, health checks, reset, eviction, leak warnings, close.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Pool, type ResourceFactory } from '../../src/pool/pool.js';

interface Res {
  readonly id: number;
  healthy: boolean;
}

class FakeFactory implements ResourceFactory<Res> {
  next = 1;
  live = new Set<Res>();
  peakLive = 0;
  retired: number[] = [];
  destroyed: number[] = [];
  failNext = 0;
  dialDelayMs = 0;
  dials = 0;
  dialing = 0;
  peakDialing = 0;
  resetResult: boolean | Error = true;

  async create(): Promise<Res> {
    this.dials++;
    this.dialing++;
    this.peakDialing = Math.max(this.peakDialing, this.dialing);
    try {
      if (this.dialDelayMs > 0) await delay(this.dialDelayMs);
      if (this.failNext > 0) {
        this.failNext--;
        throw new Error('ERR max number of clients reached');
      }
      const r = { id: this.next++, healthy: true };
      this.live.add(r);
      this.peakLive = Math.max(this.peakLive, this.live.size);
      return r;
    } finally {
      this.dialing--;
    }
  }
  retire(r: Res): void {
    this.live.delete(r);
    this.retired.push(r.id);
  }
  destroy(r: Res): void {
    this.live.delete(r);
    this.destroyed.push(r.id);
  }
  isHealthy(r: Res): boolean {
    return r.healthy;
  }
  reset(): boolean {
    if (this.resetResult instanceof Error) throw this.resetResult;
    return this.resetResult;
  }
}

describe('budget and ordering', () => {
  test('never more than maxSize resources; waiters are served first come, first served', async () => {
    const f = new FakeFactory();
    f.dialDelayMs = 50;
    const pool = new Pool(f, { maxSize: 3, acquireTimeoutMs: 5000 });
    const order: number[] = [];
    const work = Array.from({ length: 12 }, async (_, i) => {
      const r = await pool.acquire();
      order.push(i);
      await delay(10);
      pool.release(r);
    });
    await delay(2);
    const s = pool.stats();
    assert.equal(s.connecting + s.open, 3, 'three dials for twelve callers');
    assert.equal(s.waiting, 12);
    await Promise.all(work);
    assert.equal(f.peakLive, 3);
    assert.equal(f.dials, 3, 'released resources were reused, not redialled');
    assert.deepEqual(order.slice(3), [3, 4, 5, 6, 7, 8, 9, 10, 11], 'FIFO for waiters');
    assert.equal(pool.stats().idle, 3, 'nothing closed on release');
    assert.ok(pool.stats().waited >= 9);
    await pool.close();
  });

  test('idle resources are reused newest first (LIFO)', async () => {
    const f = new FakeFactory();
    const pool = new Pool(f, { maxSize: 5 });
    const [a, b, c] = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
    pool.release(a!);
    pool.release(b!);
    pool.release(c!);
    await delay(1);
    assert.equal(await pool.acquire(), c);
    assert.equal(await pool.acquire(), b);
    await pool.close(10);
  });

  test('dials are bounded by maxConcurrentDials', async () => {
    const f = new FakeFactory();
    f.dialDelayMs = 10;
    const pool = new Pool(f, { maxSize: 20, maxConcurrentDials: 2 });
    const all = await Promise.all(Array.from({ length: 8 }, () => pool.acquire()));
    assert.equal(f.peakDialing, 2);
    for (const r of all) pool.release(r);
    await pool.close();
  });
});

describe('deadlines, aborts and limits', () => {
  test('a waiter past acquireTimeoutMs gets ERR_POOL_TIMEOUT stating the numbers', async () => {
    const f = new FakeFactory();
    const pool = new Pool(f, { maxSize: 1, acquireTimeoutMs: 30 });
    const held = await pool.acquire();
    await assert.rejects(pool.acquire(), (e: unknown) => {
      const err = e as Error & { code: string; written: boolean };
      assert.equal(err.code, 'ERR_POOL_TIMEOUT');
      assert.equal(err.written, false);
      assert.match(err.message, /1 open \(1 leased, 0 idle\), 0 connecting, 1 waiting, max 1/);
      return true;
    });
    assert.equal(pool.stats().acquireTimeouts, 1);
    assert.equal(pool.stats().waiting, 0);
    pool.release(held);
    await pool.close();
  });

  test('an AbortSignal cancels the wait; the next waiter still gets the resource', async () => {
    const f = new FakeFactory();
    const pool = new Pool(f, { maxSize: 1 });
    const held = await pool.acquire();
    const ac = new AbortController();
    const aborted = pool.acquire({ signal: ac.signal });
    const next = pool.acquire();
    ac.abort(new Error('user gave up'));
    await assert.rejects(aborted, { code: 'ERR_ABORTED' });
    pool.release(held);
    assert.equal(await next, held);
    await assert.rejects(pool.acquire({ signal: AbortSignal.abort() }), { code: 'ERR_ABORTED' });
    pool.release(held);
    await pool.close();
  });

  test('past maxWaiters, acquire fails at once with ERR_QUEUE_FULL', async () => {
    const f = new FakeFactory();
    const pool = new Pool(f, { maxSize: 1, maxWaiters: 2, acquireTimeoutMs: 0 });
    const held = await pool.acquire();
    const w1 = pool.acquire();
    const w2 = pool.acquire();
    await assert.rejects(pool.acquire(), { code: 'ERR_QUEUE_FULL' });
    pool.release(held);
    pool.release(await w1);
    pool.release(await w2);
    await pool.close();
  });

  test('a failed dial frees its slot, backs off, and its reason is the timeout cause', async () => {
    const f = new FakeFactory();
    f.failNext = 1000;
    const pool = new Pool(f, {
      maxSize: 2,
      acquireTimeoutMs: 250,
      dialBackoffMs: 40,
      maxDialBackoffMs: 80,
    });
    await assert.rejects(pool.acquire(), (e: unknown) => {
      assert.equal((e as { code: string }).code, 'ERR_POOL_TIMEOUT');
      assert.match(String((e as Error).cause), /max number of clients reached/);
      return true;
    });
    // Backoff (20..40, 40..80, then ≤80 ms) bounds the attempts in 250 ms: no tight loop.
    assert.ok(f.dials >= 2 && f.dials <= 7, `dials: ${f.dials}`);
    assert.equal(pool.stats().open + pool.stats().connecting, 0);
    f.failNext = 0;
    await delay(100);
    const r = await pool.acquire();
    assert.ok(r.healthy, 'recovers once the factory succeeds');
    pool.release(r);
    await pool.close();
  });
});

describe('health, reset and eviction', () => {
  test('an unhealthy resource is destroyed on release and skipped when idle', async () => {
    const f = new FakeFactory();
    const pool = new Pool(f, { maxSize: 3 });
    const a = await pool.acquire();
    const b = await pool.acquire();
    a.healthy = false;
    pool.release(a);
    assert.deepEqual(f.destroyed, [a.id]);
    pool.release(b);
    await delay(1);
    b.healthy = false;
    const c = await pool.acquire();
    assert.notEqual(c, b);
    assert.deepEqual(f.destroyed, [a.id, b.id]);
    pool.release(c);
    await pool.close();
  });

  test('a failed reset destroys the resource instead of lending it again', async () => {
    const f = new FakeFactory();
    const pool = new Pool(f, { maxSize: 2 });
    const a = await pool.acquire();
    f.resetResult = false;
    pool.release(a);
    await delay(1);
    assert.deepEqual(f.destroyed, [a.id]);
    f.resetResult = new Error('DISCARD failed');
    const b = await pool.acquire();
    pool.release(b);
    await delay(1);
    assert.deepEqual(f.destroyed, [a.id, b.id]);
    await pool.close();
  });

  test('the evictor retires the coldest idle resources, a few per run, down to minIdle', async () => {
    const f = new FakeFactory();
    const pool = new Pool(f, {
      maxSize: 8,
      minIdle: 2,
      idleTimeoutMs: 40,
      evictionIntervalMs: 20,
      maxEvictionsPerRun: 2,
    });
    const all = await Promise.all(Array.from({ length: 8 }, () => pool.acquire()));
    for (const r of all) pool.release(r);
    await delay(1);
    assert.equal(pool.stats().idle, 8);
    // Keep one resource hot, as steady traffic does: LIFO keeps reusing it.
    const stop = Date.now() + 250;
    while (Date.now() < stop) {
      const r = await pool.acquire();
      await delay(5);
      pool.release(r);
    }
    // minIdle counts idle resources; the hot one is in use or just back, so 2 or 3 remain.
    assert.ok(f.live.size === 2 || f.live.size === 3, `live: ${f.live.size}`);
    assert.ok(f.retired.length >= 5, 'the cold tail was retired while traffic kept running');
    assert.ok(!f.retired.includes(all[7]!.id), 'the hot (newest) resource survived');
    assert.ok(f.live.has(all[7]!));
    await pool.close();
  });
});

describe('leaks and close', () => {
  test('a lease held past leakWarningMs emits leak with the acquiring stack', async () => {
    const f = new FakeFactory();
    const pool = new Pool(f, { maxSize: 1, leakWarningMs: 20 });
    const leaks: { heldMs: number; stack: string }[] = [];
    pool.on('leak', (info) => leaks.push(info));
    const r = await pool.acquire();
    await delay(50);
    assert.equal(leaks.length, 1);
    assert.ok(leaks[0]!.heldMs >= 20);
    assert.match(leaks[0]!.stack, /pool\.test\.ts/);
    assert.equal(pool.stats().leakWarnings, 1);
    pool.release(r);
    await pool.close();
  });

  test('close() fails waiters, retires idle, and destroys leases that outlive its deadline', async () => {
    const f = new FakeFactory();
    const pool = new Pool(f, { maxSize: 2, acquireTimeoutMs: 0 });
    const held = await pool.acquire();
    const idle = await pool.acquire();
    pool.release(idle);
    await delay(1);
    const other = await pool.acquire();
    const waiter = assert.rejects(pool.acquire(), { code: 'ERR_POOL_CLOSED' });
    const t0 = Date.now();
    await pool.close(60);
    assert.ok(Date.now() - t0 >= 50, 'waited for the leases up to its deadline');
    await waiter;
    assert.equal(f.live.size, 0);
    assert.deepEqual([...f.destroyed].sort(), [held.id, other.id].sort());
    await assert.rejects(pool.acquire(), { code: 'ERR_POOL_CLOSED' });
    pool.release(held); // late release after close is harmless
  });

  test('close() returns as soon as the last lease comes back', async () => {
    const f = new FakeFactory();
    const pool = new Pool(f, { maxSize: 1 });
    const r = await pool.acquire();
    setTimeout(() => pool.release(r), 20);
    const t0 = Date.now();
    await pool.close(5000);
    assert.ok(Date.now() - t0 < 1000);
    assert.deepEqual(f.retired, [r.id]);
  });
});

test('invalid pool options throw ERR_INVALID_ARGUMENT naming the option', () => {
  const f = new FakeFactory();
  assert.throws(() => new Pool(f, { maxSize: 2, minIdle: 3 }), /"minIdle": 3 is more than/);
  assert.throws(() => new Pool(f, { maxSize: -1 }), /"maxSize"/);
  assert.throws(() => new Pool(f, { maxSize: 2, acquireTimeoutMs: -1 }), /"acquireTimeoutMs".*-1/);
  assert.throws(() => new Pool(f, { maxSize: 2, idleTimeoutMs: 0 }), /"idleTimeoutMs"/);
});

describe('a budget shared by several pools', () => {
  test('pools never hold more than the shared budget together; a freed slot wakes another pool', async () => {
    const { SharedBudget } = await import('../../src/pool/shared-budget.js');
    const budget = new SharedBudget(4);
    budget.reserve(); // one slot kept for something that must always exist
    const fa = new FakeFactory();
    const fb = new FakeFactory();
    const a = new Pool(fa, { maxSize: 5, acquireTimeoutMs: 2000 }, budget);
    const b = new Pool(fb, { maxSize: 5, acquireTimeoutMs: 2000 }, budget);
    const heldA = await Promise.all([a.acquire(), a.acquire()]);
    const heldB = await b.acquire();
    assert.equal(budget.used, 4, '3 leases + 1 reserved');
    const waiting = b.acquire();
    await delay(20);
    assert.equal(b.stats().waiting, 1, 'b waits: its own cap has room, the shared budget has none');
    assert.equal(fa.live.size + fb.live.size, 3);
    // A connection that goes away in pool a frees a slot; pool b dials with it.
    heldA[0]!.healthy = false;
    a.release(heldA[0]!);
    const got = await waiting;
    assert.ok(got.healthy);
    assert.equal(fb.dials, 2);
    assert.ok(budget.used <= 4);
    a.release(heldA[1]!);
    b.release(heldB);
    b.release(got);
    await Promise.all([a.close(), b.close()]);
    assert.equal(budget.used, 1, 'only the reservation is left');
  });
});

test('an idle resource in one pool gives its budget slot to another pool that needs it', async () => {
  const { SharedBudget } = await import('../../src/pool/shared-budget.js');
  const budget = new SharedBudget(2);
  const fa = new FakeFactory();
  const fb = new FakeFactory();
  const a = new Pool(fa, { maxSize: 5, idleTimeoutMs: 60_000 }, budget);
  const b = new Pool(fb, { maxSize: 5, acquireTimeoutMs: 1000 }, budget);
  const [x, y] = await Promise.all([a.acquire(), a.acquire()]);
  a.release(x!);
  a.release(y!);
  await delay(1);
  assert.equal(a.stats().idle, 2, 'pool a holds the whole budget, idle');
  // Pool b must not wait a whole idle timeout: a's coldest idle resource is retired for it.
  const t0 = Date.now();
  const got = await b.acquire();
  assert.ok(Date.now() - t0 < 500);
  assert.equal(a.stats().idle, 1);
  assert.deepEqual(fa.retired, [x!.id], 'the coldest one');
  assert.ok(budget.used <= 2);
  b.release(got);
  await Promise.all([a.close(), b.close()]);
});

describe('refused dials', () => {
  class RefusingFactory extends FakeFactory {
    refuse = true;
    override async create(): Promise<Res> {
      this.dials++;
      if (this.refuse) throw new Error('WRONGPASS invalid username-password pair');
      return super.create();
    }
    isRefusal(error: Error): boolean {
      return error.message.startsWith('WRONGPASS');
    }
  }

  test('a refusal fails every waiter at once, and new acquires until the backoff has passed', async () => {
    const factory = new RefusingFactory();
    const pool = new Pool(factory, {
      maxSize: 2,
      acquireTimeoutMs: 5_000,
      dialBackoffMs: 200,
      maxDialBackoffMs: 200,
    });
    const t0 = performance.now();
    const waits = await Promise.allSettled([pool.acquire(), pool.acquire(), pool.acquire()]);
    assert.ok(performance.now() - t0 < 100, 'failed at once, not at acquireTimeoutMs');
    for (const w of waits) {
      assert.equal(w.status, 'rejected');
      assert.match((w as PromiseRejectedResult).reason.message, /^WRONGPASS/);
    }
    const dials = factory.dials;
    // During the backoff: no new dial, the same refusal.
    await assert.rejects(pool.acquire(), /^Error: WRONGPASS/);
    assert.equal(factory.dials, dials);
    assert.equal(pool.stats().waiting, 0);
    // After the backoff, a fixed server is dialled again and the lease granted.
    factory.refuse = false;
    await delay(220);
    const r = await pool.acquire();
    pool.release(r);
    await pool.close(0);
  });

  test('an error that is not a refusal keeps waiters waiting', async () => {
    const factory = new RefusingFactory();
    factory.isRefusal = () => false;
    const pool = new Pool(factory, { maxSize: 1, acquireTimeoutMs: 5_000, dialBackoffMs: 10 });
    const wait = pool.acquire();
    await delay(50);
    assert.equal(pool.stats().waiting, 1);
    factory.refuse = false;
    const r = await wait;
    pool.release(r);
    await pool.close(0);
  });
});
