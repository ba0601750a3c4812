/**
 * The one replay decision (src/client/replay-policy.ts): what a lost connection sends again.
 * Asked directly, through a PromiseCommand, and through the multiplexer over fake connections.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { ClientEvents } from '../../src/client/events.js';
import { Multiplexer } from '../../src/client/multiplexer.js';
import { resolveClientOptions } from '../../src/client/options.js';
import { type CommandPolicy, PromiseCommand } from '../../src/client/promise-command.js';
import {
  type GroupedCommand,
  isNotRun,
  mayRunTwice,
  replayDecision,
  TRANSIENT_BUDGET_MS,
  tornGroupMembers,
  transientRetryDelayMs,
} from '../../src/client/replay-policy.js';
import { createCounters } from '../../src/client/stats.js';
import { BasicCommand, type PendingCommand } from '../../src/connection/pending-command.js';
import {
  ConnectionClosedError,
  ProtocolError,
  ReplyError,
  type RespoolError,
} from '../../src/errors.js';
import type { RespArg } from '../../src/protocol/resp-types.js';
import { FakeDialer } from '../helpers/fake-connection.js';

const lost = new ConnectionClosedError('lost', true);

function policy(idempotent = false): CommandPolicy {
  return { returnBuffers: false, timeoutMs: 0, idempotent, signal: undefined };
}

function promiseCommand(args: RespArg[], idempotent = false) {
  const counters = createCounters();
  const cmd = new PromiseCommand(args, policy(idempotent), undefined, counters, undefined);
  const promise = cmd.promise();
  promise.catch(() => undefined);
  return { cmd, counters, promise };
}

function basic(args: RespArg[]): BasicCommand {
  return new BasicCommand({ args, reply() {}, fail() {} });
}

test('mayRunTwice: read-only by the command table, or marked idempotent', () => {
  assert.equal(mayRunTwice(['GET', 'k'], false), true);
  assert.equal(mayRunTwice(['HGETALL', 'h'], false), true);
  assert.equal(mayRunTwice(['INCR', 'n'], false), false);
  assert.equal(mayRunTwice(['SET', 'k', 'v'], false), false);
  assert.equal(mayRunTwice(['INCR', 'n'], true), true);
});

test('replayDecision: an unwritten command always goes back, whatever it is', () => {
  assert.equal(replayDecision(basic(['INCR', 'n']), false, lost), true);
  assert.equal(replayDecision(basic(['SET', 'k', 'v']), false, new ProtocolError('bad')), true);
});

test('replayDecision: a written command goes back only when it says it is retryable', () => {
  assert.equal(replayDecision(basic(['GET', 'k']), true, lost), false, 'no retryable(): never');
  let asked = 0;
  const yes = Object.assign(basic(['GET', 'k']), {
    retryable: () => {
      asked++;
      return true;
    },
  });
  assert.equal(replayDecision(yes, true, lost), true);
  const no = Object.assign(basic(['GET', 'k']), { retryable: () => false });
  assert.equal(replayDecision(no, true, lost), false);
  assert.equal(asked, 1);
});

test('replayDecision: nothing written is sent again after a protocol violation', () => {
  let asked = 0;
  const cmd = Object.assign(basic(['GET', 'k']), {
    retryable: () => {
      asked++;
      return true;
    },
  });
  assert.equal(replayDecision(cmd, true, new ProtocolError('garbage')), false);
  assert.equal(asked, 0, 'the command is not even asked (its one retry is not used up)');
});

test('PromiseCommand.retryable asks mayRunTwice, and says yes once', () => {
  const read = promiseCommand(['GET', 'k']);
  assert.equal(read.cmd.retryable(), true);
  assert.equal(read.cmd.retryable(), false, 'once');
  assert.equal(read.counters.retries, 1);

  const write = promiseCommand(['INCR', 'n']);
  assert.equal(write.cmd.retryable(), false);
  assert.equal(write.counters.retries, 0);

  const idempotent = promiseCommand(['INCR', 'n'], true);
  assert.equal(idempotent.cmd.retryable(), true);

  const settled = promiseCommand(['GET', 'k']);
  settled.cmd.reply('v');
  assert.equal(settled.cmd.retryable(), false, 'a settled command is never resent');
});

test('tornGroupMembers: a group goes back only with its MULTI', () => {
  const group: { head: PendingCommand } = { head: basic(['MULTI']) };
  const member = (args: RespArg[]): GroupedCommand =>
    Object.assign(basic(args), { group }) as GroupedCommand;
  const head = Object.assign(group.head, { group }) as GroupedCommand;
  const set = member(['SET', 'k', 'v']);
  const exec = member(['EXEC']);
  const loose = basic(['GET', 'x']);
  assert.equal(tornGroupMembers([head, set, exec, loose]).size, 0, 'whole group: none torn');
  const torn = tornGroupMembers([set, exec, loose]);
  assert.deepEqual([...torn], [set, exec], 'MULTI written: the rest cannot run');
});

function setup() {
  const dialer = new FakeDialer();
  const events = new EventEmitter<ClientEvents>();
  const mux = new Multiplexer(
    resolveClientOptions({ port: 1, reconnectDelayMs: 10, maxReconnectDelayMs: 20 }),
    events,
    () => undefined,
    dialer.open,
  );
  return { dialer, mux };
}

test('the multiplexer asks the decision: reads and idempotent writes resent, writes fail', async () => {
  const { dialer, mux } = setup();
  await mux.connect();
  const first = dialer.last;
  assert.equal(first.replay, replayDecision, 'the multiplexer installs the one decision');
  const read = promiseCommand(['GET', 'k']);
  const write = promiseCommand(['INCR', 'n']);
  const marked = promiseCommand(['INCR', 'm'], true);
  mux.send(read.cmd);
  mux.send(write.cmd);
  mux.send(marked.cmd);
  first.drop();
  const error = (await write.promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as RespoolError & { written?: boolean };
  assert.equal(error.code, 'ERR_CONNECTION_CLOSED');
  assert.equal(error.written, true);
  await delay(0);
  assert.equal(dialer.made.length, 2);
  const second = dialer.last;
  const resent = second.sent.filter((args) => args[0] !== 'CONFIG');
  assert.deepEqual(resent, [
    ['GET', 'k'],
    ['INCR', 'm'],
  ]);
  second.answer('v');
  second.answer(2);
  assert.equal(await read.promise, 'v');
  assert.equal(await marked.promise, 2);

  // Lost again: each was resent once already, so now they fail.
  const again = promiseCommand(['GET', 'k2']);
  mux.send(again.cmd);
  assert.equal(again.cmd.retryable(), true, 'asked by hand: its one retry is now used');
  second.drop();
  await assert.rejects(again.promise, { code: 'ERR_CONNECTION_CLOSED', written: true });
  mux.destroy();
});

test('the multiplexer: after a protocol violation a written read fails too', async () => {
  const { dialer, mux } = setup();
  await mux.connect();
  const read = promiseCommand(['GET', 'k']);
  mux.send(read.cmd);
  dialer.last.drop(new ProtocolError('garbage from the server'));
  await assert.rejects(read.promise, { written: true });
  assert.equal(read.counters.retries, 0);
  mux.destroy();
});

test('isNotRun: LOADING, BUSY and MASTERDOWN only (the cluster judges its own)', () => {
  for (const text of ['LOADING dataset', 'BUSY script', 'MASTERDOWN link down']) {
    assert.equal(isNotRun(new ReplyError(text)), true, text);
  }
  for (const text of [
    'ERR nope',
    'READONLY replica',
    'TRYAGAIN later',
    'CLUSTERDOWN',
    'MOVED 1 h:1',
  ]) {
    assert.equal(isNotRun(new ReplyError(text)), false, text);
  }
});

test('transientRetryDelayMs: 10 ms doubling to 500, the last wait cut to the deadline', () => {
  const now = 1_000;
  const far = now + 60_000;
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 9].map((n) => transientRetryDelayMs(n, now, far, now)),
    [10, 20, 40, 80, 160, 320, 500, 500],
  );
  // 100 ms left, less the 20 ms kept for the round trip.
  assert.equal(transientRetryDelayMs(6, now, now + 100, now), 80);
  assert.equal(transientRetryDelayMs(0, now, now + 20, now), undefined, 'no time left');
  // Without a deadline: a budget from the first retry.
  assert.equal(transientRetryDelayMs(3, now, 0, now + 1_000), 80);
  assert.equal(transientRetryDelayMs(3, now, 0, now + TRANSIENT_BUDGET_MS), undefined);
});
