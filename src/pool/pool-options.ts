/**
 * Options of the generic bounded pool, with frozen defaults and synchronous validation.
 */
import { InvalidArgumentError } from '../errors.js';
import { validateDurationMs, validateInteger } from '../validate.js';

export interface PoolOptions {
  /** Hard cap on resources: idle + leased + connecting + resetting. No overflow, ever. */
  readonly maxSize: number;
  /** The evictor stops retiring idle resources at this count. @default 0 */
  readonly minIdle?: number;
  /** An idle resource older than this is retired by the background evictor. @default 30000 */
  readonly idleTimeoutMs?: number;
  /** How often the evictor runs (unref'd timer). @default 1000 */
  readonly evictionIntervalMs?: number;
  /**
   * Most resources retired per evictor run, so closing a large cold tail is spread out. The
   * default lets a typical burst drain within one run after idleTimeoutMs. @default 16
   */
  readonly maxEvictionsPerRun?: number;
  /** How long `acquire()` waits for a resource before ERR_POOL_TIMEOUT. 0 = no deadline. @default 10000 */
  readonly acquireTimeoutMs?: number;
  /** Most callers waiting at once; past it `acquire()` fails at once with ERR_QUEUE_FULL. @default 10000 */
  readonly maxWaiters?: number;
  /** Most resources being created at the same time. @default 4 */
  readonly maxConcurrentDials?: number;
  /** A lease held longer than this emits `leak` with the acquiring stack. 0 = off. @default 60000 */
  readonly leakWarningMs?: number;
  /** First delay before retrying after a failed dial; doubles per failure, with jitter. @default 100 */
  readonly dialBackoffMs?: number;
  /** Cap of the dial backoff. @default 5000 */
  readonly maxDialBackoffMs?: number;
  /**
   * The owning client's id, carried by the pool's diagnostics messages (pool:wait, lease:leak).
   * @default ''
   */
  readonly clientId?: string;
}

export type ResolvedPoolOptions = Required<PoolOptions>;

export const DEFAULT_POOL_OPTIONS = Object.freeze({
  minIdle: 0,
  idleTimeoutMs: 30_000,
  evictionIntervalMs: 1_000,
  maxEvictionsPerRun: 16,
  acquireTimeoutMs: 10_000,
  maxWaiters: 10_000,
  maxConcurrentDials: 4,
  leakWarningMs: 60_000,
  dialBackoffMs: 100,
  maxDialBackoffMs: 5_000,
});

/** @throws InvalidArgumentError naming the option and the value. */
export function resolvePoolOptions(o: PoolOptions, prefix = ''): ResolvedPoolOptions {
  const d = DEFAULT_POOL_OPTIONS;
  const maxSize = validateInteger(o.maxSize, `${prefix}maxSize`, 0, 100_000);
  const minIdle = validateInteger(o.minIdle ?? d.minIdle, `${prefix}minIdle`, 0, 100_000);
  if (minIdle > maxSize) {
    throw new InvalidArgumentError(
      `Invalid option "${prefix}minIdle": ${minIdle} is more than the ${maxSize} connections the budget allows`,
    );
  }
  const dialBackoffMs = validateDurationMs(
    o.dialBackoffMs ?? d.dialBackoffMs,
    `${prefix}dialBackoffMs`,
  );
  const maxDialBackoffMs = validateDurationMs(
    o.maxDialBackoffMs ?? d.maxDialBackoffMs,
    `${prefix}maxDialBackoffMs`,
  );
  return Object.freeze({
    maxSize,
    minIdle,
    idleTimeoutMs: validateInteger(
      o.idleTimeoutMs ?? d.idleTimeoutMs,
      `${prefix}idleTimeoutMs`,
      1,
      2 ** 31 - 1,
    ),
    evictionIntervalMs: validateInteger(
      o.evictionIntervalMs ?? d.evictionIntervalMs,
      `${prefix}evictionIntervalMs`,
      1,
      2 ** 31 - 1,
    ),
    maxEvictionsPerRun: validateInteger(
      o.maxEvictionsPerRun ?? d.maxEvictionsPerRun,
      `${prefix}maxEvictionsPerRun`,
      1,
      100_000,
    ),
    acquireTimeoutMs: validateDurationMs(
      o.acquireTimeoutMs ?? d.acquireTimeoutMs,
      `${prefix}acquireTimeoutMs`,
    ),
    maxWaiters: validateInteger(o.maxWaiters ?? d.maxWaiters, `${prefix}maxWaiters`, 0, 10_000_000),
    maxConcurrentDials: validateInteger(
      o.maxConcurrentDials ?? d.maxConcurrentDials,
      `${prefix}maxConcurrentDials`,
      1,
      1_000,
    ),
    leakWarningMs: validateDurationMs(o.leakWarningMs ?? d.leakWarningMs, `${prefix}leakWarningMs`),
    dialBackoffMs,
    maxDialBackoffMs: Math.max(maxDialBackoffMs, dialBackoffMs),
    clientId: o.clientId ?? '',
  });
}
