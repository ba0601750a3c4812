/**
 * The one path by which the topology is refreshed, whatever asked for it (MOVED, an unknown
 * slot, a node that cannot be reached, CLUSTERDOWN, the periodic check). Incident 5 was many
 * callers each rebuilding the topology at once; here:
 *
 * - single-flight: while a refresh runs, triggers only mark "again after this one";
 * - cooldown: refreshes start at least `cooldownMs` apart;
 * - jitter: a trigger waits 0..jitterMs first (full jitter, util/backoff.ts), so a burst of triggers (a thousand MOVEDs from
 *   one migrated slot) collapses into one refresh, and many clients do not refresh in lockstep.
 *
 * It never runs on a caller's path: callers are redirected with what MOVED said, at once.
 */
import { jittered } from '../util/backoff.js';

export interface RefresherOptions {
  readonly cooldownMs: number;
  readonly jitterMs: number;
  /** Fetch and apply a new topology; rejects when no node could answer. */
  readonly refresh: (reason: string) => Promise<void>;
  /** Told after each refresh (for stats and diagnostics). */
  readonly onDone?: (info: {
    reason: string;
    durationMs: number;
    error: Error | undefined;
  }) => void;
}

export class TopologyRefresher {
  readonly #options: RefresherOptions;
  #running: Promise<void> | null = null;
  #timer: NodeJS.Timeout | undefined;
  #again: string | undefined;
  #lastStart = Number.NEGATIVE_INFINITY;
  #stopped = false;
  /** Refreshes started (for stats). */
  count = 0;

  constructor(options: RefresherOptions) {
    this.#options = options;
  }

  /** Ask for a refresh. Cheap and idempotent: any number of calls coalesce. */
  trigger(reason: string, urgent = false): void {
    if (this.#stopped) return;
    if (this.#running !== null) {
      this.#again ??= reason;
      return;
    }
    if (this.#timer !== undefined) return;
    const sinceLast = performance.now() - this.#lastStart;
    const cooldown = Math.max(0, this.#options.cooldownMs - sinceLast);
    const jitter = urgent ? 0 : jittered(this.#options.jitterMs, 'full');
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#run(reason);
    }, cooldown + jitter);
    this.#timer.unref();
  }

  /** Refresh now (startup), or join the refresh in flight. */
  now(reason: string): Promise<void> {
    if (this.#running !== null) return this.#running;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    return this.#run(reason);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }

  #run(reason: string): Promise<void> {
    this.count++;
    this.#lastStart = performance.now();
    const started = this.#lastStart;
    this.#running = this.#options.refresh(reason).then(
      () => this.#finish(reason, started, undefined),
      (error: unknown) => {
        this.#finish(reason, started, error as Error);
        throw error;
      },
    );
    // Triggers do not wait on it; only now() callers see its outcome.
    this.#running.catch(() => undefined);
    return this.#running;
  }

  #finish(reason: string, started: number, error: Error | undefined): void {
    this.#running = null;
    this.#options.onDone?.({ reason, durationMs: performance.now() - started, error });
    const again = this.#again;
    this.#again = undefined;
    if (again !== undefined || error !== undefined) this.trigger(again ?? `retry after: ${reason}`);
  }
}
