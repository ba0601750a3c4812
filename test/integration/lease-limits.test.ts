/**
 * A granted lease ends when its signal aborts or its maxLeaseMs passes, whatever its callback
 * does: the call rejects at once, the connection is destroyed and the slot comes back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
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

/** Resolves once `fn` has been entered, with the lease's own promise. */
function hangingLease(
  client: RespoolClient,
  options: { signal?: AbortSignal; maxLeaseMs?: number },
  body: (conn: Parameters<Parameters<RespoolClient['withConnection']>[0]>[0]) => Promise<unknown>,
): { entered: Promise<void>; done: Promise<unknown> } {
  let entered!: () => void;
  const enteredP = new Promise<void>((r) => {
    entered = r;
  });
  const done = client.withConnection((conn) => {
    entered();
    return body(conn);
  }, options);
  // Observed by the test below; attached now so an early rejection is never unhandled.
  done.catch(() => undefined);
  return { entered: enteredP, done };
}

describe('ending a granted lease', () => {
  test('5 aborted hanging leases free their slots: the next lease is granted at once', async () => {
    // Two exclusive connections (maxConnections 3, one slot for the multiplexed connection).
    const client = createClient({ url: server.url, maxConnections: 3, acquireTimeoutMs: 2_000 });
    try {
      for (let i = 0; i < 5; i++) {
        const controller = new AbortController();
        const lease = hangingLease(
          client,
          { signal: controller.signal },
          () => new Promise(() => {}),
        );
        await lease.entered;
        const t0 = performance.now();
        controller.abort(new Error('caller gave up'));
        await assert.rejects(lease.done, (error: Error & { code?: string; written?: boolean }) => {
          assert.equal(error.code, 'ERR_ABORTED');
          assert.equal(error.written, true);
          assert.equal((error.cause as Error).message, 'caller gave up');
          return true;
        });
        // Milliseconds on an idle machine; the bound leaves room for a loaded one.
        assert.ok(performance.now() - t0 < 500, 'the abort ends the lease at once');
      }
      assert.equal(client.stats().leased, 0);
      const t0 = performance.now();
      assert.equal(await client.withConnection((c) => c.ping()), 'PONG');
      // Had a slot still been held, the lease would wait out acquireTimeoutMs (2 s) and fail.
      assert.ok(performance.now() - t0 < 1_000, 'the new lease did not wait for a slot');
      assert.ok(client.stats().destroyed >= 5, 'each aborted lease destroyed its connection');
    } finally {
      await client.close();
    }
  });

  test('a lease in BLPOP 0 is aborted: the call rejects, the server stops blocking for it', async () => {
    const client = createClient({ url: server.url, maxConnections: 2, acquireTimeoutMs: 500 });
    try {
      const controller = new AbortController();
      let blpop: Promise<unknown> | undefined;
      const lease = hangingLease(client, { signal: controller.signal }, (conn) => {
        blpop = conn.blpop(['lease-limits:empty'], 0);
        return blpop;
      });
      await lease.entered;
      // Wait until the server sees the connection blocked.
      for (let i = 0; i < 100 && !(await server.cli('CLIENT', 'LIST')).includes('cmd=blpop'); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      controller.abort();
      await assert.rejects(lease.done, { code: 'ERR_ABORTED' });
      // The BLPOP on the destroyed connection failed too: nobody is left waiting for it.
      await assert.rejects(blpop!, (e: Error & { written?: boolean }) => e.written === true);
      // The only exclusive slot is free again, and the server no longer blocks for the old one.
      await client.rpush('lease-limits:empty', 'x');
      assert.deepEqual(await client.withConnection((c) => c.lpop('lease-limits:empty')), 'x');
    } finally {
      await client.close();
    }
  });

  test('maxLeaseMs ends a hanging lease with ERR_LEASE_TIMEOUT and frees its slot', async () => {
    const client = createClient({ url: server.url, maxConnections: 2, acquireTimeoutMs: 200 });
    try {
      const t0 = performance.now();
      const lease = hangingLease(client, { maxLeaseMs: 100 }, () => new Promise(() => {}));
      await assert.rejects(lease.done, (error: Error & { code?: string; written?: boolean }) => {
        assert.equal(error.code, 'ERR_LEASE_TIMEOUT');
        assert.equal(error.written, true);
        return true;
      });
      const took = performance.now() - t0;
      assert.ok(took >= 95 && took < 1000, `ended after ${took} ms`);
      assert.equal(await client.withConnection((c) => c.ping()), 'PONG');
    } finally {
      await client.close();
    }
  });

  test('a lease that finishes in time is untouched by its limits', async () => {
    const client = createClient({ url: server.url, maxConnections: 2 });
    try {
      const controller = new AbortController();
      const result = await client.withConnection(
        async (c) => {
          await c.set('lease-limits:k', 'v');
          return c.get('lease-limits:k');
        },
        { signal: controller.signal, maxLeaseMs: 5_000 },
      );
      assert.equal(result, 'v');
      controller.abort();
      // The connection went back to the pool (not destroyed) and is reused.
      const before = client.stats().destroyed;
      assert.equal(await client.withConnection((c) => c.ping()), 'PONG');
      assert.equal(client.stats().destroyed, before);
    } finally {
      await client.close();
    }
  });

  test('an invalid maxLeaseMs throws synchronously, naming it', () => {
    const client = createClient({ url: server.url });
    try {
      assert.throws(() => client.withConnection(() => 1, { maxLeaseMs: -1 }), {
        code: 'ERR_INVALID_ARGUMENT',
        message: /maxLeaseMs/,
      });
    } finally {
      void client.close();
    }
  });
});

describe('a refused connection fails leases at once', () => {
  test('wrong password: ready(), commands, leases, blocking commands and subscribe all fail at once with WRONGPASS', async () => {
    const secured = await startRedis({ password: 'right-secret' });
    const url = `redis://:wrong-secret@127.0.0.1:${secured.port}`;
    const client = createClient({ url, acquireTimeoutMs: 5_000, connectTimeoutMs: 2_000 });
    const wrongPass = (error: Error & { prefix?: string; code?: string }) => {
      assert.equal(error.code, 'ERR_REPLY');
      assert.equal(error.prefix, 'WRONGPASS');
      assert.doesNotMatch(error.message, /wrong-secret/);
      return true;
    };
    try {
      const t0 = performance.now();
      await assert.rejects(client.ready(), wrongPass);
      await assert.rejects(client.get('k'), wrongPass);
      await assert.rejects(
        client.withConnection((c) => c.ping()),
        wrongPass,
      );
      // Several waiters at once: the one refused dial fails them all.
      const leases = await Promise.allSettled(
        Array.from({ length: 3 }, () => client.withConnection((c) => c.ping())),
      );
      for (const r of leases) {
        assert.equal(r.status, 'rejected');
        wrongPass((r as PromiseRejectedResult).reason);
      }
      await assert.rejects(client.blpop(['k'], 1), wrongPass);
      await assert.rejects(
        client.subscribe('ch', () => undefined),
        wrongPass,
      );
      const took = performance.now() - t0;
      assert.ok(
        took < 2_000,
        `everything failed at once (${Math.round(took)} ms), not after acquireTimeoutMs`,
      );
      assert.equal(client.stats().leased, 0);
      assert.equal(client.stats().waitingForLease, 0);
    } finally {
      await client.close();
      await secured.stop();
    }
  });
});
