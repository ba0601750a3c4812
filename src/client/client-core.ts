/**
 * What all views of one client share: the options, the multiplexed connection and the pool of
 * exclusive connections, under one budget.
 *
 * Budget: the multiplexed connection always has its slot reserved, so the pool may hold at most
 * maxConnections - 1 (leased + idle + connecting). Ordinary commands can never be starved of a
 * connection by blocking work, and the total never exceeds maxConnections.
 */
import { CommandTimeoutError } from '../errors.js';
import type { AcquireOptions } from '../pool/pool.js';
import type { RespArg } from '../protocol/resp-types.js';
import { type ConnectionPool, createConnectionPool } from './connection-pool.js';
import { LeaseState } from './lease-state.js';
import { LeasedConnection } from './leased-connection.js';
import { type ConnectionFactory, Multiplexer, toConnectionOptions } from './multiplexer.js';
import type { ResolvedClientOptions } from './options.js';
import { PromiseCommand } from './promise-command.js';
import type { Transform } from './reply-transforms.js';
import type { ClientStats } from './stats.js';
import { Subscriber } from './subscriber.js';

export interface LeaseEvents {
  leak: [info: { heldMs: number; stack: string }];
}

export class ClientCore {
  readonly options: ResolvedClientOptions;
  readonly mux: Multiplexer;
  readonly pool: ConnectionPool;
  readonly subscriber: Subscriber;

  constructor(options: ResolvedClientOptions, factory?: ConnectionFactory) {
    this.options = options;
    this.mux = new Multiplexer(options, factory);
    this.pool = createConnectionPool(
      toConnectionOptions(options),
      {
        maxSize: options.maxConnections - 1,
        minIdle: options.minIdle,
        idleTimeoutMs: options.idleTimeoutMs,
        evictionIntervalMs: Math.min(1_000, options.idleTimeoutMs),
        acquireTimeoutMs: options.acquireTimeoutMs,
        maxWaiters: options.maxWaiters,
        leakWarningMs: options.leakWarningMs,
      },
      options.socketFactory,
      options.closeTimeoutMs,
    );
    this.subscriber = new Subscriber(this.pool);
  }

  /** Lease a connection for `fn` and give it back on every path. */
  async withConnection<T, S extends string | Buffer>(
    fn: (connection: LeasedConnection<S>) => T | Promise<T>,
    returnBuffers: boolean,
    acquire: AcquireOptions,
  ): Promise<T> {
    const conn = await this.pool.acquire(acquire);
    const state = new LeaseState(this.options.db, this.options.name);
    this.pool.track(conn, state);
    const lease = new LeasedConnection<S>(conn, state, returnBuffers, {
      counters: this.mux.counters,
      blockingGraceMs: this.options.blockingGraceMs,
    });
    try {
      return await fn(lease);
    } finally {
      lease.end();
      // A connection with replies still owed (fn did not await everything) is not clean; the
      // pool destroys it rather than lend it with someone else's replies queued.
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
    returnBuffers: boolean,
    transform: Transform | undefined,
    serverTimeoutMs: number | undefined,
  ): Promise<unknown> {
    const conn = await this.pool.acquire();
    const cmd = new PromiseCommand(args, returnBuffers, transform, this.mux.counters);
    const promise = cmd.promise();
    let timer: NodeJS.Timeout | undefined;
    if (serverTimeoutMs !== undefined && serverTimeoutMs > 0) {
      const grace = this.options.blockingGraceMs;
      timer = setTimeout(() => {
        this.pool.destroyLeased(
          conn,
          new CommandTimeoutError(
            `${String(args[0])} got no reply within its ${serverTimeoutMs} ms timeout plus ${grace} ms grace; its connection was closed so it cannot consume an element later`,
            true,
          ),
        );
      }, serverTimeoutMs + grace);
    }
    try {
      this.mux.counters.commandsSent++;
      conn.send(cmd);
      return await promise;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      this.pool.release(conn);
    }
  }

  stats(): ClientStats {
    const m = this.mux.stats();
    const p = this.pool.stats();
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
    });
  }

  /** Graceful: the multiplexed connection answers what it accepted; leases get closeTimeoutMs. */
  close(): Promise<void> {
    // Synchronously refuse new commands: mux.close() marks the client closed before returning.
    const mux = this.mux.close();
    // The subscriber before the pool: its lease is long-lived by design and would otherwise hold
    // pool.close() up until its deadline.
    const leases = this.subscriber
      .close()
      .then(() => this.pool.close(this.options.closeTimeoutMs));
    return Promise.all([mux, leases]).then(() => undefined);
  }

  destroy(): void {
    this.mux.destroy();
    void this.subscriber.close();
    void this.pool.close(0);
  }
}
