/**
 * Which shards are in the ring, with twemproxy's auto-eject rules (`auto_eject_hosts`,
 * `server_failure_limit`, `server_retry_timeout`):
 *
 * - A failure (a connection that could not be opened, or closed/timed out under a request) adds
 *   one to the shard's count; the `maxFailures`-th consecutive one ejects it for `retryTimeoutMs`
 *   and clears the count.
 * - A success clears the count, so only consecutive failures eject.
 * - Once its retry time has come, `update(nowMs)` puts the shard back on trial: it takes traffic
 *   again, and stays unless it fails `maxFailures` more times in a row (then it is ejected for
 *   another `retryTimeoutMs`). Nothing else re-adds it early, as in nutcracker.
 * - With `autoEject` off (nutcracker's default) failures are ignored and every shard stays live.
 *
 * Pure: the caller passes the time (`nowMs`, any monotonic millisecond clock) and owns timers;
 * `nextRetryAtMs` says when the next `update` can change something.
 */
import { validateBoolean, validateDurationMs, validateInteger } from '../../validate.js';

export interface ShardHealthOptions {
  /** Eject a shard after `maxFailures` consecutive failures (`auto_eject_hosts`). @default false */
  readonly autoEject?: boolean;
  /** Consecutive failures that eject a shard (`server_failure_limit`). @default 2 */
  readonly maxFailures?: number;
  /** How long an ejected shard stays out (`server_retry_timeout`). @default 30000 */
  readonly retryTimeoutMs?: number;
}

export const DEFAULT_SHARD_HEALTH = Object.freeze({
  autoEject: false,
  maxFailures: 2,
  retryTimeoutMs: 30_000,
});

export class ShardHealth {
  readonly autoEject: boolean;
  readonly maxFailures: number;
  readonly retryTimeoutMs: number;
  /** Consecutive failures per shard since its last success or ejection. */
  readonly #failures: number[];
  /** When each ejected shard may come back; 0 for a live shard. */
  readonly #retryAtMs: number[];
  #liveCount: number;
  /** Bumped whenever the live set changes, so a ring knows to rebuild. */
  #version = 0;

  constructor(shardCount: number, options: ShardHealthOptions = {}) {
    validateInteger(shardCount, 'shards.length', 1, 65_535);
    this.autoEject = validateBoolean(
      options.autoEject ?? DEFAULT_SHARD_HEALTH.autoEject,
      'autoEject',
    );
    this.maxFailures = validateInteger(
      options.maxFailures ?? DEFAULT_SHARD_HEALTH.maxFailures,
      'maxFailures',
      1,
      1_000_000,
    );
    this.retryTimeoutMs = validateDurationMs(
      options.retryTimeoutMs ?? DEFAULT_SHARD_HEALTH.retryTimeoutMs,
      'retryTimeoutMs',
    );
    this.#failures = new Array<number>(shardCount).fill(0);
    this.#retryAtMs = new Array<number>(shardCount).fill(0);
    this.#liveCount = shardCount;
  }

  get size(): number {
    return this.#failures.length;
  }

  get liveCount(): number {
    return this.#liveCount;
  }

  /** Changes every time a shard is ejected or re-admitted. */
  get version(): number {
    return this.#version;
  }

  isLive(index: number): boolean {
    return this.#retryAtMs[index] === 0;
  }

  /** Consecutive failures counted against a shard. */
  failures(index: number): number {
    return this.#failures[index] ?? 0;
  }

  /** The earliest time an ejected shard may come back; undefined when none is ejected. */
  get nextRetryAtMs(): number | undefined {
    let next: number | undefined;
    for (const at of this.#retryAtMs) {
      if (at !== 0 && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  /** Counts a failure; true when it ejected a live shard (the ring must be rebuilt). */
  recordFailure(index: number, nowMs: number): boolean {
    this.#check(index);
    if (!this.autoEject) return false;
    if (++this.#failures[index]! < this.maxFailures) return false;
    this.#failures[index] = 0;
    const wasLive = this.#retryAtMs[index] === 0;
    // max(…, 1): 0 means live, and a zero timeout at time 0 must still eject until update().
    this.#retryAtMs[index] = Math.max(nowMs + this.retryTimeoutMs, 1);
    if (!wasLive) return false;
    this.#liveCount--;
    this.#version++;
    return true;
  }

  /** A reply came back: the shard's count of consecutive failures starts again. */
  recordSuccess(index: number): void {
    this.#check(index);
    this.#failures[index] = 0;
  }

  /** Re-admits every shard whose retry time has come; true when any was. */
  update(nowMs: number): boolean {
    if (this.#liveCount === this.#retryAtMs.length) return false;
    let changed = false;
    for (let i = 0; i < this.#retryAtMs.length; i++) {
      const at = this.#retryAtMs[i]!;
      if (at !== 0 && at <= nowMs) {
        this.#retryAtMs[i] = 0;
        this.#liveCount++;
        changed = true;
      }
    }
    if (changed) this.#version++;
    return changed;
  }

  #check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.#failures.length) {
      throw new RangeError(`shard index ${index} is out of range 0..${this.#failures.length - 1}`);
    }
  }
}
