/**
 * The reads that may be served from the cache, and the keys each depends on. Only read-only
 * commands whose reply is a function of their keys' contents (and of time only through expiry,
 * which the entry's PTTL cap covers) are here: not TTL/PTTL (they change every millisecond),
 * not RANDOMKEY/SRANDMEMBER (random), not SCAN-like cursors.
 */
import type { RespArg } from '../protocol/resp-types.js';

/** One key, the first argument. */
const FIRST_KEY = [
  'GET',
  'GETRANGE',
  'SUBSTR',
  'STRLEN',
  'GETBIT',
  'BITCOUNT',
  'BITPOS',
  'HGET',
  'HMGET',
  'HGETALL',
  'HEXISTS',
  'HLEN',
  'HSTRLEN',
  'HKEYS',
  'HVALS',
  'SMEMBERS',
  'SISMEMBER',
  'SMISMEMBER',
  'SCARD',
  'LRANGE',
  'LINDEX',
  'LLEN',
  'LPOS',
  'ZRANGE',
  'ZREVRANGE',
  'ZRANGEBYSCORE',
  'ZREVRANGEBYSCORE',
  'ZRANGEBYLEX',
  'ZREVRANGEBYLEX',
  'ZSCORE',
  'ZMSCORE',
  'ZCARD',
  'ZCOUNT',
  'ZLEXCOUNT',
  'ZRANK',
  'ZREVRANK',
  'TYPE',
  'GEOPOS',
  'GEODIST',
  'GEOHASH',
  'XLEN',
];

/** Every argument is a key. */
const ALL_KEYS = ['MGET', 'EXISTS'];

const KIND = new Map<string, 1 | 2>();
for (const name of FIRST_KEY) KIND.set(name, 1);
for (const name of ALL_KEYS) KIND.set(name, 2);

/** Names of the cacheable commands, upper case. */
export const CACHEABLE_COMMANDS: readonly string[] = [...FIRST_KEY, ...ALL_KEYS];

/**
 * The keys a cacheable read depends on, as strings; undefined when it is not cacheable (another
 * command, a ZRANGE … BYSCORE with LIMIT is fine, but a Buffer or non-string key is not).
 */
export function cacheableKeys(args: readonly RespArg[]): string[] | undefined {
  const name = args[0];
  if (typeof name !== 'string') return undefined;
  const kind = KIND.get(name) ?? KIND.get(name.toUpperCase());
  if (kind === undefined || args.length < 2) return undefined;
  const last = kind === 1 ? 1 : args.length - 1;
  const keys: string[] = [];
  for (let i = 1; i <= last; i++) {
    const k = args[i];
    if (typeof k === 'string') keys.push(k);
    else if (typeof k === 'number') keys.push(String(k));
    else return undefined;
  }
  return keys;
}
