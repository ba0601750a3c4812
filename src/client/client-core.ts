/**
 * What all views of one client share: the options, the multiplexed connection and the pool of
 * exclusive connections, under one budget.
 *
 * Budget: the multiplexed connection always has its slot reserved, so the pool may hold at most
 * maxConnections - 1 (leased + idle + connecting). Ordinary commands can never be starved of a
 * connection by blocking work, and the total never exceeds maxConnections.
 */
import { EventEmitter } from 'node:events';
import { NO_CACHE_STATS, TrackingCache } from '../cache/tracking-cache.js';
import { ClientClosedError } from '../errors.js';
import { type ClientScope, createClientScope } from '../metrics/client-scope.js';
import type { AcquireOptions } from '../pool/pool.js';
import type { SharedBudget } from '../pool/shared-budget.js';
import type { RespArg } from '../protocol/resp-types.js';
import { Deadlines } from '../util/deadlines.js';
import { functionArgument } from './argument-guard.js';
import { BlockingDeadline } from './blocking-deadline.js';
import { type ConnectionPool, createConnectionPool } from './connection-pool.js';
import type { ClientEvents } from './events.js';
import { type Expiring, LeaseLimit } from './lease-limit.js';
import { LeaseState } from './lease-state.js';
import { LeasedConnection } from './leased-connection.js';
import { type ConnectionFactory, Multiplexer } from './multiplexer.js';
import {
  type ConnectionExtras,
  reconnectBackoff,
  toConnectionOptions,
  toPoolOptions,
} from './option-slices.js';
import type { ResolvedClientOptions } from './options.js';
import { type CommandPolicy, PromiseCommand } from './promise-command.js';
import type { Transform } from './reply-transforms.js';
import type { ClientStats } from './stats.js';
import { Subscriber } from './subscriber.js';

/** Something that must stop when the client does (it never delays the close). */
export interface CoreCompanion {
  close(): void;
}

function blockingPolicy(policy: CommandPolicy): CommandPolicy {
  return policy.timeoutMs === 0 ? policy : { ...policy, timeoutMs: 0 };
}

export class ClientCore {
  readonly options: ResolvedClientOptions;
  readonly events = new EventEmitter<ClientEvents>();
  readonly mux: Multiplexer;
  readonly pool: ConnectionPool;
  readonly subscriber: Subscriber;
  /** Identity and destination carried by this client's diagnostics messages. */
  readonly scope: ClientScope;
  /**
   * Lease durations (maxLeaseMs) and blocking commands' deadlines: one timer for all of them
   * (util/deadlines.ts). Ref'd: a caller awaits each.
   */
  readonly deadlines = new Deadlines<Expiring>((item) => item.expire(), { ref: true });
  /** Client-side cache (the `cache` option), kept fresh by CLIENT TRACKING; docs/caching.md. */
  readonly cache: TrackingCache | undefined;
  /** Sends a command again on the multiplexed connection (transient-reply retries). */
  readonly resend = (cmd: PromiseCommand): void => {
    this.mux.send(cmd);
  };

  /** Lives and dies with this core (a sentinel client's watcher). */
  readonly #companion: CoreCompanion | undefined;

  /**
   * @param factory Opens every connection of this client, the multiplexed one and the pool's
   * (a sentinel client resolves the address there); by default Connection.open.
   * @param budget A connection budget shared with other clients (a cluster's nodes under
   * maxConnectionsTotal); this client's pool takes a slot for every connection it dials.
   * @param companion Closed with this core.
   * @param extras Connection settings decided above the client (a cluster node's READONLY).
   */
  constructor(
    options: ResolvedClientOptions,
    factory?: ConnectionFactory,
    budget?: SharedBudget,
    companion?: CoreCompanion,
    extras?: ConnectionExtras,
  ) {
    this.options = options;
    this.#companion = companion;
    // Each layer's slice of the options, made once (option-slices.ts).
    const connectionOptions = toConnectionOptions(options, extras);
    this.mux = new Multiplexer(
      options,
      this.events,
      (s) => this.#applyServerTimeout(s),
      factory,
      connectionOptions,
    );
    this.pool = createConnectionPool(
      connectionOptions,
      toPoolOptions(options),
      options.socketFactory,
      options.closeTimeoutMs,
      budget,
      factory,
    );
    this.subscriber = new Subscriber(this.pool, reconnectBackoff(options), this.events);
    this.scope = createClientScope(options);
    this.cache =
      options.cache === undefined
        ? undefined
        : new TrackingCache(options.cache, {
            acquire: () => this.pool.acquire({ trackLeak: false }),
            destroyLeased: (conn) => this.pool.destroyLeased(conn),
          });
    if (this.cache !== undefined) this.mux.onConnection = this.cache.attach.bind(this.cache);
  }

