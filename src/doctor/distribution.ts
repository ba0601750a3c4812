/**
 * Percentiles and idle buckets over whole seconds. Nearest-rank percentiles (the value at rank
 * ⌈p·n⌉ of the sorted set) are always a value that was observed, which reads better in a report
 * than an interpolated one ("p90 idle 3599 s" is a real connection).
 */
import type { Distribution, IdleBuckets } from './report-model.js';

/** Idle below this, a connection is in use: the idle-pool check's median threshold. */
const IN_USE_SECONDS = 5;
const MINUTE = 60;
const HOUR = 3_600;
const DAY = 86_400;

/** Nearest-rank percentile of an ascending array; 0 for an empty one. `p` in 0..100. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}

/** p50, p90 and max of `values` (any order). */
export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    max: sorted.at(-1) ?? 0,
  };
}

/** Count idle times into the report's buckets. */
export function idleBuckets(idleSeconds: readonly number[]): IdleBuckets {
  let under5s = 0;
  let under1m = 0;
  let under10m = 0;
  let under1h = 0;
  let under1d = 0;
  let atLeast1d = 0;
  for (const s of idleSeconds) {
    if (s < IN_USE_SECONDS) under5s++;
    if (s < MINUTE) under1m++;
    else if (s < 10 * MINUTE) under10m++;
    else if (s < HOUR) under1h++;
    else if (s < DAY) under1d++;
    else atLeast1d++;
  }
  return { under5s, under1m, under10m, under1h, under1d, atLeast1d };
}

/** Connections idle at least ten minutes, from buckets. */
export function idleAtLeast10m(b: IdleBuckets): number {
  return b.under1h + b.under1d + b.atLeast1d;
}

/** Connections idle at least an hour, from buckets. */
export function idleAtLeast1h(b: IdleBuckets): number {
  return b.under1d + b.atLeast1d;
}
