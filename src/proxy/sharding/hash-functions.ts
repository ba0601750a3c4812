/**
 * twemproxy's twelve key hashes (`hash:` in a nutcracker pool), bit for bit as nutcracker 0.5
 * computes them on x86-64, so a respool shard list places every key on the server nutcracker
 * would. Written from the algorithms' definitions; the quirks below are nutcracker's and are kept
 * on purpose, because changing any of them would move keys:
 *
 * - Its hashes read the key as `const char`, which is signed on x86-64: where a byte is widened
 *   before masking (one_at_a_time, the four FNVs, hsieh's 3-byte tail), a byte ≥ 0x80 enters as
 *   0xFFFFFFxx. `signedByte` reproduces that.
 * - `crc16` is CRC16/XMODEM computed in a 32-bit register that is never masked to 16 bits, so the
 *   bits shifted past bit 15 stay in the result (modula uses them).
 * - `crc32` is libmemcached's: bits 16..30 of the CRC-32, a 15-bit value; `crc32a` is the real
 *   CRC-32.
 * - `fnv1_64` and `fnv1a_64` return 32 bits. The low 32 bits of a 64-bit product depend only on
 *   the low 32 bits of its factors, so both are computed in 32-bit arithmetic exactly. `fnv1a_64`
 *   is FNV-1a with the 64-bit offset and prime truncated to 32 bits, as nutcracker does.
 * - `md5` is the first four digest bytes read little-endian (ketama uses the same function to
 *   place its points).
 *
 * Sources read: twitter/twemproxy src/hashkit/nc_*.c. Pure: no I/O, no timers.
 */
import { createHash } from 'node:crypto';

/** A key hash: the key's bytes in, an unsigned 32-bit integer out. */
export type KeyHash = (key: Uint8Array) => number;

export const HASH_NAMES = [
  'one_at_a_time',
  'md5',
  'crc16',
  'crc32',
  'crc32a',
  'fnv1_64',
  'fnv1a_64',
  'fnv1_32',
  'fnv1a_32',
  'hsieh',
  'murmur',
  'jenkins',
] as const;

export type HashName = (typeof HASH_NAMES)[number];

/** A byte as `(uint32_t)(char)b` on x86-64: sign-extended from bit 7. */
const signedByte = (b: number): number => (b << 24) >> 24;

export function oneAtATime(key: Uint8Array): number {
  let value = 0;
  for (let i = 0; i < key.length; i++) {
    value = (value + signedByte(key[i]!)) | 0;
    value = (value + (value << 10)) | 0;
    value ^= value >>> 6;
  }
  value = (value + (value << 3)) | 0;
  value ^= value >>> 11;
  value = (value + (value << 15)) | 0;
  return value >>> 0;
}

/** The 16-byte MD5 digest of `bytes`. */
export function md5Digest(bytes: Uint8Array | string): Buffer {
  return createHash('md5').update(bytes).digest();
}

/** Four digest bytes from `offset`, little-endian: nutcracker's `hash_md5` and `ketama_hash`. */
export function digestWord(digest: Uint8Array, offset: number): number {
  return (
    (digest[offset]! |
      (digest[offset + 1]! << 8) |
      (digest[offset + 2]! << 16) |
      (digest[offset + 3]! << 24)) >>>
    0
  );
}

export function md5(key: Uint8Array): number {
  return digestWord(md5Digest(key), 0);
}

const CRC16_TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let bit = 0; bit < 8; bit++) {
    crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  CRC16_TABLE[i] = crc;
}

export function crc16(key: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < key.length; i++) {
    crc = ((crc << 8) ^ CRC16_TABLE[((crc >>> 8) ^ key[i]!) & 0xff]!) >>> 0;
  }
  return crc;
}

const CRC32_TABLE = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i;
  for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  CRC32_TABLE[i] = crc >>> 0;
}

function crc32Register(key: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < key.length; i++) {
    crc = (crc >>> 8) ^ CRC32_TABLE[(crc ^ key[i]!) & 0xff]!;
  }
  return crc >>> 0;
}

export function crc32(key: Uint8Array): number {
  return ((~crc32Register(key) >>> 0) >>> 16) & 0x7fff;
}

export function crc32a(key: Uint8Array): number {
  return ~crc32Register(key) >>> 0;
}

// FNV constants; the 64-bit ones truncated to their low 32 bits (see the header).
const FNV_64_INIT_LOW = 0x84222325;
const FNV_64_PRIME_LOW = 0x000001b3;
const FNV_32_INIT = 0x811c9dc5;
const FNV_32_PRIME = 0x01000193;

function fnv1(key: Uint8Array, init: number, prime: number): number {
  let hash = init | 0;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash, prime) ^ signedByte(key[i]!);
  return hash >>> 0;
}

function fnv1a(key: Uint8Array, init: number, prime: number): number {
  let hash = init | 0;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ signedByte(key[i]!), prime);
  return hash >>> 0;
}

export const fnv1_64: KeyHash = (key) => fnv1(key, FNV_64_INIT_LOW, FNV_64_PRIME_LOW);
export const fnv1a_64: KeyHash = (key) => fnv1a(key, FNV_64_INIT_LOW, FNV_64_PRIME_LOW);
export const fnv1_32: KeyHash = (key) => fnv1(key, FNV_32_INIT, FNV_32_PRIME);
export const fnv1a_32: KeyHash = (key) => fnv1a(key, FNV_32_INIT, FNV_32_PRIME);

