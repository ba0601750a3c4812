/** Add up the stats of several node clients into one cluster-wide view. */
import type { ClientStats } from '../client/stats.js';

/**
 * Every field at 0: the sum of no nodes (a cluster between topologies) is zeros, never a view
 * with fields missing (a caller adding `open + connecting` got NaN). Typed as a full record, so
 * a field added to ClientStats must be added here.
 */
const ZERO: Readonly<Record<keyof ClientStats, number>> = Object.freeze({
  maxConnections: 0,
  open: 0,
  idle: 0,
  leased: 0,
  connecting: 0,
  waiting: 0,
  waitingForLease: 0,
  queued: 0,
  inFlight: 0,
  created: 0,
  destroyed: 0,
  connectErrors: 0,
  acquireTimeouts: 0,
  leasesAcquired: 0,
  leaseWaits: 0,
  leaseWaitTimeTotalMs: 0,
  leaseMaxWaitMs: 0,
  leakWarnings: 0,
  subscriptions: 0,
  retries: 0,
  reconnects: 0,
  commandsSent: 0,
  commandsFailed: 0,
  errorReplies: 0,
  cacheHits: 0,
  cacheMisses: 0,
  cacheInvalidations: 0,
  cacheEvictions: 0,
  cacheEntries: 0,
  cacheBytes: 0,
  cacheFlushes: 0,
  cacheRacedReplies: 0,
  cacheTrackingErrors: 0,
});

export function sumStats(all: readonly ClientStats[]): ClientStats {
  const total: Record<string, number> = { ...ZERO };
  for (const stats of all) {
    for (const [key, value] of Object.entries(stats)) {
      // The longest wait is a maximum, not a sum.
      total[key] =
        key === 'leaseMaxWaitMs' ? Math.max(total[key] ?? 0, value) : (total[key] ?? 0) + value;
    }
  }
  return total as unknown as ClientStats;
}
