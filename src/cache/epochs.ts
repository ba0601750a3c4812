/**
 * The race rule, by epochs. A read records, when it is sent, the invalidation epoch of every key
 * it depends on and the global epoch; an invalidation of a key bumps the key's epoch, a flush
 * bumps the global one. When the reply arrives it may be cached only if none of the recorded
 * epochs moved: otherwise an invalidation arrived while the read was in flight, and the reply
 * may predate the write that caused it.
 *
 * A key's epoch only matters while a read of it is in flight, so epochs are kept for those keys
 * only (a reference count per key): memory is bounded by the reads in flight, not by every key
 * ever read. A key with nothing in flight has no epoch to compare against, and needs none.
 */

interface KeyEpoch {
  epoch: number;
  /** Reads of this key in flight. */
  refs: number;
}

/** What a read recorded when it was sent. Hand it back to `release` exactly once. */
export interface Ticket {
  readonly keys: readonly string[];
  readonly epochs: readonly number[];
  readonly global: number;
}

export class Epochs {
  readonly #byKey = new Map<string, KeyEpoch>();
  #global = 0;

  /** Record the current epochs of `keys` (a read of them is being sent). */
  begin(keys: readonly string[]): Ticket {
    const epochs: number[] = [];
    for (const key of keys) {
      let e = this.#byKey.get(key);
      if (e === undefined) {
        e = { epoch: 0, refs: 0 };
        this.#byKey.set(key, e);
      }
      e.refs++;
      epochs.push(e.epoch);
    }
    return { keys, epochs, global: this.#global };
  }

  /** True when no invalidation of the ticket's keys and no flush happened since `begin`. */
  current(ticket: Ticket): boolean {
    if (ticket.global !== this.#global) return false;
    const { keys, epochs } = ticket;
    for (let i = 0; i < keys.length; i++) {
      if (this.#byKey.get(keys[i] as string)?.epoch !== epochs[i]) return false;
    }
    return true;
  }

  /** The read is over (answered or failed): its keys stop being watched when nothing else is. */
  release(ticket: Ticket): void {
    for (const key of ticket.keys) {
      const e = this.#byKey.get(key);
      if (e === undefined) continue;
      if (--e.refs <= 0) this.#byKey.delete(key);
    }
  }

  invalidate(key: string): void {
    const e = this.#byKey.get(key);
    if (e !== undefined) e.epoch++;
  }

  flush(): void {
    this.#global++;
  }

  /** Keys with a read in flight (for tests: nothing leaks). */
  get watched(): number {
    return this.#byKey.size;
  }
}
