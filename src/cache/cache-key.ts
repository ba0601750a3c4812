/**
 * The cache key of a read: the decode mode, then every argument length-prefixed, so that no two
 * different commands share a key (`HGET a\0b c` and `HGET a b\0c` differ). Reads whose keys or
 * arguments are Buffers, or whose keys are not well-formed UTF-16, are not cached: a Redis key
 * arrives in an invalidation as bytes, and only a string with one exact UTF-8 spelling can be
 * matched back to the entries that depend on it.
 */
import type { RespArg } from '../protocol/resp-types.js';

/** ES2024's String.prototype.isWellFormed (Node 20 has it; the project's lib is ES2023). */
interface WellFormed {
  isWellFormed(): boolean;
}

/** The cache key, or undefined when this read must not be cached. */
export function cacheKeyOf(args: readonly RespArg[], returnBuffers: boolean): string | undefined {
  let out = returnBuffers ? 'b' : 's';
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    let s: string;
    if (typeof a === 'string') {
      if (!(a as unknown as WellFormed).isWellFormed()) return undefined;
      s = a;
    } else if (typeof a === 'number' || typeof a === 'bigint') s = String(a);
    else return undefined;
    out += `${s.length}:${s}`;
  }
  return out;
}

/** A Redis key from an invalidation message, spelled the way `cacheKeyOf` saw it. */
export function keyFromWire(key: unknown): string | undefined {
  if (typeof key === 'string') return key;
  if (Buffer.isBuffer(key)) return key.toString('utf8');
  return undefined;
}
