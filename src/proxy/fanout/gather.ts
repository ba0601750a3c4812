/**
 * Waiting for the parts of a fanned-out command: each part is a raw PendingCommand whose reply
 * (or failure, as an `-ERR` frame) is kept at its index; when the last one is in, the client's
 * command is answered with `merge(replies)`, in the parts' order whatever order they came in.
 */
import type { PendingCommand } from '../../connection/pending-command.js';
import { errorFrame } from './reply-frames.js';

export class Gather {
  readonly #replies: Buffer[];
  #left: number;
  readonly #target: PendingCommand;
  readonly #merge: (replies: Buffer[]) => Buffer;

  constructor(target: PendingCommand, parts: number, merge: (replies: Buffer[]) => Buffer) {
    this.#target = target;
    this.#left = parts;
    this.#replies = new Array(parts);
    this.#merge = merge;
  }

  /** The client's deadline, which every part shares (`upstreamTimeoutMs`). */
  get deadline(): number {
    return this.#target.deadline ?? 0;
  }

  get timeoutMs(): number {
    return this.#target.timeoutMs ?? 0;
  }

  done(index: number, reply: Buffer): void {
    this.#replies[index] = reply;
    if (--this.#left === 0) this.#target.reply(this.#merge(this.#replies));
  }

  /** The PendingCommand of part `index`: `args` is what to send, `frame` its encoding. */
  part(index: number, args: readonly Buffer[], frame: Buffer): GatherPart {
    return new GatherPart(this, index, args, frame);
  }
}

export class GatherPart implements PendingCommand {
  readonly args: readonly Buffer[];
  readonly frame: Buffer;
  readonly raw = true;
  readonly returnBuffers = false;
  readonly #gather: Gather;
  readonly #index: number;
  settled = false;

  constructor(gather: Gather, index: number, args: readonly Buffer[], frame: Buffer) {
    this.#gather = gather;
    this.#index = index;
    this.args = args;
    this.frame = frame;
  }

  get deadline(): number {
    return this.#gather.deadline;
  }

  get timeoutMs(): number {
    return this.#gather.timeoutMs;
  }

  reply(value: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.#gather.done(this.#index, value as Buffer);
  }

  fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.#gather.done(this.#index, errorFrame(`ERR respool proxy: ${error.message}`));
  }
}
