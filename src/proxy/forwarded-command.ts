/**
 * A client's command sent on its behalf by something that watches the outcome on the way (a
 * cluster lease following redirects, a shard counting its health): the same request, frame,
 * deadline and settled state as the client's command, whose reply or failure it passes on.
 * Subclasses override `reply`/`fail` to look first; the client's command settles once.
 */
import type { PendingCommand } from '../connection/pending-command.js';
import { encodeCommand } from '../protocol/encoder.js';

export class ForwardedCommand implements PendingCommand {
  readonly target: PendingCommand;
  readonly args: PendingCommand['args'];
  readonly frame: Buffer;
  readonly raw: boolean;
  readonly returnBuffers: boolean;

  constructor(target: PendingCommand) {
    this.target = target;
    this.args = target.args;
    // Every command from a proxy client carries its frame.
    this.frame = target.frame ?? encodeCommand(target.args);
    this.raw = target.raw === true;
    this.returnBuffers = target.returnBuffers;
  }

  get settled(): boolean {
    return this.target.settled;
  }

  /** The client's deadline (`upstreamTimeoutMs`), whoever sends it. */
  get deadline(): number {
    return this.target.deadline ?? 0;
  }

  get timeoutMs(): number {
    return this.target.timeoutMs ?? 0;
  }

  reply(value: unknown): void {
    this.target.reply(value as Buffer);
  }

  fail(error: Error): void {
    this.target.fail(error);
  }
}
