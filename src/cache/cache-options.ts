/**
 * The `cache` option of createClient: validated once, synchronously, naming the option and the
 * value on error.
 */
import { InvalidArgumentError } from '../errors.js';
import {
  rejectUnknownKeys,
  validateDurationMs,
  validateInteger,
  validateOneOf,
  validateString,
} from '../validate.js';

export interface CacheOptions {
  /** Most entries kept; the least recently used go first. @default 10000 */
  readonly maxEntries?: number;
  /** Most bytes kept (an estimate of keys, values and per-entry overhead). @default 64 MiB */
  readonly maxBytes?: number;
  /**
   * Longest an entry lives (ms), whatever the server says; the key's own PTTL caps it further.
   * A safety net, not what keeps entries fresh: invalidations do that. @default 60000
   */
  readonly ttlMs?: number;
  /**
   * `default`: the server remembers the keys this client read and invalidates those.
   * `bcast`: the server invalidates every key under `prefixes`, read or not; only keys under a
   * prefix are cached. @default 'default'
   */
  readonly mode?: 'default' | 'bcast';
  /** Key prefixes for `bcast` mode (with the client's keyPrefix already in front). @default [''] */
  readonly prefixes?: readonly string[];
}

export interface ResolvedCacheOptions {
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly ttlMs: number;
  readonly mode: 'default' | 'bcast';
  /** Empty in default mode. */
  readonly prefixes: readonly string[];
}

export const DEFAULT_CACHE_OPTIONS = Object.freeze({
  maxEntries: 10_000,
  maxBytes: 64 * 1024 * 1024,
  ttlMs: 60_000,
});

const KNOWN = new Set(['maxEntries', 'maxBytes', 'ttlMs', 'mode', 'prefixes']);

/** @throws InvalidArgumentError naming the option (`cache.maxEntries`, …) and the value. */
export function resolveCacheOptions(input: unknown): ResolvedCacheOptions | undefined {
  if (input === undefined || input === false) return undefined;
  const o = (input === true ? {} : input) as CacheOptions;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    throw new InvalidArgumentError(
      `Invalid option "cache": expected true or an object of cache options, got ${Array.isArray(o) ? 'an array' : typeof o}`,
    );
  }
  rejectUnknownKeys(o as Record<string, unknown>, KNOWN, 'cache options');
  const d = DEFAULT_CACHE_OPTIONS;
  const maxEntries = validateInteger(
    o.maxEntries ?? d.maxEntries,
    'cache.maxEntries',
    1,
    2 ** 31 - 1,
  );
  const maxBytes = validateInteger(o.maxBytes ?? d.maxBytes, 'cache.maxBytes', 1024, 2 ** 53 - 1);
  const ttlMs = validateDurationMs(o.ttlMs ?? d.ttlMs, 'cache.ttlMs');
  if (ttlMs === 0) {
    throw new InvalidArgumentError('Invalid option "cache.ttlMs": expected at least 1, got 0');
  }
  const mode = validateOneOf(o.mode ?? 'default', 'cache.mode', ['default', 'bcast'] as const);
  let prefixes: string[] = [];
  if (o.prefixes !== undefined) {
    if (mode !== 'bcast') {
      throw new InvalidArgumentError(
        `Invalid option "cache.prefixes": prefixes apply to mode 'bcast' only, got mode '${mode}'`,
      );
    }
    if (!Array.isArray(o.prefixes)) {
      throw new InvalidArgumentError(
        `Invalid option "cache.prefixes": expected an array of strings, got ${typeof o.prefixes}`,
      );
    }
    prefixes = o.prefixes.map((p, i) =>
      validateString(p, `cache.prefixes[${i}]`, { allowEmpty: true }),
    );
  }
  if (mode === 'bcast' && prefixes.length === 0) prefixes = [''];
  return Object.freeze({ maxEntries, maxBytes, ttlMs, mode, prefixes: Object.freeze(prefixes) });
}
