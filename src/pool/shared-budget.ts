/**
 * One connection budget shared by several pools (a cluster's nodes under maxConnectionsTotal).
 * A pool takes a slot before it dials and gives it back when the resource is gone; when a slot
 * frees, every pool is woken so one waiting for room can dial. Slots can also be reserved for
 * connections that must always exist (each node's multiplexed connection): a cap that could
 * starve ordinary commands of their only connection would turn a budget into an outage.
 */
export class SharedBudget {
  readonly max: number;
  #used = 0;
  #reserved = 0;
  readonly #wakers = new Set<() => void>();

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

  #wake(): void {
    for (const wake of this.#wakers) wake();
  }
}
