/**
 * The deadline scan of a connection's in-flight queue (src/connection/deadlines.ts): what
 * expired fails and keeps its place, a command still in the write buffer says `written: true`
 * (its bytes will go out), the stall rule looks only at written commands, and the next deadline
 * is reported with the same slack as the structure that called the scan.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expireDeadlines } from '../../src/connection/deadlines.js';
import { BasicCommand } from '../../src/connection/pending-command.js';
import type { CommandTimeoutError } from '../../src/errors.js';
import { DUE_SLACK_MS } from '../../src/util/deadlines.js';
import { RingQueue } from '../../src/util/ring-queue.js';

function command(deadline: number, timeoutMs: number) {
  const outcome: { error?: CommandTimeoutError } = {};
  const cmd = new BasicCommand({
    args: ['GET', 'k'],
    deadline,
    timeoutMs,
    reply() {},
    fail(error) {
      outcome.error = error as CommandTimeoutError;
    },
  });
  return { cmd, outcome };
}

test('expired commands fail and stay queued; one still in the write buffer says written: true', () => {
  const now = 10_000;
  const queue = new RingQueue<BasicCommand>(4);
  const flushed = command(now - 1, 100);
  const buffered = command(now - 1, 100);
  const later = command(now + 500, 100);
  queue.push(flushed.cmd);
  queue.push(buffered.cmd);
  queue.push(later.cmd);
  // The last two were encoded but not flushed; something was read 10 ms ago.
  const scan = expireDeadlines(queue, 2, now, now - 10, 'h:1');
  assert.equal(queue.length, 3, 'entries stay: replies keep their order');
  assert.equal(flushed.outcome.error?.code, 'ERR_COMMAND_TIMEOUT');
  assert.equal(flushed.outcome.error?.written, true);
  assert.match(flushed.outcome.error?.message ?? '', /it may have run/);
  assert.equal(buffered.outcome.error?.written, true, 'its bytes cannot be taken back');
  assert.match(buffered.outcome.error?.message ?? '', /still queued for writing/);
  assert.equal(later.cmd.settled, false);
  assert.equal(scan.next, now + 500);
  assert.equal(scan.stalledMs, undefined, 'something was read during the wait');
});

test('the stall rule: a written command expired with nothing read for half its wait', () => {
  const now = 10_000;
  const queue = new RingQueue<BasicCommand>(4);
  const written = command(now, 100);
  queue.push(written.cmd);
  assert.equal(expireDeadlines(queue, 0, now, now - 60, 'h:1').stalledMs, 100);
  // The same, still in the write buffer: the peer never had it, so no stall.
  const queue2 = new RingQueue<BasicCommand>(4);
  queue2.push(command(now, 100).cmd);
  assert.equal(expireDeadlines(queue2, 1, now, now - 60, 'h:1').stalledMs, undefined);
});

test("a deadline within the structure's slack is due now, so the caller never loops on it", () => {
  const now = 10_000;
  const queue = new RingQueue<BasicCommand>(4);
  const almost = command(now + DUE_SLACK_MS, 100);
  const settled = command(now - 5, 100);
  settled.cmd.reply('done');
  queue.push(settled.cmd);
  queue.push(almost.cmd);
  const scan = expireDeadlines(queue, 0, now, now, 'h:1');
  assert.equal(almost.outcome.error?.code, 'ERR_COMMAND_TIMEOUT');
  assert.equal(settled.outcome.error, undefined, 'a settled command is left alone');
  assert.equal(scan.next, Number.POSITIVE_INFINITY);
});
