/**
 * A blocking command's client-side deadline: its own timeout plus `blockingGraceMs`. At the
 * deadline its connection is destroyed, so the server stops blocking for it and cannot hand it
 * an element nobody would receive (GLIDE #6794). One implementation for the blocking commands
 * of the client (leased for one command) and of a lease, on the client's Deadlines.
 */
import { CommandTimeoutError } from '../errors.js';
import type { RespArg } from '../protocol/resp-types.js';
import type { Deadlines } from '../util/deadlines.js';
import type { Expiring } from './lease-limit.js';

export class BlockingDeadline implements Expiring {
  readonly #deadlines: Deadlines<Expiring>;
  readonly #name: string;
  readonly #serverTimeoutMs: number;
  readonly #graceMs: number;
  readonly #destroy: (error: Error) => void;

  /** Armed now; `destroy` ends the connection at the deadline. */
  constructor(
    deadlines: Deadlines<Expiring>,
    args: readonly RespArg[],
    serverTimeoutMs: number,
    graceMs: number,
    destroy: (error: Error) => void,
  ) {
    this.#deadlines = deadlines;
    this.#name = String(args[0]);
    this.#serverTimeoutMs = serverTimeoutMs;
    this.#graceMs = graceMs;
    this.#destroy = destroy;
    deadlines.add(this, performance.now() + serverTimeoutMs + graceMs);
  }

  expire(): void {
    this.#destroy(
      new CommandTimeoutError(
        `${this.#name} got no reply within its ${this.#serverTimeoutMs} ms timeout plus ${this.#graceMs} ms grace; its connection was closed so it cannot consume an element later`,
        true,
      ),
    );
  }

  /** The reply came (or the command failed) first. */
  disarm(): void {
    this.#deadlines.delete(this);
  }
}
