/**
 * What the connection layer needs of a command: its arguments, its deadline, and callbacks. The
 * connection knows nothing of promises, transforms or retry policy; the client builds those on
 * top and answers `retryable()` when asked.
 */
import type { RespArg, RespValue } from '../protocol/resp-types.js';

export interface PendingCommand {
  /** `args[0]` is the command name. Validated before encoding; never mutated by the connection. */
  readonly args: readonly RespArg[];
  /** Decode this command's blob strings as Buffers instead of strings. */
  readonly returnBuffers: boolean;
  /**
   * When the caller stops waiting, on the `performance.now()` clock; 0 or absent = none. The
   * connection sets it to -1 once it has failed the command for its deadline: the reply, when
   * it comes, is then read and dropped.
   */
  deadline?: number;
  /** The deadline's length in ms (0 = none); a connection silent for this long is stalled. */
  readonly timeoutMs?: number;
  /** The server's reply, including `ReplyError` values (an error reply is still a reply). */
  reply(value: RespValue): void;
  /**
   * A transport failure. The error says through `written` whether any byte of this command
   * reached the socket.
   */
  fail(error: Error): void;
  /**
   * Asked when the connection died after this command was written: true when it is safe to
   * send it again on the next connection (read-only, or marked idempotent, and not retried
   * before). Absent means never.
   */
  retryable?(): boolean;
}

/** A command whose deadline already failed it: its reply will be dropped. */
export const EXPIRED = -1;
