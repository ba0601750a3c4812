/**
 * The command object and its promise: src/client/promise-command.ts passes one module-level
 * executor that reads the command from a module variable, and claims that is cheaper than a
 * closure executor allocated per call. Measured on bare objects (the mechanism alone), on the
 * real PromiseCommand against a copy that differs only in the executor, and with the promise
 * settled, since every command's promise is.
 *
 * The command object is always handed to `do_not_optimize` along with the promise: in the client
 * it escapes into the in-flight queue, and if it did not escape here V8 could drop it and the
 * resolving functions stored on it, which would flatter whichever variant it can inline.
 */
import { bench, do_not_optimize, group, summary } from 'mitata';
import { PromiseCommand } from '../../src/client/promise-command.js';
import type { Transform } from '../../src/client/reply-transforms.js';
import { type ClientCounters, createCounters } from '../../src/client/stats.js';
import type { PendingCommand } from '../../src/connection/pending-command.js';
import { ReplyError } from '../../src/errors.js';
import type { RespArg, RespValue } from '../../src/protocol/resp-types.js';

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

/**
 * PromiseCommand field for field and method for method, except that `promise()` passes a
 * shared module-level executor: the alternative the source comment measured and rejected.
 */
class SharedExecutorCommand implements PendingCommand {
  readonly args: readonly RespArg[];
  readonly returnBuffers: boolean;
  readonly #transform: Transform | undefined;
  readonly #counters: ClientCounters;
  resolve!: Resolve;
  reject!: Reject;

  constructor(
    args: readonly RespArg[],
    returnBuffers: boolean,
    transform: Transform | undefined,
    counters: ClientCounters,
  ) {
    this.args = args;
    this.returnBuffers = returnBuffers;
    this.#transform = transform;
    this.#counters = counters;
  }

  promise(): Promise<unknown> {
    capturingCommand = this;
    const p = new Promise<unknown>(captureIntoCommand);
    capturingCommand = undefined;
    return p;
  }

  reply(value: RespValue): void {
    if (value instanceof ReplyError) {
      this.#counters.errorReplies++;
      this.reject(value);
      return;
    }
    const transform = this.#transform;
    if (transform === undefined) {
      this.resolve(value);
      return;
    }
    try {
      this.resolve(transform(value));
    } catch (error) {
      this.reject(error as Error);
    }
  }

  fail(error: Error): void {
    this.#counters.commandsFailed++;
    this.reject(error);
  }
}

let capturingCommand: SharedExecutorCommand | undefined;

function captureIntoCommand(resolve: Resolve, reject: Reject): void {
  const cmd = capturingCommand!;
  cmd.resolve = resolve;
  cmd.reject = reject;
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
  summary(() => {
    bench('PromiseCommand + promise() + reply()', () => {
      const cmd = new PromiseCommand(ARGS, false, undefined, counters);
      const p = cmd.promise();
      cmd.reply('OK');
      do_not_optimize(p);
      do_not_optimize(cmd);
    });
    bench('shared-executor copy + promise() + reply()', () => {
      const cmd = new SharedExecutorCommand(ARGS, false, undefined, counters);
      const p = cmd.promise();
      cmd.reply('OK');
      do_not_optimize(p);
      do_not_optimize(cmd);
    });
    bench('PromiseCommand + promise(), left pending', () => {
      const cmd = new PromiseCommand(ARGS, false, undefined, counters);
      do_not_optimize(cmd.promise());
      do_not_optimize(cmd);
    });
    bench('closure-executor copy + promise(), left pending', () => {
      const cmd = new SharedExecutorCommand(ARGS, false, undefined, counters);
      do_not_optimize(cmd.promise());
      do_not_optimize(cmd);
    });
  });
}

export function registerCommandBenches(): void {
  group('promise: executor mechanism alone', mechanismBenches);
  group('promise: command object + promise', commandBenches);
}
