/**
 * Redis Cluster key slots: CRC16 (XMODEM: polynomial 0x1021, initial value 0) of the key, or of
 * its hash tag, modulo 16384. A hash tag is the part between the first `{` and the first `}`
 * after it, when that part is not empty; keys that share a tag share a slot.
 * Spec: https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags
 */
import type { RespArg } from '../protocol/resp-types.js';

export const SLOT_COUNT = 16384;

// Table-driven CRC16: one lookup per byte instead of eight shifts (bench/micro/slot.bench.ts).
const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let bit = 0; bit < 8; bit++)
    crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  TABLE[i] = crc;
}

/** CRC16/XMODEM of `bytes[start, end)`. */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++)
    crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!;
  return crc;
}

/** The slot of a key (string keys are hashed as their UTF-8 bytes). */
export function keySlot(key: RespArg): number {
  if (typeof key === 'string') return stringSlot(key);
  if (Buffer.isBuffer(key)) return bufferSlot(key);
  return stringSlot(String(key));
}

function bufferSlot(key: Buffer): number {
  const open = key.indexOf(0x7b); // {
  if (open !== -1) {
    const close = key.indexOf(0x7d, open + 1); // }
    if (close > open + 1) return crc16(key, open + 1, close) & (SLOT_COUNT - 1);
  }
  return crc16(key) & (SLOT_COUNT - 1);
}

function stringSlot(key: string): number {
  // ASCII keys (nearly all) are hashed straight from their char codes: no Buffer per key.
  let start = 0;
  let end = key.length;
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) {
      start = open + 1;
      end = close;
    }
  }
  let crc = 0;
  for (let i = start; i < end; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0x80) return bufferSlot(Buffer.from(key, 'utf8'));
    crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ c) & 0xff]!;
  }
  return crc & (SLOT_COUNT - 1);
}
