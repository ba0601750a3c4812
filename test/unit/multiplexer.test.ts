/**
 * The multiplexer against fake connections (no sockets): queueing while connecting, order,
 * fail-fast before the first connection, resending after a loss, congestion and `drain`,
 * deadlines of waiting commands, close.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { ClientEvents } from '../../src/client/events.js';
import { Multiplexer } from '../../src/client/multiplexer.js';
import { resolveClientOptions } from '../../src/client/options.js';
import { BasicCommand } from '../../src/connection/pending-command.js';
import { ReplyError } from '../../src/errors.js';
import type { RespValue } from '../../src/protocol/resp-types.js';
import { FakeDialer } from '../helpers/fake-connection.js';

function setup(options: Record<string, unknown> = {}) {
  const dialer = new FakeDialer();
  const events = new EventEmitter<ClientEvents>();
  const seen: string[] = [];
  for (const name of ['connect', 'close', 'reconnecting', 'drain'] as const) {
    events.on(name, () => seen.push(name));
  }
  const mux = new Multiplexer(
    resolveClientOptions({ port: 1, reconnectDelayMs: 10, maxReconnectDelayMs: 20, ...options }),
    events,
    () => undefined,
    dialer.open,
  );
  return { dialer, events, seen, mux };
}

/** A command whose outcome is recorded: `{ value }` or `{ error }`. */
function command(args: string[], timeoutMs = 0) {
  const outcome: { value?: RespValue; error?: Error & { code?: string; written?: boolean } } = {};
  const cmd = new BasicCommand({
    args,
    deadline: timeoutMs > 0 ? performance.now() + timeoutMs : 0,
    timeoutMs,
    reply: (value) => {
      outcome.value = value;
    },
    fail: (error) => {
      outcome.error = error;
    },
  });
  return { cmd, outcome };
}

test('commands sent before the connection exists wait, then go out in order', async () => {
  const { dialer, mux, seen } = setup();
  const a = command(['SET', 'k', '1']);
  const b = command(['GET', 'k']);
  assert.equal(mux.send(a.cmd), false, 'not straight onto a connection');
  mux.send(b.cmd);
  assert.equal(mux.stats().queued, 2);
  await delay(0);
  assert.equal(dialer.dials, 1, 'single-flight: one dial for both');
  const conn = dialer.last;
  assert.deepEqual(
    conn.sent.map((args) => args[0]),
    ['SET', 'GET', 'CONFIG'],
  );
  conn.answer('OK');
  conn.answer('1');
  assert.equal(a.outcome.value, 'OK');
  assert.equal(b.outcome.value, '1');
  assert.ok(seen.includes('connect'));
  assert.equal(mux.send(command(['PING']).cmd), true, 'straight onto the ready connection');
  mux.destroy();
});

test('before the first connection, a failed dial fails the waiting commands and new ones at once', async () => {
  const { dialer, mux } = setup({ reconnectDelayMs: 1_000, maxReconnectDelayMs: 1_000 });
  const refused = new ReplyError('WRONGPASS invalid username-password pair');
  dialer.failures.push(refused);
  const a = command(['GET', 'k']);
  mux.send(a.cmd);
  await delay(0);
  assert.equal(a.outcome.error, refused);
  const b = command(['GET', 'k']);
  mux.send(b.cmd);
  assert.equal(b.outcome.error, refused, 'failed during the backoff without a new dial');
  assert.equal(dialer.dials, 1);
  mux.destroy();
});

test('a lost connection: written retryable commands go first on the next one, others fail', async () => {
  const { dialer, mux, seen } = setup();
  await mux.connect();
  const first = dialer.last;
  const written = command(['INCR', 'n']);
  const read = command(['GET', 'k']);
  // Asked by the dying connection: safe to send again (a read, say).
  Object.assign(read.cmd, { retryable: () => true });
  mux.send(written.cmd);
  mux.send(read.cmd);
  first.drop();
  // Not retryable (a BasicCommand never is): it failed, written.
  assert.equal(written.outcome.error?.code, 'ERR_CONNECTION_CLOSED');
  assert.equal(written.outcome.error?.written, true);
  assert.deepEqual(seen.slice(-2), ['close', 'reconnecting']);
  const later = command(['GET', 'later']);
  mux.send(later.cmd);
  await delay(0);
  assert.equal(dialer.made.length, 2);
  assert.deepEqual(
    dialer.last.sent.slice(0, 2),
    [
      ['GET', 'k'],
      ['GET', 'later'],
    ],
    'the replayed command first, then what was queued since',
  );
  dialer.last.answer('v');
  assert.equal(read.outcome.value, 'v');
  assert.equal(mux.stats().reconnects, 1);
  mux.destroy();
});

