/**
 * Cluster key slots: the table-driven CRC16 in src/cluster/slot.ts (one lookup per byte, hashed
 * straight from a string's char codes) against a bitwise CRC16 over a Buffer made per key, the
 * textbook version. Every cluster command pays this once per key.
 */
import { bench, do_not_optimize, group, summary } from 'mitata';
import { keySlot } from '../../src/cluster/slot.js';

function bitwiseCrc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function slotBenches(): void {
  const key = 'user:1234567:profile';
  const tagged = '{user:1234567}:profile';
  summary(() => {
    bench('keySlot(string), table, no Buffer', () => do_not_optimize(keySlot(key)));
    bench('bitwise CRC16 over Buffer.from(key)', () =>
      do_not_optimize(bitwiseCrc16(Buffer.from(key)) & 16383),
    );
  });
  bench('keySlot(string) with a hash tag', () => do_not_optimize(keySlot(tagged)));
}

export function registerSlotBenches(): void {
  group('cluster: key slot', slotBenches);
}
