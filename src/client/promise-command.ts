/**
 * The command object behind every awaited call: a PendingCommand that settles a Promise.
 *
 * Hot path: one object and one Promise per call. The executor is a closure written at the call
 * site: bench/micro/command.bench.ts measured it cheaper (about 10 ns per command) than a shared
 * module-level executor that reads the command from a variable, which V8 inlines less well.
 */
import type { PendingCommand } from '../connection/pending-command.js';
import { ReplyError } from '../errors.js';
import type { RespArg, RespValue } from '../protocol/resp-types.js';
import type { Transform } from './reply-transforms.js';
import type { ClientCounters } from './stats.js';

export class PromiseCommand implements PendingCommand {
  readonly args: readonly RespArg[];
  readonly returnBuffers: boolean;
  readonly #transform: Transform | undefined;
  readonly #counters: ClientCounters;
  resolve!: (value: unknown) => void;
  reject!: (error: Error) => void;

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

  /** Create the Promise this command settles. Call once, right after construction. */
  promise(): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
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
