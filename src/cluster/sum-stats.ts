/** Add up the stats of several node clients into one cluster-wide view. */
import type { ClientStats } from '../client/stats.js';

export function sumStats(all: readonly ClientStats[]): ClientStats {
  const total: Record<string, number> = {};
  for (const stats of all) {
    for (const [key, value] of Object.entries(stats)) {
      // The longest wait is a maximum, not a sum.
      total[key] =
        key === 'leaseMaxWaitMs' ? Math.max(total[key] ?? 0, value) : (total[key] ?? 0) + value;
    }
  }
  return total as unknown as ClientStats;
}
