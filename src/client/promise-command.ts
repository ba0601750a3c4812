/**
 * The command object behind every awaited call: a PendingCommand that settles a Promise, and
 * holds the command's retry policy.
 *
 * Hot path: one object and one Promise per call. The executor is a closure written at the call
 * site: bench/micro/command.bench.ts measured it cheaper (about 10 ns per command) than a shared
 * module-level executor that reads the command from a variable, which V8 inlines less well.
 *
 * Retry policy (docs/errors.md):
 * - Written, then the connection died: sent again once, on the next connection, only when
 *   replay-policy.ts says running it twice does no harm (read-only, or marked idempotent).
 *   Everything else fails with `written: true` (it may have run).
 * - LOADING, BUSY, MASTERDOWN replies: the server refused without running it, so it is sent
 *   again after a backoff, for as long as its deadline allows (replay-policy.ts decides both).
 */
import type { PendingCommand } from '../connection/pending-command.js';
import { AbortedError, ReplyError } from '../errors.js';
import type { RespArg, RespValue } from '../protocol/resp-types.js';
import { coarseNow } from '../util/coarse-clock.js';
import { isNotRun, mayRunTwice, transientRetryDelayMs } from './replay-policy.js';
import type { Transform } from './reply-transforms.js';
import type { ClientCounters } from './stats.js';

/** How the commands of one client view behave. One frozen object per view, shared by its calls. */
export interface CommandPolicy {
  readonly returnBuffers: boolean;
  /** Deadline for the command's whole life; 0 = none. */
  readonly timeoutMs: number;
  /** Safe to run twice: may be resent after its connection died with it written. */
  readonly idempotent: boolean;
  readonly signal: AbortSignal | undefined;
  /** The `keyPrefix` option: put in front of every key argument before sending (key-prefix.ts). */
  readonly keyPrefix?: string | undefined;
}

/**
 * Sees every error reply before the command's own handling; returns true when it took the
 * command over (a cluster sends it where MOVED or ASK said).
 */
export type ServerErrorHook = (cmd: PromiseCommand, error: ReplyError) => boolean;

export class PromiseCommand implements PendingCommand {
  readonly args: readonly RespArg[];
  readonly returnBuffers: boolean;
  readonly timeoutMs: number;
  readonly deadline: number;
  resolve!: (value: unknown) => void;
  reject!: (error: Error) => void;
  readonly #onServerError: ServerErrorHook | undefined;
  readonly #transform: Transform | undefined;
  readonly #counters: ClientCounters;
  readonly #policy: CommandPolicy;
  /** Sends the command again (on the multiplexer, or on the same lease). */
  readonly #resend: ((cmd: PromiseCommand) => void) | undefined;
  #settled = false;
  #retriedWritten = false;
  #transientAttempts = 0;
  #transientSince = 0;
  #onAbort: (() => void) | undefined;

  constructor(
    args: readonly RespArg[],
    policy: CommandPolicy,
    transform: Transform | undefined,
    counters: ClientCounters,
    resend: ((cmd: PromiseCommand) => void) | undefined,
    onServerError?: ServerErrorHook,
  ) {
    this.args = args;
    this.#onServerError = onServerError;
    this.returnBuffers = policy.returnBuffers;
    this.timeoutMs = policy.timeoutMs;
    this.deadline = policy.timeoutMs > 0 ? coarseNow() + policy.timeoutMs : 0;
    this.#transform = transform;
    this.#counters = counters;
    this.#policy = policy;
    this.#resend = resend;
  }

  /**
   * Create the Promise this command settles. Call once, right after construction. When the
   * view's signal has already aborted, the Promise is rejected at once and `settled` is true:
   * the command must then not be sent.
   */
  promise(): Promise<unknown> {
    const p = new Promise<unknown>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    const signal = this.#policy.signal;
    if (signal !== undefined) this.#watch(signal);
    return p;
  }

  /**
   * Create the Promise and hand the command to `sink`, unless the view's signal has already
   * aborted. A throw from `sink.send` (argument validation, before anything was queued) rejects
   * the Promise instead of escaping. `sink` is an object, not a closure, so the hot path
   * allocates nothing more than the command and its Promise.
   */
  start(sink: { send(cmd: PromiseCommand): void }): Promise<unknown> {
    const promise = this.promise();
    if (this.#settled) return promise;
    try {
      sink.send(this);
    } catch (error) {
      this.fail(error as Error);
    }
    return promise;
  }

  /** True once the Promise is settled (answered, failed, timed out or aborted). */
  get settled(): boolean {
    return this.#settled;
  }

  reply(value: RespValue): void {
    if (this.#settled) return;
    if (value instanceof ReplyError) {
      if (this.#onServerError?.(this, value) === true) return;
      if (isNotRun(value) && this.retryTransient()) return;
      this.#counters.errorReplies++;
      this.#finish();
      this.reject(value);
      return;
    }
    this.#finish();
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
    if (this.#settled) return;
    this.#counters.commandsFailed++;
    this.#finish();
    this.reject(error);
  }

  /**
   * Asked by the replay decision (replay-policy.ts) about a written command whose connection
   * died: resend it once, if running it twice does no harm.
   */
  retryable(): boolean {
    if (this.#settled || this.#retriedWritten) return false;
    if (!mayRunTwice(this.args, this.#policy.idempotent)) return false;
    this.#retriedWritten = true;
    this.#counters.retries++;
    return true;
  }

  /**
   * Send the command again after a backoff, as for a "not executed" reply, while its deadline
   * allows; false when it does not (the caller then fails it with the reply).
   */
  retryTransient(): boolean {
    const resend = this.#resend;
    if (resend === undefined) return false;
    const now = performance.now();
    if (this.#transientAttempts === 0) this.#transientSince = now;
    // The timing is replay-policy.ts's: the one place that decides what is sent again.
    const delay = transientRetryDelayMs(
      this.#transientAttempts,
      this.#transientSince,
      this.deadline,
      now,
    );
    if (delay === undefined) return false;
    this.#transientAttempts++;
    this.#counters.retries++;
    // Not unref'd: the caller awaits this command, which must keep the process alive (as its
    // socket would) until it is answered or its deadline fails it.
    setTimeout(() => {
      if (!this.#settled) resend(this);
    }, delay);
    return true;
  }

  #watch(signal: AbortSignal): void {
    if (signal.aborted) {
      // Aborted before it was sent: it never ran, and promise()'s caller will not send it.
      this.#abort(signal, false);
      return;
    }
    this.#onAbort = () => this.#abort(signal, true);
    signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** `written` is conservative once the command was handed on: it may have reached the server. */
  #abort(signal: AbortSignal, written: boolean): void {
    if (this.#settled) return;
    this.#counters.commandsFailed++;
    this.#finish();
    // Settled now (#finish): its reply, if the command was sent, is read and dropped, and if it
    // still waits for a connection it is dropped unsent.
    this.reject(
      new AbortedError(
        written
          ? 'The command was aborted; if it was already sent it may have run'
          : 'The command was aborted before it was sent',
        written,
        { cause: signal.reason },
      ),
    );
  }

  #finish(): void {
    this.#settled = true;
    if (this.#onAbort !== undefined) {
      this.#policy.signal?.removeEventListener('abort', this.#onAbort);
      this.#onAbort = undefined;
    }
  }
}
