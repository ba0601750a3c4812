/**
 * A generic bounded pool: knows nothing of Redis. The resource factory is injected.
 *
 * Invariants (incidents 1, 2 and 4):
 * - One hard cap: idle + leased + connecting + resetting ≤ maxSize at every instant. A caller
 *   that finds no idle resource and no room waits (FIFO, with a deadline); nothing overflows.
 * - Idle resources form a LIFO stack: the hottest one is reused, the cold tail ages out. A
 *   background evictor (unref'd) retires resources idle longer than idleTimeoutMs, a bounded
 *   number per run, down to minIdle, with or without traffic. Release never closes a healthy
 *   resource just because many are idle (closing on release is what fills TIME_WAIT).
 * - A resource that is broken, or fails its reset, is destroyed, never handed out again.
 * - A failed dial frees its slot, wakes the next waiter's dial after a jittered backoff, and is
 *   reported as the `cause` of the waiters' timeout.
 *
 * Scheduling has one entry point, #pulse(): it hands idle resources to waiters in order, then
 * starts as many dials as waiters still need, within the cap and the dial concurrency.
 *
 *   idle:    [ oldest … newest ]   acquire pops the newest; the evictor takes from the oldest
 *   waiters: ring, FIFO; a timed-out or aborted waiter is marked and skipped (O(1) cancel)
 */
import { EventEmitter } from 'node:events';
import { AbortedError, PoolClosedError, PoolTimeoutError, QueueFullError } from '../errors.js';
import { leaseLeakChannel, type PoolWaitOutcome, poolWaitChannel } from '../metrics/channels.js';
import { publishLeaseLeak, publishPoolWait } from '../metrics/publish.js';
import { type BackoffOptions, backoffDelayMs } from '../util/backoff.js';
import { Deadlines } from '../util/deadlines.js';
import { RingQueue } from '../util/ring-queue.js';
import { type PoolOptions, type ResolvedPoolOptions, resolvePoolOptions } from './pool-options.js';
import type { PoolStats } from './pool-stats.js';
import type { SharedBudget } from './shared-budget.js';

export interface ResourceFactory<T> {
  /** Create a resource; reject with why it could not be made. */
  create(): Promise<T>;
  /** Retire a healthy resource gracefully (eviction, close). Must not throw. */
  retire(resource: T): void;
  /** Destroy a broken resource now. Must not throw. */
  destroy(resource: T, reason: Error | undefined): void;
  /** Usable as it is? Checked when taken from idle and on release. */
  isHealthy(resource: T): boolean;
  /** Make a released resource clean for the next borrower; false or a rejection destroys it. */
  reset?(resource: T): Promise<boolean> | boolean;
  /**
   * A create() error that retrying cannot fix soon (a wrong password): every waiter fails with
   * it at once, and so does every acquire until the dial backoff has passed. Absent: none is.
   */
  isRefusal?(error: Error): boolean;
}

export interface AcquireOptions {
  /** Abort the wait (the caller gets ERR_ABORTED). */
  readonly signal?: AbortSignal | undefined;
  /** Overrides the pool's acquireTimeoutMs for this call. 0 = no deadline. */
  readonly timeoutMs?: number | undefined;
  /** false for a lease that is meant to be long-lived (a subscriber): no leak warning. */
  readonly trackLeak?: boolean | undefined;
}

export interface PoolEvents {
  /** A lease was held longer than leakWarningMs; `stack` is where it was acquired. */
  leak: [info: { heldMs: number; stack: string }];
}

interface Waiter<T> {
  resolve(resource: T): void;
  reject(error: Error): void;
  /** This wait's deadline length (0 = none), kept in the pool's Deadlines while it waits. */
  readonly timeoutMs: number;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  enqueuedAt: number;
  settled: boolean;
  /** Where acquire() was called, when leak detection is on. */
  stack: string | undefined;
}

interface IdleEntry<T> {
  readonly resource: T;
  readonly since: number;
}

interface LeaseRecord {
  readonly since: number;
  /** Where it was acquired, for the leak warning; undefined when leaks are not tracked. */
  readonly stack: string | undefined;
}

