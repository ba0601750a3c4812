/**
 * The command object behind every awaited call: a PendingCommand that settles a Promise.
 *
 * Hot path: one object and one Promise per call. The Promise executor is a single module-level
 * function that reads the command from `capturing`, instead of a closure allocated per call
 * (bench/micro/command.bench.ts measures the difference).
 */
import type { PendingCommand } from '../connection/pending-command.js';
import { ReplyError } from '../errors.js';
import type { RespArg, RespValue } from '../protocol/resp-types.js';
import type { Transform } from './reply-transforms.js';
import type { ClientCounters } from './stats.js';

let capturing: PromiseCommand | undefined;

function captureResolvers(resolve: (value: unknown) => void, reject: (error: Error) => void): void {
  const cmd = capturing!;
  cmd.resolve = resolve;
  cmd.reject = reject;
}

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
    capturing = this;
    const p = new Promise<unknown>(captureResolvers);
    capturing = undefined;
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
