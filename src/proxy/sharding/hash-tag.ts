/**
 * twemproxy's `hash_tag`: two characters, say `{}`. When a key holds the first one and, after it,
 * the second, with at least one byte between them, only the bytes between are hashed, so
 * `user:{42}:name` and `user:{42}:cart` land on the same shard. Otherwise the whole key is hashed
 * (an empty tag, `a{}b`, hashes the whole key, as in Redis Cluster). The first occurrence of each
 * character wins. Pure.
 */
import { InvalidArgumentError } from '../../errors.js';

/** A parsed hash tag: the byte that opens it and the byte that closes it. */
export interface HashTag {
  readonly open: number;
  readonly close: number;
}

/**
 * Parses a two-character tag such as `"{}"`; `undefined` or `""` means no tag.
 * @throws InvalidArgumentError for anything but two single-byte characters.
 */
export function parseHashTag(tag: string | undefined, option = 'hashTag'): HashTag | undefined {
  if (tag === undefined || tag === '') return undefined;
  const bytes = Buffer.from(tag, 'utf8');
  if (typeof tag !== 'string' || bytes.length !== 2) {
    throw new InvalidArgumentError(
      `Invalid option "${option}": expected two single-byte characters such as "{}", got ${JSON.stringify(tag)}`,
    );
  }
  return { open: bytes[0]!, close: bytes[1]! };
}

/** The part of `key` that is hashed: the tag's content, or the whole key. No copy. */
export function hashedPart(key: Uint8Array, tag: HashTag | undefined): Uint8Array {
  if (tag === undefined) return key;
  const open = key.indexOf(tag.open);
  if (open === -1) return key;
  const close = key.indexOf(tag.close, open + 1);
  if (close === -1 || close - open <= 1) return key;
  return key.subarray(open + 1, close);
}
