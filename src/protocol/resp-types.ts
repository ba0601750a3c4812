/**
 * The values RESP2 and RESP3 frames decode to, and the arguments commands encode from.
 * Spec: https://github.com/redis/redis-specifications/blob/master/protocol/RESP3.md
 *
 * Mapping (chosen so one code path serves RESP2 and RESP3 replies alike):
 *   + simple string, $ blob string, = verbatim → `string` (or `Buffer` in buffer mode; verbatim
 *     strings lose their 3-letter format prefix)
 *   - simple error, ! blob error               → `ReplyError` (a value, not a throw)
 *   : integer                                  → `number`, or `bigint` beyond ±2^53
 *   , double                                   → `number` (inf, -inf, nan included)
 *   ( big number                               → `bigint`
 *   # boolean                                  → `boolean`
 *   _ null, $-1, *-1                           → `null`
 *   * array, ~ set                             → `RespValue[]` (sets keep server order; same
 *                                                shape as RESP2's array reply)
 *   % map                                      → `Map<RespValue, RespValue>` (keys may be any
 *                                                type; a Map never mistakes a key for a prototype)
 *   > push                                     → `RespPush`, delivered out of band
 *   | attribute                                → read and dropped; the value it annotates is kept
 */
import type { ReplyError } from '../errors.js';

export type RespValue =
  | string
  | Buffer
  | number
  | bigint
  | boolean
  | null
  | ReplyError
  | RespValue[]
  | Map<RespValue, RespValue>;

/** An out-of-band push frame (RESP3 `>`): pub/sub messages, invalidations, MONITOR lines. */
export interface RespPush {
  readonly kind: string;
  readonly data: RespValue[];
}

/** One command argument. Numbers are written in decimal; Buffers are written as they are. */
export type RespArg = string | Buffer | number | bigint;

/** Type bytes of RESP2 and RESP3. */
export const RespType = {
  SimpleString: 0x2b, // +
  SimpleError: 0x2d, // -
  Integer: 0x3a, // :
  BlobString: 0x24, // $
  Array: 0x2a, // *
  Null: 0x5f, // _
  Double: 0x2c, // ,
  Boolean: 0x23, // #
  BlobError: 0x21, // !
  Verbatim: 0x3d, // =
  BigNumber: 0x28, // (
  Map: 0x25, // %
  Set: 0x7e, // ~
  Attribute: 0x7c, // |
  Push: 0x3e, // >
} as const;