  /**
   * The server closes clients idle for `timeout` seconds: pooled connections are retired well
   * before that (with a margin for the server's once-a-second check), so no borrower is ever
   * handed a connection the server is about to close.
   */
  #applyServerTimeout(seconds: number): void {
    const configured = this.options.idleTimeoutMs;
    if (seconds <= 0) {
      this.pool.setIdleTimeoutMs(configured);
      return;
    }
    const ms = seconds * 1000;
    const belowServer = Math.max(100, ms - Math.max(500, ms / 10));
    this.pool.setIdleTimeoutMs(Math.min(configured, belowServer));
  }

  /**
   * Lease a connection for `fn` and give it back on every path. The lease's signal (after the
   * grant) and `maxLeaseMs` end it around `fn`: the call rejects at once, the connection is
   * destroyed and its slot freed, whatever `fn` is still doing (LeaseLimit).
   */
  async withConnection<T, S extends string | Buffer>(
    fn: (connection: LeasedConnection<S>) => T | Promise<T>,
    policy: CommandPolicy,
    acquire: AcquireOptions,
    maxLeaseMs = 0,
  ): Promise<T> {
    functionArgument(fn, 'withConnection', 'fn');
    if (this.mux.closed) throw new ClientClosedError('The client is closed; create a new client');
    const conn = await this.pool.acquire(acquire);
    const state = new LeaseState(this.options.db, this.options.name);
    this.pool.track(conn, state);
    const lease = new LeasedConnection<S>(conn, state, policy, {
      counters: this.mux.counters,
      blockingGraceMs: this.options.blockingGraceMs,
      scope: this.scope,
      deadlines: this.deadlines,
    });
    const limit =
      acquire.signal === undefined && maxLeaseMs === 0
        ? undefined
        : new LeaseLimit(acquire.signal, maxLeaseMs, this.deadlines, (error) => {
            lease.end();
            this.pool.destroyLeased(conn, error);
          });
    try {
      if (limit === undefined) return await fn(lease);
      // A synchronous throw from fn becomes the work's rejection, as with `await fn()`.
      const work = new Promise<T>((resolve) => resolve(fn(lease)));
      return await Promise.race([work, limit.ended]);
    } finally {
      limit?.dispose();
      lease.end();
      // A connection with replies still owed (fn did not await everything) is not clean; the
      // pool destroys it rather than lend it with someone else's replies queued. After the
      // limit ended the lease, the connection is already gone and this does nothing.
      this.pool.release(conn);
    }
  }

  /**
   * Run one blocking command on a leased connection. Its client-side deadline is its own
   * timeout plus the grace period (none when it blocks forever); at the deadline the
   * connection is destroyed, so the command cannot consume an element after we gave up.
   */
  async runBlocking(
    args: RespArg[],
    policy: CommandPolicy,
    transform: Transform | undefined,
    serverTimeoutMs: number | undefined,
  ): Promise<unknown> {
    if (this.mux.closed) throw new ClientClosedError('The client is closed; create a new client');
    // No leak warning: the command's own timeout (plus grace) bounds how long it holds the lease,
    // and BLPOP … 0 waiting for hours is by design, not a leak.
    const conn = await this.pool.acquire({ signal: policy.signal, trackLeak: false });
    // The blocking command's own timeout (plus grace) is its deadline, not commandTimeoutMs.
    const cmd = new PromiseCommand(
      args,
      blockingPolicy(policy),
      transform,
      this.mux.counters,
      undefined,
    );
    const promise = cmd.promise();
    const deadline =
      serverTimeoutMs !== undefined && serverTimeoutMs > 0
        ? new BlockingDeadline(
            this.deadlines,
            args,
            serverTimeoutMs,
            this.options.blockingGraceMs,
            (error) => this.pool.destroyLeased(conn, error),
          )
        : undefined;
    try {
      this.mux.counters.commandsSent++;
      conn.send(cmd);
      return await promise;
    } finally {
      deadline?.disarm();
      this.pool.release(conn);
    }
  }

  stats(): ClientStats {
    const m = this.mux.stats();
    const p = this.pool.stats();
    const c = this.cache?.stats() ?? NO_CACHE_STATS;
    return Object.freeze({
      maxConnections: this.options.maxConnections,
      open: m.open + p.open,
      idle: p.idle,
      leased: p.leased,
      connecting: m.connecting + p.connecting,
      waiting: p.waiting + m.queued,
      waitingForLease: p.waiting,
      queued: m.queued,
      inFlight: m.inFlight,
      created: m.created + p.created,
      destroyed: m.destroyed + p.destroyed,
      connectErrors: m.connectErrors + p.dialErrors,
      retries: m.retries,
      reconnects: m.reconnects,
      acquireTimeouts: p.acquireTimeouts,
      leasesAcquired: p.acquired,
      leaseWaits: p.waited,
      leaseWaitTimeTotalMs: p.waitTimeTotalMs,
      leaseMaxWaitMs: p.maxWaitMs,
      leakWarnings: p.leakWarnings,
      subscriptions: this.subscriber.channelCount,
      commandsSent: m.commandsSent,
      commandsFailed: m.commandsFailed,
      errorReplies: m.errorReplies,
      cacheHits: c.hits,
      cacheMisses: c.misses,
      cacheInvalidations: c.invalidations,
      cacheEvictions: c.evictions,
      cacheEntries: c.entries,
      cacheBytes: c.bytes,
      cacheFlushes: c.flushes,
      cacheRacedReplies: c.racedReplies,
      cacheTrackingErrors: c.trackingErrors,
    });
  }

  /** Graceful: the multiplexed connection answers what it accepted; leases get closeTimeoutMs. */
  close(): Promise<void> {
    // Synchronously refuse new commands: mux.close() marks the client closed before returning.
    const mux = this.mux.close();
    this.cache?.close();
    // The subscriber before the pool: its lease is long-lived by design and would otherwise hold
    // pool.close() up until its deadline.
    const leases = this.subscriber.close().then(() => this.pool.close(this.options.closeTimeoutMs));
    this.#companion?.close();
    return Promise.all([mux, leases]).then(() => undefined);
  }

  destroy(): void {
    this.deadlines.clear();
    this.mux.destroy();
    this.cache?.close();
    void this.subscriber.close();
    void this.pool.close(0);
    this.#companion?.close();
  }
}
