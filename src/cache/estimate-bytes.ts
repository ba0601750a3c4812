/**
 * What an entry costs, roughly: enough to bound memory by `maxBytes`, cheap to compute once per
 * stored reply. Strings count two bytes per character (V8 may store them in one, so this errs
 * high); each entry pays a fixed overhead for its map slot, list links, key index and object
 * headers (measured: see docs/caching.md, memory per entry).
 */
import { ReplyError } from '../errors.js';

/** The fixed cost of one entry beyond its keys and value. */
export const ENTRY_OVERHEAD_BYTES = 160;

/** Bytes held by one decoded reply. Nested values are walked iteratively, never recursively. */
export function estimateValueBytes(value: unknown): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') total += 16 + v.length * 2;
    else if (Buffer.isBuffer(v)) total += 96 + v.length;
    else if (Array.isArray(v)) {
      total += 16 + v.length * 8;
      for (const item of v) stack.push(item);
    } else if (v instanceof Map) {
      total += 64 + v.size * 40;
      for (const [k, item] of v) stack.push(k, item);
    } else if (v instanceof Set) {
      total += 64 + v.size * 24;
      for (const item of v) stack.push(item);
    } else if (v instanceof ReplyError) total += 128 + v.message.length * 2;
    else total += 8;
  }
  return total;
}

/** Bytes of one entry: its cache key, its Redis keys and its value, plus the fixed overhead. */
export function estimateEntryBytes(
  cacheKey: string,
  keys: readonly string[],
  value: unknown,
): number {
  let n = ENTRY_OVERHEAD_BYTES + cacheKey.length * 2 + estimateValueBytes(value);
  for (const key of keys) n += 16 + key.length * 2;
  return n;
}