/** Paul Hsieh's SuperFastHash; 16-bit reads are little-endian and unsigned. */
export function hsieh(key: Uint8Array): number {
  const length = key.length;
  if (length === 0) return 0;
  const get16 = (at: number): number => key[at]! | (key[at + 1]! << 8);
  let hash = 0;
  let at = 0;
  for (let blocks = length >>> 2; blocks > 0; blocks--) {
    hash = (hash + get16(at)) | 0;
    const tmp = (get16(at + 2) << 11) ^ hash;
    hash = (hash << 16) ^ tmp;
    at += 4;
    hash = (hash + (hash >>> 11)) | 0;
  }
  switch (length & 3) {
    case 3:
      hash = (hash + get16(at)) | 0;
      hash ^= hash << 16;
      hash ^= signedByte(key[at + 2]!) << 18;
      hash = (hash + (hash >>> 11)) | 0;
      break;
    case 2:
      hash = (hash + get16(at)) | 0;
      hash ^= hash << 11;
      hash = (hash + (hash >>> 17)) | 0;
      break;
    case 1:
      hash = (hash + key[at]!) | 0;
      hash ^= hash << 10;
      hash = (hash + (hash >>> 1)) | 0;
  }
  hash ^= hash << 3;
  hash = (hash + (hash >>> 5)) | 0;
  hash ^= hash << 4;
  hash = (hash + (hash >>> 17)) | 0;
  hash ^= hash << 25;
  hash = (hash + (hash >>> 6)) | 0;
  return hash >>> 0;
}

const MURMUR_M = 0x5bd1e995;

/** MurmurHash2 with nutcracker's seed (0xdeadbeef × length); 4-byte reads are little-endian. */
export function murmur(key: Uint8Array): number {
  let length = key.length;
  const seed = Math.imul(0xdeadbeef, length);
  let h = seed ^ length;
  let at = 0;
  while (length >= 4) {
    let k = key[at]! | (key[at + 1]! << 8) | (key[at + 2]! << 16) | (key[at + 3]! << 24);
    k = Math.imul(k, MURMUR_M);
    k ^= k >>> 24;
    k = Math.imul(k, MURMUR_M);
    h = Math.imul(h, MURMUR_M) ^ k;
    at += 4;
    length -= 4;
  }
  // The tail, 1 to 3 bytes (MurmurHash2's fall-through switch).
  if (length === 3) h ^= key[at + 2]! << 16;
  if (length >= 2) h ^= key[at + 1]! << 8;
  if (length >= 1) h = Math.imul(h ^ key[at]!, MURMUR_M);
  h ^= h >>> 13;
  h = Math.imul(h, MURMUR_M);
  h ^= h >>> 15;
  return h >>> 0;
}

const rot = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/** Bob Jenkins' lookup3 `hashlittle` with initval 13 (the byte-at-a-time path, same result). */
export function jenkins(key: Uint8Array): number {
  let length = key.length;
  let a = (0xdeadbeef + length + 13) | 0;
  let b = a;
  let c = a;
  let at = 0;
  const word = (i: number): number =>
    key[i]! | (key[i + 1]! << 8) | (key[i + 2]! << 16) | (key[i + 3]! << 24);
  while (length > 12) {
    a = (a + word(at)) | 0;
    b = (b + word(at + 4)) | 0;
    c = (c + word(at + 8)) | 0;
    // mix(a, b, c)
    a = (a - c) | 0;
    a ^= rot(c, 4);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rot(a, 6);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rot(b, 8);
    b = (b + a) | 0;
    a = (a - c) | 0;
    a ^= rot(c, 16);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rot(a, 19);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rot(b, 4);
    b = (b + a) | 0;
    length -= 12;
    at += 12;
  }
  if (length === 0) return c >>> 0;
  // The last block, 1 to 12 bytes, added little-endian into a, b, c.
  for (let i = 0; i < length; i++) {
    const v = key[at + i]! << ((i & 3) * 8);
    if (i < 4) a = (a + v) | 0;
    else if (i < 8) b = (b + v) | 0;
    else c = (c + v) | 0;
  }
  // final(a, b, c)
  c ^= b;
  c = (c - rot(b, 14)) | 0;
  a ^= c;
  a = (a - rot(c, 11)) | 0;
  b ^= a;
  b = (b - rot(a, 25)) | 0;
  c ^= b;
  c = (c - rot(b, 16)) | 0;
  a ^= c;
  a = (a - rot(c, 4)) | 0;
  b ^= a;
  b = (b - rot(a, 14)) | 0;
  c ^= b;
  c = (c - rot(b, 24)) | 0;
  return c >>> 0;
}

const HASHES: Readonly<Record<HashName, KeyHash>> = {
  one_at_a_time: oneAtATime,
  md5,
  crc16,
  crc32,
  crc32a,
  fnv1_64,
  fnv1a_64,
  fnv1_32,
  fnv1a_32,
  hsieh,
  murmur,
  jenkins,
};

export function isHashName(name: unknown): name is HashName {
  return typeof name === 'string' && (HASH_NAMES as readonly string[]).includes(name);
}

/** The hash nutcracker calls `name`. */
export function keyHash(name: HashName): KeyHash {
  return HASHES[name];
}
