/**
 * Counters and snapshots. Counters are plain mutable fields bumped on the hot path (one integer
 * add, no allocation); `stats()` copies them into a frozen snapshot.
 */

/**
 * Mutable counters owned by the multiplexer. Not exported from the package, but not
 * marked internal either: `stripInternal` would drop it from stats.d.ts while other declarations still name it.
 */
export interface ClientCounters {
  commandsSent: number;
  commandsFailed: number;
  errorReplies: number;
  connectionsCreated: number;
  connectionsDestroyed: number;
  connectErrors: number;
  /** Commands sent again: after a lost connection (safe ones) or a LOADING/BUSY/MASTERDOWN reply. */
  retries: number;
  /** Times the multiplexed connection was established again after the first (any cause). */
  reconnects: number;
}

export function createCounters(): ClientCounters {
  return {
    commandsSent: 0,
    commandsFailed: 0,
    errorReplies: 0,
    connectionsCreated: 0,
    connectionsDestroyed: 0,
    connectErrors: 0,
    retries: 0,
    reconnects: 0,
  };
}

/** A point-in-time view of one client's connections and commands. */
export interface ClientStats {
  /** The budget: open + connecting never exceed it. */
  readonly maxConnections: number;
  /** Connections open to the server: the multiplexed one plus leased and idle exclusive ones. */
  readonly open: number;
  /** Exclusive connections sitting idle in the pool. */
  readonly idle: number;
  /** Exclusive connections lent out (withConnection, blocking commands, pub/sub). */
  readonly leased: number;
  /** Connections being dialled or handshaking. */
  readonly connecting: number;
  /** Everything waiting for a connection: lease waiters plus queued commands. */
  readonly waiting: number;
  /** Callers waiting for an exclusive connection (the budget is spent when this is > 0). */
  readonly waitingForLease: number;
  /** Commands waiting for the multiplexed connection to be (re)established. */
  readonly queued: number;
  /** Commands written on the multiplexed connection and not yet answered. */
  readonly inFlight: number;
  /** Connections opened since the client was created. */
  readonly created: number;
  /** Connections closed or lost since the client was created. */
  readonly destroyed: number;
  /** Failed connection attempts. */
  readonly connectErrors: number;
  /** Lease requests that gave up at acquireTimeoutMs. */
  readonly acquireTimeouts: number;
  /** Leases granted, how many had to wait, their total and longest wait. */
  readonly leasesAcquired: number;
  readonly leaseWaits: number;
  readonly leaseWaitTimeTotalMs: number;
  readonly leaseMaxWaitMs: number;
  /** Leases reported held longer than leakWarningMs. */
  readonly leakWarnings: number;
  /** Channels, patterns and shard channels subscribed to (on the one subscriber connection). */
  readonly subscriptions: number;
  /** Commands sent again: after a lost connection (safe ones) or a LOADING/BUSY/MASTERDOWN reply. */
  readonly retries: number;
  /** Times the multiplexed connection was established again after the first (any cause). */
  readonly reconnects: number;
  /** Commands handed to a connection. */
  readonly commandsSent: number;
  /** Commands that got no reply: transport failures, timeouts, aborts. */
  readonly commandsFailed: number;
  /** Commands answered with a server error reply. */
  readonly errorReplies: number;
  /**
   * Client-side cache (all 0 without the `cache` option; docs/caching.md): reads answered from
   * it, reads that went to the server, keys invalidated by the server, entries evicted by the
   * bounds, and what it holds now.
   */
  readonly cacheHits: number;
  readonly cacheMisses: number;
  readonly cacheInvalidations: number;
  readonly cacheEvictions: number;
  readonly cacheEntries: number;
  readonly cacheBytes: number;
  /** Whole-cache flushes: lost connections, tracking errors, flush-all invalidations. */
  readonly cacheFlushes: number;
  /** Replies not stored because an invalidation or a flush arrived while they were in flight. */
  readonly cacheRacedReplies: number;
  /** CLIENT TRACKING refused or its redirect connection failed. */
  readonly cacheTrackingErrors: number;
}