test('a congested connection: later commands wait under the bound, then drain', async () => {
  const { dialer, mux, seen } = setup();
  await mux.connect();
  const conn = dialer.last;
  conn.congested = true;
  assert.equal(mux.send(command(['SET', 'a', '1']).cmd), false, 'the socket is congested');
  const waiting = command(['SET', 'b', '2']);
  assert.equal(mux.send(waiting.cmd), false);
  assert.equal(mux.stats().queued, 1, 'held back, not written');
  conn.drain();
  assert.equal(mux.stats().queued, 0);
  assert.deepEqual(conn.sent.at(-1), ['SET', 'b', '2']);
  assert.ok(seen.includes('drain'));
  mux.destroy();
});

test('past maxQueuedCommands a command fails with ERR_QUEUE_FULL, unsent', async () => {
  const { mux } = setup({ maxQueuedCommands: 1 });
  mux.send(command(['GET', 'a']).cmd);
  const over = command(['GET', 'b']);
  mux.send(over.cmd);
  assert.equal(over.outcome.error?.code, 'ERR_QUEUE_FULL');
  assert.equal(over.outcome.error?.written, false);
  mux.destroy();
});

test('a waiting command fails at its deadline, unsent; it is not written later', async () => {
  const { dialer, mux } = setup();
  await mux.connect();
  const conn = dialer.last;
  conn.congested = true;
  mux.send(command(['SET', 'a', '1']).cmd);
  const late = command(['GET', 'k'], 30);
  mux.send(late.cmd);
  await delay(60);
  assert.equal(late.outcome.error?.code, 'ERR_COMMAND_TIMEOUT');
  assert.equal(late.outcome.error?.written, false);
  conn.drain();
  assert.ok(!conn.sent.some((args) => args[0] === 'GET'), 'a settled command is dropped unsent');
  mux.destroy();
});

test('every waiting command expired with no connection: the owed drain comes', async () => {
  const { dialer, mux, seen } = setup();
  dialer.hang = true;
  const a = command(['GET', 'a'], 20);
  const b = command(['GET', 'b'], 30);
  assert.equal(mux.send(a.cmd), false);
  mux.send(b.cmd);
  await delay(15);
  assert.ok(!seen.includes('drain'), 'not while a command still waits');
  await delay(50);
  assert.equal(a.outcome.error?.code, 'ERR_COMMAND_TIMEOUT');
  assert.equal(b.outcome.error?.code, 'ERR_COMMAND_TIMEOUT');
  assert.deepEqual(
    seen.filter((e) => e === 'drain'),
    ['drain'],
    'a producer paused at send() === false may go on',
  );
  mux.destroy();
});

test('destroy fails what waits with ERR_CLIENT_CLOSED and refuses new commands', async () => {
  const { mux } = setup();
  const a = command(['GET', 'k']);
  mux.send(a.cmd);
  mux.destroy();
  assert.equal(a.outcome.error?.code, 'ERR_CLIENT_CLOSED');
  const b = command(['GET', 'k']);
  mux.send(b.cmd);
  assert.equal(b.outcome.error?.code, 'ERR_CLIENT_CLOSED');
});

test('idle: connected, and nothing unanswered or waiting (a command sent now travels alone)', async () => {
  const { dialer, mux } = setup();
  assert.equal(mux.idle, false, 'no connection yet');
  const a = command(['GET', 'k']);
  mux.send(a.cmd);
  await delay(0);
  const conn = dialer.last;
  conn.answer('v');
  await delay(0); // the CONFIG GET the multiplexer sends on a new connection is answered too
  assert.equal(mux.idle, true);
  mux.send(command(['GET', 'k']).cmd);
  assert.equal(mux.idle, false, 'a command in flight');
  conn.answer('v');
  assert.equal(mux.idle, true);
  conn.congested = true;
  mux.send(command(['GET', 'k']).cmd);
  mux.send(command(['GET', 'k']).cmd);
  conn.answer('v');
  assert.equal(mux.idle, false, 'a command waits behind the congested socket');
  mux.destroy();
});
