/**
 * What the connection layer needs of a command: its arguments, its deadline, and callbacks. The
 * connection knows nothing of promises, transforms or retry policy: when it dies it reports each
 * unanswered command's facts (written or not, and why it died) to its owner's `ReplayDecision`
 * (the client's is `replayDecision` in client/replay-policy.ts).
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
  /** When the caller stops waiting, on the `performance.now()` clock; 0 or absent = none. */
  readonly deadline?: number;
  /**
   * True once the command has delivered its outcome (a reply, a failure, its deadline, an
   * abort). The command alone owns this: its first `reply`/`fail` sets it and later ones are
   * ignored. The layers below only read it: a settled command still waiting is dropped unsent,
   * and a settled command's reply, when it comes, is read (to keep the order) and dropped.
   */
  readonly settled: boolean;
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
   * Asked by the owner's replay decision when the connection died after this command was
   * written: true when it is safe to send it again on the next connection (read-only, or
   * marked idempotent, and not retried before). Absent means never.
   */
  retryable?(): boolean;
}

/**
 * Decides, for a command a dying connection leaves unanswered, whether it goes back to the
 * owner to run again (true) or fails (false). `written`: some of its bytes reached the socket;
 * `reason`: what ended the connection.
 */
export type ReplayDecision = (cmd: PendingCommand, written: boolean, reason: Error) => boolean;

/** What a `BasicCommand` is made of: a PendingCommand's data and its two callbacks. */
export interface BasicCommandInit {
  readonly args: readonly RespArg[];
  readonly returnBuffers?: boolean;
  readonly deadline?: number;
  readonly timeoutMs?: number;
  readonly frame?: Buffer;
  readonly raw?: boolean;
  reply(value: RespValue): void;
  fail(error: Error): void;
}

/**
 * A PendingCommand from two callbacks (handshake steps, heartbeats, resets, batch entries),
 * settled at most once like every command: whichever of reply, fail or the deadline comes
 * first wins.
 */
export class BasicCommand implements PendingCommand {
  readonly args: readonly RespArg[];
  readonly returnBuffers: boolean;
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly frame?: Buffer;
  readonly raw: boolean;
  #settled = false;
  readonly #reply: (value: RespValue) => void;
  readonly #fail: (error: Error) => void;

  constructor(init: BasicCommandInit) {
    this.args = init.args;
    this.returnBuffers = init.returnBuffers ?? false;
    this.deadline = init.deadline ?? 0;
    this.timeoutMs = init.timeoutMs ?? 0;
    if (init.frame !== undefined) this.frame = init.frame;
    this.raw = init.raw === true;
    this.#reply = init.reply;
    this.#fail = init.fail;
  }

  get settled(): boolean {
    return this.#settled;
  }

  reply(value: RespValue): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reply(value);
  }

  fail(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#fail(error);
  }
}