export class Pool<T> extends EventEmitter<PoolEvents> {
  readonly options: ResolvedPoolOptions;
  readonly #factory: ResourceFactory<T>;
  readonly #idle: IdleEntry<T>[] = [];
  readonly #leases = new Map<T, LeaseRecord>();
  readonly #waiters = new RingQueue<Waiter<T>>(16);
  #waiting = 0;
  #connecting = 0;
  #resetting = 0;
  #closed = false;
  #closeWaiters: (() => void)[] = [];
  #dialFailures = 0;
  #nextDialAt = 0;
  #lastDialError: Error | undefined;
  /** The last dial was refused (isRefusal): acquires fail with this until #nextDialAt. */
  #refusal: Error | undefined;
  #dialTimer: NodeJS.Timeout | undefined;
  /**
   * The waiters' deadlines (util/deadlines.ts): one timer for all of them. Ref'd: a caller
   * awaits each, which must keep the process alive as a socket would.
   */
  readonly #deadlines = new Deadlines<Waiter<T>>((w) => this.#timeOut(w), { ref: true });
  /**
   * Leak warnings of the leases (leakWarningMs), on the same structure. Unref'd: a warning is
   * no reason to keep a process alive.
   */
  readonly #leakDeadlines = new Deadlines<LeaseRecord>((r) => this.#warnLeak(r), { ref: false });
  #evictor: NodeJS.Timeout;
  /** Shared with other pools (cluster maxConnectionsTotal); a dial needs one of its slots. */
  readonly #budget: SharedBudget | undefined;
  readonly #stopWaking: (() => void) | undefined;
  readonly #stopReclaim: (() => void) | undefined;
  /** For the shared budget: retire the coldest idle resource (above minIdle) to free a slot. */
  readonly #reclaim = (): boolean => {
    if (this.#closed || this.#idle.length <= this.options.minIdle) return false;
    const coldest = this.#idle.shift()!;
    this.#gone();
    this.#factory.retire(coldest.resource);
    return true;
  };
  #idleTimeoutMs: number;
  readonly #dialBackoff: BackoffOptions;
  // Counters for stats().
  #created = 0;
  #destroyed = 0;
  #acquired = 0;
  #waited = 0;
  #waitTimeTotalMs = 0;
  #maxWaitMs = 0;
  #acquireTimeouts = 0;
  #dialErrors = 0;
  #leakWarnings = 0;

