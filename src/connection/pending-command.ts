/**
 * What the connection layer needs of a command: its arguments, its deadline, and callbacks. The
 * connection knows nothing of promises, transforms or retry policy; the client builds those on
 * top and answers `retryable()` when asked.
 */
import type { RespArg, RespValue } from '../protocol/resp-types.js';

export interface PendingCommand {
  /**
   * `args[0]` is the command name. Validated before encoding; never mutated by the connection.
   * With `frame`, it still names the command and carries at least its keys (classification,
   * routing, diagnostics), but it is not what is written.
   */
  readonly args: readonly RespArg[];
  /**
   * An already-encoded RESP request, written verbatim instead of encoding `args` (raw relay).
   * One complete request; the connection does not check it. Frames of 16 KiB and more are
   * written by reference: do not change the bytes after sending.
   */
  readonly frame?: Buffer;
  /**
   * Deliver the reply to `reply()` as a Buffer holding exactly the bytes of its one RESP frame,
   * undecoded (error frames too: see `rawError`). Push frames are never taken as a reply.
   */
  readonly raw?: boolean;
  /** Decode this command's blob strings as Buffers instead of strings (ignored when `raw`). */
  readonly returnBuffers: boolean;
  /**
   * When the caller stops waiting, on the `performance.now()` clock; 0 or absent = none. The
   * connection sets it to -1 once it has failed the command for its deadline: the reply, when
   * it comes, is then read and dropped.
   */
  deadline?: number;
  /** The deadline's length in ms (0 = none); a connection silent for this long is stalled. */
  readonly timeoutMs?: number;
  /**
   * The server's reply, including `ReplyError` values (an error reply is still a reply). A raw
   * command's reply is a Buffer valid for as long as the caller keeps it (never reused), and
   * read-only: it may be a view of the socket's read or a shared constant (`+OK`).
   */
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
