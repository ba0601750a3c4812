/**
 * What ends a granted lease from outside its callback: the lease's AbortSignal, or its
 * `maxLeaseMs`. A callback that hangs (or sits in `BLPOP … 0`) cannot be interrupted, so the
 * lease is ended around it: `ended` rejects, the owner destroys the connection (whatever the
 * callback left on it is unknown) and frees its slot, and the callback runs on with a dead
 * handle.
 */
import { AbortedError, LeaseTimeoutError } from '../errors.js';
import type { Deadlines } from '../util/deadlines.js';

/** Something with a deadline in the client's Deadlines: told when it comes. */
export interface Expiring {
  expire(): void;
}

export class LeaseLimit implements Expiring {
  /** Rejects when the lease must end; never resolves. */
  readonly ended: Promise<never>;
  readonly #deadlines: Deadlines<Expiring>;
  readonly #maxLeaseMs: number;
  readonly #end: (error: Error) => void;
  readonly #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;

  /**
   * @param onEnd Called first, synchronously, with the error the lease ends with: the owner
   * destroys the connection there, before anyone awaiting `ended` runs.
   */
  constructor(
    signal: AbortSignal | undefined,
    maxLeaseMs: number,
    deadlines: Deadlines<Expiring>,
    onEnd: (error: Error) => void,
  ) {
    this.#signal = signal;
    this.#deadlines = deadlines;
    this.#maxLeaseMs = maxLeaseMs;
    let reject!: (error: Error) => void;
    this.ended = new Promise<never>((_, r) => {
      reject = r;
    });
    const end = (error: Error): void => {
      this.dispose();
      onEnd(error);
      reject(error);
    };
    this.#end = end;
    if (maxLeaseMs > 0) deadlines.add(this, performance.now() + maxLeaseMs);
    if (signal === undefined) return;
    const abort = (): void =>
      end(
        new AbortedError(
          'The lease was aborted while its callback held the connection; the connection was closed (its state is unknown) and what the callback sent may have run',
          true,
          { cause: signal.reason },
        ),
      );
    if (signal.aborted) {
      abort();
      return;
    }
    this.#onAbort = abort;
    signal.addEventListener('abort', abort, { once: true });
  }

  /** maxLeaseMs passed (called by the Deadlines). */
  expire(): void {
    this.#end(
      new LeaseTimeoutError(
        `The withConnection callback held its connection longer than maxLeaseMs (${this.#maxLeaseMs} ms); the connection was closed (its state is unknown) and what the callback sent may have run`,
      ),
    );
  }

  /** The lease ended normally: stop watching. */
  dispose(): void {
    this.#deadlines.delete(this);
    if (this.#onAbort !== undefined) this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#onAbort = undefined;
  }
}
