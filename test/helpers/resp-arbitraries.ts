/**
 * fast-check arbitraries for RESP values and for cutting byte streams, shared by the protocol
 * property tests (encoder round trips, raw frame scanning).
 */
import fc from 'fast-check';
import { ReplyError } from '../../src/errors.js';
import type { RespValue } from '../../src/protocol/resp-types.js';

export const SAFE_INT = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });

const KEY = fc.oneof(fc.string({ unit: 'binary', maxLength: 8 }), fc.integer());

const LEAF: fc.Arbitrary<RespValue> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  SAFE_INT,
  // -0 is written as the integer 0; every other double comes back as itself.
  fc.double().filter((n) => !Object.is(n, -0)),
  fc.bigInt(),
  fc.boolean(),
  fc.constant(null),
  fc
    .string({ unit: 'binary', maxLength: 30 })
    .filter((s) => !/[\r\n]/.test(s))
    .map((s) => new ReplyError(s)),
);

/** RespValue trees whose RESP3 round trip is exact (no sets, pushes, Buffers or -0). */
export const TREE: fc.Arbitrary<RespValue> = fc.letrec<{ node: RespValue }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'tree' },
    LEAF,
    fc.array(tie('node'), { maxLength: 5, depthIdentifier: 'tree' }),
    fc
      .uniqueArray(fc.tuple(KEY, tie('node')), {
        selector: ([k]) => k,
        maxLength: 4,
        depthIdentifier: 'tree',
      })
      .map((entries) => new Map<RespValue, RespValue>(entries)),
  ),
})).node;

/** Sorted, distinct cut points inside `length`. */
export const cutsArb = fc.array(fc.nat(), { maxLength: 12 });
export function splitAt(bytes: Buffer, seeds: readonly number[]): Buffer[] {
  if (bytes.length < 2) return [bytes];
  const cuts = [...new Set(seeds.map((s) => 1 + (s % (bytes.length - 1))))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of cuts) {
    out.push(bytes.subarray(from, cut));
    from = cut;
  }
  out.push(bytes.subarray(from));
  return out;
}
