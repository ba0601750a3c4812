/**
 * The command object and its promise. The mechanism alone: a shared module-level executor that
 * reads its target from a module variable against a closure executor per call (the closure
 * won, so src/client/promise-command.ts uses it). Then the real PromiseCommand with and
 * without a deadline, whose cost is one performance.now() per command.
 *
 * The command object is always handed to `do_not_optimize` along with the promise: in the client
 * it escapes into the in-flight queue, and if it did not escape here V8 could drop it and the
 * resolving functions stored on it, which would flatter whichever variant it can inline.
 */
import { bench, do_not_optimize, group, summary } from 'mitata';
import { type CommandPolicy, PromiseCommand } from '../../src/client/promise-command.js';
import { createCounters } from '../../src/client/stats.js';
import type { RespArg } from '../../src/protocol/resp-types.js';
import { coarseNow } from '../../src/util/coarse-clock.js';

type Resolve = (value: unknown) => void;
type Reject = (error: Error) => void;

class Slot {
  resolve: Resolve = noop;
  reject: Reject = noop;
}

function noop(): void {}

let capturing: Slot | undefined;

function sharedExecutor(resolve: Resolve, reject: Reject): void {
  const slot = capturing!;
  slot.resolve = resolve;
  slot.reject = reject;
}

function withSharedExecutor(slot: Slot): Promise<unknown> {
  capturing = slot;
  const p = new Promise<unknown>(sharedExecutor);
  capturing = undefined;
  return p;
}

function withClosureExecutor(slot: Slot): Promise<unknown> {
  return new Promise<unknown>((resolve, reject) => {
    slot.resolve = resolve;
    slot.reject = reject;
  });
}

const ARGS: readonly RespArg[] = ['GET', 'key:123'];

function mechanismBenches(): void {
  summary(() => {
    bench('new Promise(sharedExecutor) + capture into object', () => {
      const slot = new Slot();
      do_not_optimize(withSharedExecutor(slot));
      do_not_optimize(slot);
    });
    bench('new Promise(per-call closure) + capture into object', () => {
      const slot = new Slot();
      do_not_optimize(withClosureExecutor(slot));
      do_not_optimize(slot);
    });
  });
}

function commandBenches(): void {
  const counters = createCounters();
  const noDeadline: CommandPolicy = {
    returnBuffers: false,
    timeoutMs: 0,
    idempotent: false,
    signal: undefined,
  };
  const withDeadline: CommandPolicy = { ...noDeadline, timeoutMs: 10_000 };
  summary(() => {
    bench('PromiseCommand + promise() + reply(), no deadline', () => {
      const cmd = new PromiseCommand(ARGS, noDeadline, undefined, counters, undefined);
      const p = cmd.promise();
      cmd.reply('OK');
      do_not_optimize(p);
      do_not_optimize(cmd);
    });
    // The deadline costs one performance.now() per command; the connection keeps one timer.
    bench('PromiseCommand + promise() + reply(), 10 s deadline', () => {
      const cmd = new PromiseCommand(ARGS, withDeadline, undefined, counters, undefined);
      const p = cmd.promise();
      cmd.reply('OK');
      do_not_optimize(p);
      do_not_optimize(cmd);
    });
  });
}

export function registerCommandBenches(): void {
  group('promise: executor mechanism alone', mechanismBenches);
  group('promise: command object + promise', commandBenches);
}

function clockBenches(): void {
  summary(() => {
    bench('performance.now()', () => do_not_optimize(performance.now()));
    bench('Date.now()', () => do_not_optimize(Date.now()));
    // Inside one synchronous run, as commands issued in one turn are: one real read, then cached.
    bench('coarseNow() within a tick', () => do_not_optimize(coarseNow()));
  });
}

export function registerClockBenches(): void {
  group('clock: stamping a deadline', clockBenches);
}
