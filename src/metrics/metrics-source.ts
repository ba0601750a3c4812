/**
 * What the metrics helpers need of a client, as plain structural types: `metrics/` sits below
 * `client/` and never imports it. `RespoolClient` satisfies `MetricsSource` as it is.
 */

/** The numbers the helpers read at collection time: a subset of `ClientStats`. */
export interface MetricsSourceStats {
  readonly maxConnections: number;
  readonly open: number;
  readonly idle: number;
  readonly connecting: number;
  readonly waiting: number;
  readonly inFlight: number;
  readonly subscriptions: number;
  readonly created: number;
  readonly destroyed: number;
  readonly connectErrors: number;
  readonly retries: number;
  readonly reconnects: number;
  readonly acquireTimeouts: number;
  readonly leakWarnings: number;
  /** Client-side cache (docs/caching.md); absent or 0 without one. */
  readonly cacheHits?: number;
  readonly cacheMisses?: number;
  readonly cacheInvalidations?: number;
  readonly cacheEvictions?: number;
  readonly cacheFlushes?: number;
  readonly cacheEntries?: number;
  readonly cacheBytes?: number;
}

/** A client the metrics helpers can observe. */
export interface MetricsSource {
  /** Matches the `clientId` of the diagnostics messages the client publishes. */
  readonly clientId: string;
  /** The client's `name` option, if any. */
  readonly clientName: string | undefined;
  stats(): MetricsSourceStats;
}

/** The label a client's series carry unless told otherwise: its name, else its id. */
export function defaultClientLabel(source: MetricsSource): string {
  return source.clientName ?? source.clientId;
}
