/**
 * The pool of connections (Pool + the Redis resource factory) against fake connections (no
 * sockets): reset on release sends exactly the undo commands, an error reply or an unrestorable
 * lease destroys, a connection the server closes while idle is dropped, a refused handshake
 * fails waiters at once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createConnectionPool } from '../../src/client/connection-pool.js';
import { LeaseState } from '../../src/client/lease-state.js';
import { toConnectionOptions } from '../../src/client/option-slices.js';
import { resolveClientOptions } from '../../src/client/options.js';
import { ReplyError } from '../../src/errors.js';
import { type FakeConnection, FakeDialer } from '../helpers/fake-connection.js';

function setup() {
  const dialer = new FakeDialer();
  const pool = createConnectionPool(
    toConnectionOptions(resolveClientOptions({ port: 1 })),
    { maxSize: 2, acquireTimeoutMs: 2_000, dialBackoffMs: 200, maxDialBackoffMs: 200 },
    undefined,
    100,
    undefined,
    dialer.open,
  );
  return { dialer, pool };
}

/** Answer the reset commands the fake receives, as the server would. */
async function answerReset(conn: FakeConnection, replies: unknown[]): Promise<void> {
  for (let i = 0; i < 50 && conn.inFlight < replies.length; i++) await delay(1);
  for (const reply of replies) conn.answer(reply as string);
}

test('a clean lease goes back idle without a round trip', async () => {
  const { dialer, pool } = setup();
  const conn = await pool.acquire();
  pool.track(conn, new LeaseState(0, undefined));
  pool.release(conn);
  await delay(0);
  assert.equal(pool.stats().idle, 1);
  assert.equal(dialer.last.sent.length, 0);
  assert.equal(await pool.acquire(), conn, 'the same connection is lent again');
  await pool.close(0);
});

test('release sends exactly the undo commands; an error reply destroys the connection', async () => {
  const { dialer, pool } = setup();
  const conn = await pool.acquire();
  const state = new LeaseState(0, 'app');
  state.observe(['SELECT', 2]);
  state.observe(['WATCH', 'k']);
  pool.track(conn, state);
  pool.release(conn);
  const fake = dialer.last;
  await answerReset(fake, ['OK', 'OK']);
  await delay(0);
  assert.deepEqual(fake.sent, [['UNWATCH'], ['SELECT', 0]]);
  assert.equal(pool.stats().idle, 1);

  const again = await pool.acquire();
  const dirty = new LeaseState(0, undefined);
  dirty.observe(['SELECT', 5]);
  pool.track(again, dirty);
  pool.release(again);
  await answerReset(fake, [new ReplyError('ERR DB index is out of range')]);
  await delay(0);
  assert.equal(pool.stats().idle, 0);
  assert.equal(fake.state, 'closed', 'a failed reset destroys');
  await pool.close(0);
});

test('an unrestorable lease, or one with replies owed, is destroyed on release', async () => {
  const { dialer, pool } = setup();
  const conn = await pool.acquire();
  const state = new LeaseState(0, undefined);
  state.observe(['CLIENT', 'TRACKING', 'ON']);
  pool.track(conn, state);
  pool.release(conn);
  await delay(0);
  assert.equal(dialer.last.state, 'closed');
  const owing = await pool.acquire();
  dialer.last.send({
    args: ['GET', 'k'],
    settled: false,
    returnBuffers: false,
    reply() {},
    fail() {},
  });
  pool.release(owing);
  assert.equal(dialer.last.state, 'closed', 'not clean: destroyed, never lent with a reply owed');
  assert.equal(pool.stats().idle, 0);
  await pool.close(0);
});

test('an idle connection the server closes is dropped at once', async () => {
  const { dialer, pool } = setup();
  const conn = await pool.acquire();
  pool.release(conn);
  await delay(0);
  assert.equal(pool.stats().idle, 1);
  dialer.last.drop();
  assert.equal(pool.stats().idle, 0);
  const fresh = await pool.acquire();
  assert.notEqual(fresh, conn);
  await pool.close(0);
});

test('a refused handshake fails every waiter at once with its error', async () => {
  const { dialer, pool } = setup();
  const refused = new ReplyError('WRONGPASS invalid username-password pair');
  // Two waiters, two dials in parallel: both refused.
  dialer.failures.push(refused, refused);
  const results = await Promise.allSettled([pool.acquire(), pool.acquire()]);
  assert.deepEqual(
    results.map((r) => (r.status === 'rejected' ? r.reason : r.value)),
    [refused, refused],
  );
  const dials = dialer.dials;
  await assert.rejects(pool.acquire(), (e) => e === refused);
  assert.equal(dialer.dials, dials, 'no new dial during the backoff');
  await pool.close(0);
});
