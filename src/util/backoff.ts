/**
 * The one backoff rule of the library: pool dials, the multiplexer's reconnects, the
 * subscriber's resubscribes and the cluster's refresh jitter all draw their delays here, so a
 * fleet of clients that lost the same server does not come back in lockstep.
 *
 * The cap after `failures` consecutive failures is `min(maxMs, baseMs × 2^(failures-1))`. The
 * delay drawn under that cap depends on the jitter:
 * - `equal`: uniform between half and all of the cap. Never much below the exponential step, so
 *   a refused server is not hammered, and still spread out. The library's default.
 * - `full`: uniform between 0 and the cap (AWS's "full jitter"): the most spread, the least
 *   predictable; for a burst of triggers that should be spread from 0 (a refresh).
 * - `none`: the cap itself.
 * `decorrelatedJitter` is the stateful variant: each delay is drawn from the previous one.
 */

export type Jitter = 'equal' | 'full' | 'none';

export interface BackoffOptions {
  /** The first step, in ms (the cap after one failure). */
  readonly baseMs: number;
  /** The largest cap, in ms. */
  readonly maxMs: number;
  /** @default 'equal' */
  readonly jitter?: Jitter;
}

/** Exponent ceiling: 2^30 × any sane base is far past any sane maxMs, and stays finite. */
const MAX_EXPONENT = 30;

/** The cap after `failures` (≥ 1) consecutive failures, before jitter. */
export function backoffCapMs(failures: number, options: BackoffOptions): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, MAX_EXPONENT);
  return Math.min(options.maxMs, options.baseMs * 2 ** exponent);
}

/**
 * The delay before the next attempt after `failures` (≥ 1) consecutive failures, in whole ms.
 * `random` is injectable for tests (a function returning [0, 1)).
 */
export function backoffDelayMs(
  failures: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const cap = backoffCapMs(failures, options);
  return jittered(cap, options.jitter ?? 'equal', random);
}

/** A delay drawn under `capMs` with the given jitter, in whole ms. */
export function jittered(
  capMs: number,
  jitter: Jitter,
  random: () => number = Math.random,
): number {
  switch (jitter) {
    case 'none':
      return Math.round(capMs);
    case 'full':
      return Math.round(random() * capMs);
    case 'equal':
      return Math.round(capMs / 2 + (random() * capMs) / 2);
  }
}

/**
 * "Decorrelated jitter": the next delay is uniform between `baseMs` and three times the
 * previous one, capped at `maxMs`. Pass the previous delay (or 0 before the first).
 */
export function decorrelatedJitter(
  previousMs: number,
  options: Pick<BackoffOptions, 'baseMs' | 'maxMs'>,
  random: () => number = Math.random,
): number {
  const high = Math.max(options.baseMs, previousMs * 3);
  return Math.round(Math.min(options.maxMs, options.baseMs + random() * (high - options.baseMs)));
}
