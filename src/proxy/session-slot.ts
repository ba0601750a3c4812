/**
 * One request of a client session awaiting its reply, in the client's order: the engine's
 * command, whose reply or failure goes back to its session (session.ts).
 */
import type { PendingCommand } from '../connection/pending-command.js';
import type { ClientSession } from './session.js';

/** One request awaiting its reply, in the client's order. Implements the engine's command. */
export class Slot implements PendingCommand {
  args: readonly (string | Buffer)[];
  /** What is written upstream (EXEC becomes DISCARD in an aborted transaction). */
  frame: Buffer;
  raw = true;
  readonly returnBuffers = false;
  readonly session: ClientSession;
  /** The reply bytes, once known. */
  value: Buffer | undefined = undefined;
  /** CLIENT REPLY OFF/SKIP: answered, but not written. */
  silent = false;
  /** Sent upstream and not answered yet (counts in the session's in-flight). */
  upstream = false;
  /** Turns a decoded reply (raw false) into the bytes to write. */
  transform: ((value: unknown) => Buffer) | undefined = undefined;
  /** SELECT sent on a lease: the db the session is in once it succeeds. */
  selectDb = -1;
  /** A blocking command's own timeout in ms (0: blocks for ever); -1 when it does not block. */
  blockMs = -1;
  /** When the proxy stops waiting for the server (`upstreamTimeoutMs`); 0 = never. */
  deadline = 0;
  /** The length of that wait, in ms (the engine's stall detection reads it). */
  timeoutMs = 0;
  /** The engine's "first outcome wins" flag: set by the one reply or failure a slot gets. */
  settled = false;

  constructor(session: ClientSession, frame: Buffer, args: readonly string[]) {
    this.session = session;
    this.frame = frame;
    this.args = args;
  }

  reply(value: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.session.onUpstreamReply(this, value);
  }

  fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.session.onUpstreamFail(this, error);
  }
}
