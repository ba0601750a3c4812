/**
 * One connection budget shared by several pools (a cluster's nodes under maxConnectionsTotal).
 * A pool takes a slot before it dials and gives it back when the resource is gone; when a slot
 * frees, every pool is woken so one waiting for room can dial. Slots can also be reserved for
 * connections that must always exist (each node's multiplexed connection): a cap that could
 * starve ordinary commands of their only connection would turn a budget into an outage.
 *
 * A pool that finds the budget spent asks the others to reclaim: one of them retires its
 * coldest idle resource, and the freed slot wakes the asker. Without that, an idle connection
 * on one node would hold its slot for a whole idle timeout while callers of another node wait.
 */
export class SharedBudget {
  readonly max: number;
  #used = 0;
  #reserved = 0;
  readonly #wakers = new Set<() => void>();
  readonly #reclaimers = new Set<() => boolean>();

  constructor(max: number) {
    this.max = max;
  }

  /** Slots taken by pools plus slots reserved. */
  get used(): number {
    return this.#used + this.#reserved;
  }

  reserve(): void {
    this.#reserved++;
  }

  unreserve(): void {
    this.#reserved = Math.max(0, this.#reserved - 1);
    this.#wake();
  }

  /** Take a slot if one is free. */
  tryTake(): boolean {
    if (this.#used + this.#reserved >= this.max) return false;
    this.#used++;
    return true;
  }

  give(): void {
    this.#used = Math.max(0, this.#used - 1);
    this.#wake();
  }

  /** Call `wake` whenever a slot frees; returns the unsubscribe function. */
  onFree(wake: () => void): () => void {
    this.#wakers.add(wake);
    return () => this.#wakers.delete(wake);
  }

  /** Register a pool's "retire one idle resource" function; returns the unregister function. */
  onReclaim(reclaim: () => boolean): () => void {
    this.#reclaimers.add(reclaim);
    return () => this.#reclaimers.delete(reclaim);
  }

  /** Ask the other pools to give up one idle resource; true when one did (a slot frees). */
  reclaim(asker: () => boolean): boolean {
    for (const reclaim of this.#reclaimers) if (reclaim !== asker && reclaim()) return true;
    return false;
  }

  #wake(): void {
    // On the next microtask: a pool may free a slot from inside its own scheduling, and must
    // not be re-entered there.
    for (const wake of this.#wakers) queueMicrotask(wake);
  }
}
