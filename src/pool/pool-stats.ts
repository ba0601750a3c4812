/** A point-in-time view of one pool. */
export interface PoolStats {
  /** The hard cap: idle + leased + connecting never exceed it. */
  readonly maxSize: number;
  /** Resources that exist: leased + idle (+ those being reset on release). */
  readonly open: number;
  readonly idle: number;
  readonly leased: number;
  /** Dials in progress. */
  readonly connecting: number;
  /** Callers waiting for a resource. `open + connecting === maxSize` with waiters means the budget is spent. */
  readonly waiting: number;
  readonly created: number;
  readonly destroyed: number;
  /** Successful acquires. */
  readonly acquired: number;
  /** Acquires that waited and were granted (their total and longest wait); timeouts and aborts are not counted here. */
  readonly waited: number;
  readonly waitTimeTotalMs: number;
  readonly maxWaitMs: number;
  readonly acquireTimeouts: number;
  readonly dialErrors: number;
  readonly leakWarnings: number;
}