  constructor(factory: ResourceFactory<T>, options: PoolOptions, budget?: SharedBudget) {
    super();
    this.options = resolvePoolOptions(options);
    this.#factory = factory;
    this.#budget = budget;
    this.#stopWaking = budget?.onFree(() => this.#pulse());
    this.#stopReclaim = budget?.onReclaim(this.#reclaim);
    this.#idleTimeoutMs = this.options.idleTimeoutMs;
    this.#dialBackoff = {
      baseMs: this.options.dialBackoffMs,
      maxMs: this.options.maxDialBackoffMs,
    };
    this.#evictor = setInterval(() => this.#evict(), this.options.evictionIntervalMs);
    this.#evictor.unref();
  }

  /** A resource is gone (destroyed, retired, lost): count it and free its budget slot. */
  #gone(): void {
    this.#destroyed++;
    this.#budget?.give();
  }

  /** The idle timeout in force (the configured one, or lower once the server's is known). */
  get idleTimeoutMs(): number {
    return this.#idleTimeoutMs;
  }

  /**
   * Lower (or restore) the idle timeout at run time, e.g. below the server's own `timeout`, so
   * the pool retires idle resources before the server closes them under a borrower's feet.
   * The evictor runs at least as often as the new timeout.
   */
  setIdleTimeoutMs(ms: number): void {
    if (ms === this.#idleTimeoutMs || this.#closed) return;
    this.#idleTimeoutMs = ms;
    clearInterval(this.#evictor);
    this.#evictor = setInterval(() => this.#evict(), Math.min(this.options.evictionIntervalMs, ms));
    this.#evictor.unref();
  }

  get #total(): number {
    return this.#idle.length + this.#leases.size + this.#connecting + this.#resetting;
  }

  /**
   * Borrow a resource. Resolves at once with the newest idle one when nobody is waiting;
   * otherwise waits in line. Rejects with ERR_POOL_TIMEOUT, ERR_ABORTED, ERR_QUEUE_FULL or
   * ERR_POOL_CLOSED.
   */
  acquire(options: AcquireOptions = {}): Promise<T> {
    if (this.#closed) return Promise.reject(new PoolClosedError());
    if (options.signal?.aborted === true) {
      return Promise.reject(
        new AbortedError('Aborted before a connection was acquired', false, {
          cause: options.signal.reason,
        }),
      );
    }
    // Captured here, in the caller's stack, and only when leak detection is on (leases are not
    // the hot path); the lease itself may be granted later from a dial callback.
    const stack =
      this.options.leakWarningMs > 0 && options.trackLeak !== false
        ? (new Error('Lease acquired here').stack ?? '')
        : undefined;
    if (this.#waiting === 0) {
      const resource = this.#takeIdle();
      if (resource !== undefined) {
        this.#lease(resource, stack);
        // Diagnostics: served at once, so only `end`, with no wait.
        if (poolWaitChannel.hasSubscribers) this.#wait('end', 0, 'acquired');
        return Promise.resolve(resource);
      }
    }
    // A refused dial is final until its backoff has passed: fail like the waiters it failed.
    const refusal = this.#refusal;
    if (refusal !== undefined && Date.now() < this.#nextDialAt) return Promise.reject(refusal);
    if (this.#waiting >= this.options.maxWaiters) {
      return Promise.reject(
        new QueueFullError(
          `${this.#waiting} callers are already waiting for a pooled connection (maxWaiters); ${this.#describe()}`,
        ),
      );
    }
    if (this.options.maxSize === 0) {
      return Promise.reject(
        new PoolTimeoutError(
          `The connection budget leaves no room for exclusive connections; ${this.#describe()}`,
        ),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.options.acquireTimeoutMs;
      const waiter: Waiter<T> = {
        resolve,
        reject,
        timeoutMs,
        signal: options.signal,
        onAbort: undefined,
        enqueuedAt: performance.now(),
        settled: false,
        stack,
      };
      if (timeoutMs > 0) this.#deadlines.add(waiter, waiter.enqueuedAt + timeoutMs);
      if (options.signal !== undefined) {
        const signal = options.signal;
        waiter.onAbort = () => {
          this.#cancelWaiter(
            waiter,
            new AbortedError('Aborted while waiting for a connection', false, {
              cause: signal.reason,
            }),
            'aborted',
          );
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
      this.#waiting++;
      if (poolWaitChannel.hasSubscribers) this.#wait('start', 0, undefined);
      this.#pulse();
    });
  }

  /** Give a resource back. It is reset (when the factory can) and kept idle, or destroyed if broken. */
  release(resource: T): void {
    if (!this.#unlease(resource)) return;
    if (!this.#factory.isHealthy(resource)) {
      this.#destroy(resource, undefined);
      return;
    }
    const reset = this.#factory.reset;
    if (reset === undefined) {
      this.#toIdle(resource);
      return;
    }
    this.#resetting++;
    Promise.resolve()
      .then(() => reset.call(this.#factory, resource))
      .then(
        (ok) => {
          this.#resetting--;
          if (ok && this.#factory.isHealthy(resource)) this.#toIdle(resource);
          else this.#destroy(resource, undefined);
        },
        (error: unknown) => {
          this.#resetting--;
          this.#destroy(resource, error as Error);
        },
      );
  }

  /** Destroy a leased resource instead of returning it (it timed out mid-command, say). */
  destroyLeased(resource: T, reason?: Error): void {
    if (this.#unlease(resource)) this.#destroy(resource, reason);
  }

  /** End a lease by retiring the resource gracefully (a subscriber at close). */
  retireLeased(resource: T): void {
    if (!this.#unlease(resource)) return;
    this.#gone();
    this.#factory.retire(resource);
    this.#checkClosed();
    this.#pulse();
  }

  /**
   * The resource died on its own (server closed it). Idle: dropped from the stack. Leased:
   * nothing to do now; release() will find it unhealthy and destroy it.
   */
  forget(resource: T): void {
    const i = this.#idle.findIndex((e) => e.resource === resource);
    if (i === -1) return;
    this.#idle.splice(i, 1);
    this.#gone();
    this.#factory.destroy(resource, undefined);
    this.#pulse();
  }

  stats(): PoolStats {
    return Object.freeze({
      maxSize: this.options.maxSize,
      open: this.#idle.length + this.#leases.size + this.#resetting,
      idle: this.#idle.length,
      leased: this.#leases.size,
      connecting: this.#connecting,
      waiting: this.#waiting,
      created: this.#created,
      destroyed: this.#destroyed,
      acquired: this.#acquired,
      waited: this.#waited,
      waitTimeTotalMs: this.#waitTimeTotalMs,
      maxWaitMs: this.#maxWaitMs,
      acquireTimeouts: this.#acquireTimeouts,
      dialErrors: this.#dialErrors,
      leakWarnings: this.#leakWarnings,
    });
  }

  /**
   * Stop lending: waiters fail with ERR_POOL_CLOSED, idle resources are retired, and leases are
   * waited for up to `timeoutMs`, then destroyed. Idempotent.
   */
  async close(timeoutMs = 5000): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      clearInterval(this.#evictor);
      this.#stopWaking?.();
      this.#stopReclaim?.();
      if (this.#dialTimer !== undefined) clearTimeout(this.#dialTimer);
      for (let w = this.#waiters.shift(); w !== undefined; w = this.#waiters.shift()) {
        this.#cancelWaiter(w, new PoolClosedError(), 'closed');
      }
      for (const entry of this.#idle.splice(0)) {
        this.#gone();
        this.#factory.retire(entry.resource);
      }
    }
    if (this.#leases.size === 0 && this.#resetting === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const resource of [...this.#leases.keys()]) {
          this.destroyLeased(
            resource,
            new PoolClosedError('The pool closed while this lease was held'),
          );
        }
        resolve();
      }, timeoutMs);
      // Not unref'd: whoever awaits close() must see it finish, even with nothing else alive.
      this.#closeWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #pulse(): void {
    if (this.#closed) return;
    // Serve waiters from idle, oldest waiter first.
    while (this.#waiting > 0) {
      const waiter = this.#liveHead();
      if (waiter === undefined) break;
      const resource = this.#takeIdle();
      if (resource === undefined) break;
      this.#waiters.shift();
      this.#settleWaiter(waiter, 'acquired');
      this.#lease(resource, waiter.stack);
      waiter.resolve(resource);
    }
    // Dial for the waiters that pending dials will not already serve.
    let need = this.#waiting - this.#connecting;
    while (
      need > 0 &&
      this.#total < this.options.maxSize &&
      this.#connecting < this.options.maxConcurrentDials
    ) {
      const wait = this.#nextDialAt - Date.now();
      if (wait > 0) {
        this.#dialTimer ??= setTimeout(() => {
          this.#dialTimer = undefined;
          this.#pulse();
        }, wait);
        break;
      }
      // No room in the shared budget: ask another pool to give up an idle resource, and wait;
      // a slot freed anywhere wakes this pool.
      if (this.#budget !== undefined && !this.#budget.tryTake()) {
        this.#budget.reclaim(this.#reclaim);
        break;
      }
      this.#dial();
      need--;
    }
  }

  #dial(): void {
    this.#connecting++;
    this.#factory.create().then(
      (resource) => {
        this.#connecting--;
        this.#dialFailures = 0;
        this.#lastDialError = undefined;
        this.#refusal = undefined;
        this.#created++;
        this.#toIdle(resource);
      },
      (error: unknown) => {
        this.#connecting--;
        this.#budget?.give();
        this.#dialErrors++;
        this.#dialFailures++;
        this.#lastDialError = error as Error;
        // Exponential backoff with equal jitter (util/backoff.ts): a refused server is not
        // hammered in a loop, and many clients do not retry in lockstep.
        this.#nextDialAt = Date.now() + backoffDelayMs(this.#dialFailures, this.#dialBackoff);
        if (this.#factory.isRefusal?.(error as Error) === true) this.#refuse(error as Error);
        this.#pulse();
      },
    );
  }

  /** A refused dial: every waiter fails with its error now instead of waiting out its deadline. */
  #refuse(error: Error): void {
    this.#refusal = error;
    for (let w = this.#waiters.shift(); w !== undefined; w = this.#waiters.shift()) {
      this.#cancelWaiter(w, error, 'refused');
    }
  }

  #toIdle(resource: T): void {
    if (this.#closed) {
      this.#gone();
      this.#factory.retire(resource);
      this.#checkClosed();
      return;
    }
    this.#idle.push({ resource, since: Date.now() });
    this.#pulse();
  }

  #destroy(resource: T, reason: Error | undefined): void {
    this.#gone();
    this.#factory.destroy(resource, reason);
    this.#checkClosed();
    this.#pulse();
  }

  /**
   * Newest healthy idle resource. Unhealthy ones are destroyed on the way, and ones idle past
   * the timeout are retired: the evictor runs only periodically, and a resource lent just
   * before the server's own idle close would fail its borrower's first command.
   */
  #takeIdle(): T | undefined {
    const now = Date.now();
    for (let entry = this.#idle.pop(); entry !== undefined; entry = this.#idle.pop()) {
      // minIdle connections are kept past the timeout, as the evictor keeps them.
      if (now - entry.since >= this.#idleTimeoutMs && this.#idle.length >= this.options.minIdle) {
        this.#gone();
        this.#factory.retire(entry.resource);
        continue;
      }
      if (this.#factory.isHealthy(entry.resource)) return entry.resource;
      this.#gone();
      this.#factory.destroy(entry.resource, undefined);
    }
    return undefined;
  }

  #lease(resource: T, stack: string | undefined): void {
    this.#acquired++;
    // Monotonic and sub-millisecond: Date.now() truncates, so a 30 ms lease could read as 29.
    const record: LeaseRecord = { since: performance.now(), stack };
    const leakMs = this.options.leakWarningMs;
    if (leakMs > 0 && stack !== undefined) this.#leakDeadlines.add(record, record.since + leakMs);
    this.#leases.set(resource, record);
  }

  /** A lease is held past leakWarningMs: reported once, with where it was acquired. */
  #warnLeak(record: LeaseRecord): void {
    const stack = record.stack;
    if (stack === undefined) return;
    this.#leakWarnings++;
    // Whole ms, rounded up, and never below the threshold: the structure fires items up to
    // DUE_SLACK_MS early (libuv's millisecond loop clock), when the threshold is all but passed.
    const heldMs = Math.max(
      this.options.leakWarningMs,
      Math.ceil(performance.now() - record.since),
    );
    if (leaseLeakChannel.hasSubscribers) publishLeaseLeak(this.options.clientId, heldMs, stack);
    this.emit('leak', { heldMs, stack });
  }

  #unlease(resource: T): boolean {
    const record = this.#leases.get(resource);
    if (record === undefined) return false;
    this.#leakDeadlines.delete(record);
    this.#leases.delete(resource);
    return true;
  }

  #liveHead(): Waiter<T> | undefined {
    for (let w = this.#waiters.peek(); w !== undefined; w = this.#waiters.peek()) {
      if (!w.settled) return w;
      this.#waiters.shift();
    }
    return undefined;
  }

  /** Stop the waiter's timer and listener; a granted wait counts in the wait statistics. */
  #settleWaiter(waiter: Waiter<T>, outcome: PoolWaitOutcome): void {
    waiter.settled = true;
    this.#waiting--;
    if (waiter.timeoutMs > 0) this.#deadlines.delete(waiter);
    if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    const waitedMs = performance.now() - waiter.enqueuedAt;
    if (poolWaitChannel.hasSubscribers) this.#wait('end', waitedMs, outcome);
    if (outcome !== 'acquired') return;
    this.#waited++;
    this.#waitTimeTotalMs += waitedMs;
    if (waitedMs > this.#maxWaitMs) this.#maxWaitMs = waitedMs;
  }

  #timeOut(waiter: Waiter<T>): void {
    if (waiter.settled) return;
    this.#acquireTimeouts++;
    this.#cancelWaiter(
      waiter,
      new PoolTimeoutError(
        `No connection became free within ${waiter.timeoutMs} ms; ${this.#describe()}`,
        this.#lastDialError === undefined ? undefined : { cause: this.#lastDialError },
      ),
      'timeout',
    );
  }

  #cancelWaiter(waiter: Waiter<T>, error: Error, outcome: PoolWaitOutcome): void {
    if (waiter.settled) return;
    this.#settleWaiter(waiter, outcome);
    waiter.reject(error);
  }

  /** Diagnostics: a lease request queued (`start`) or answered (`end`). */
  #wait(phase: 'start' | 'end', waitedMs: number, outcome: PoolWaitOutcome | undefined): void {
    publishPoolWait(this.options.clientId, phase, waitedMs, outcome, this.#waiting);
  }

  #evict(): void {
    const now = Date.now();
    const { maxEvictionsPerRun, minIdle } = this.options;
    const idleTimeoutMs = this.#idleTimeoutMs;
    let evicted = 0;
    while (evicted < maxEvictionsPerRun && this.#idle.length > minIdle) {
      const oldest = this.#idle[0]!;
      if (now - oldest.since < idleTimeoutMs) break;
      this.#idle.shift();
      this.#gone();
      this.#factory.retire(oldest.resource);
      evicted++;
    }
  }

  #checkClosed(): void {
    if (!this.#closed || this.#leases.size > 0 || this.#resetting > 0) return;
    for (const done of this.#closeWaiters.splice(0)) done();
  }

  #describe(): string {
    const s = this.stats();
    return `pool: ${s.open} open (${s.leased} leased, ${s.idle} idle), ${s.connecting} connecting, ${s.waiting} waiting, max ${s.maxSize}`;
  }
}
