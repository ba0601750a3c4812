/**
 * Counters and snapshots. Counters are plain mutable fields bumped on the hot path (one integer
 * add, no allocation); `stats()` copies them into a frozen snapshot.
 */

/** Mutable counters owned by the multiplexer. @internal */
export interface ClientCounters {
  commandsSent: number;
  commandsFailed: number;
  errorReplies: number;
  connectionsCreated: number;
  connectionsDestroyed: number;
  connectErrors: number;
}

export function createCounters(): ClientCounters {
  return {
    commandsSent: 0,
    commandsFailed: 0,
    errorReplies: 0,
    connectionsCreated: 0,
    connectionsDestroyed: 0,
    connectErrors: 0,
  };
}

/** A point-in-time view of one client's connections and commands. */
export interface ClientStats {
  /** Connections open to the server (multiplexed + leased + idle). */
  readonly open: number;
  /** Leasable connections sitting idle. */
  readonly idle: number;
  /** Connections lent out for exclusive work. */
  readonly leased: number;
  /** Connections being dialled or handshaking. */
  readonly connecting: number;
  /** Commands waiting for a connection to be established. */
  readonly waiting: number;
  /** Commands written and not yet answered. */
  readonly inFlight: number;
  /** Connections opened since the client was created. */
  readonly created: number;
  /** Connections closed or lost since the client was created. */
  readonly destroyed: number;
  /** Failed connection attempts. */
  readonly connectErrors: number;
  /** Commands handed to a connection. */
  readonly commandsSent: number;
  /** Commands that got no reply: transport failures, timeouts, aborts. */
  readonly commandsFailed: number;
  /** Commands answered with a server error reply. */
  readonly errorReplies: number;
}
