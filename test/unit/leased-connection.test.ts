/**
 * LeasedConnection and LeaseState against a fake connection (no sockets): commands go to the
 * leased connection in order, state changes are tracked for the reset, the handle dies at
 * release, SUBSCRIBE is refused, a blocking command past its deadline destroys the connection.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Expiring } from '../../src/client/lease-limit.js';
import { LeaseState } from '../../src/client/lease-state.js';
import { LeasedConnection } from '../../src/client/leased-connection.js';
import { resolveClientOptions } from '../../src/client/options.js';
import type { CommandPolicy } from '../../src/client/promise-command.js';
import { createCounters } from '../../src/client/stats.js';
import { createClientScope } from '../../src/metrics/client-scope.js';
import { Deadlines } from '../../src/util/deadlines.js';
import { FakeConnection } from '../helpers/fake-connection.js';

const POLICY: CommandPolicy = {
  returnBuffers: false,
  timeoutMs: 0,
  idempotent: false,
  signal: undefined,
};

function lease(conn = new FakeConnection(), blockingGraceMs = 20) {
  const state = new LeaseState(0, 'app');
  const counters = createCounters();
  const handle = new LeasedConnection(conn.asConnection(), state, POLICY, {
    counters,
    blockingGraceMs,
    scope: createClientScope(resolveClientOptions({ port: 1 })),
    deadlines: new Deadlines<Expiring>((item) => item.expire(), { ref: true }),
  });
  return { conn, state, handle, counters };
}

test('commands go to the leased connection, in order, and settle with its replies', async () => {
  const { conn, handle, counters } = lease();
  const a = handle.set('k', 'v');
  const b = handle.get('k');
  assert.deepEqual(conn.sent, [
    ['SET', 'k', 'v'],
    ['GET', 'k'],
  ]);
  conn.answer('OK');
  conn.answer('v');
  assert.equal(await a, 'OK');
  assert.equal(await b, 'v');
  assert.equal(counters.commandsSent, 2);
});

test('what the lease changes is tracked: the reset undoes exactly that', () => {
  const { handle, state } = lease();
  assert.deepEqual(state.resetCommands(), []);
  void handle.watch('k');
  void handle.select(3);
  void handle.clientSetname('worker');
  assert.deepEqual(state.resetCommands(), [
    ['UNWATCH'],
    ['SELECT', 0],
    ['CLIENT', 'SETNAME', 'app'],
  ]);
  void handle.call('MULTI');
  assert.deepEqual(state.resetCommands()?.[0], ['DISCARD']);
  void handle.clientNoEvict(true);
  assert.equal(state.resetCommands(), undefined, 'cannot be undone: the connection is destroyed');
});

test('after release the handle refuses commands; SUBSCRIBE is refused on a lease', async () => {
  const { conn, handle } = lease();
  await assert.rejects(handle.call('SUBSCRIBE', 'ch'), { code: 'ERR_INVALID_ARGUMENT' });
  handle.end();
  await assert.rejects(handle.get('k'), { code: 'ERR_CLIENT_CLOSED' });
  assert.equal(conn.sent.length, 0);
});

test('a blocking command past its timeout plus grace destroys the connection', async () => {
  const { conn, handle } = lease(new FakeConnection(), 20);
  const blpop = handle.blpop(['q'], 0.03);
  assert.deepEqual(conn.sent[0], ['BLPOP', 'q', 0.03]);
  await assert.rejects(blpop, (error: Error & { written?: boolean }) => error.written === true);
  assert.equal(conn.state, 'closed');
  assert.equal(conn.destroyedWith?.name, 'CommandTimeoutError');
  await delay(0);
});
