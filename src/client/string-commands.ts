/**
 * Typed methods of the `string` and `bitmap` groups. See command-base.ts.
 */
import type { RespArg } from '../protocol/resp-types.js';
import { arrayArgument } from './argument-guard.js';
import type { ApiMode, Out } from './command-base.js';
import { CommandBase } from './command-base.js';
import {
  type BitFieldOperation,
  bitfieldArgs,
  flattenEntries,
  type LcsOptions,
  pushExpiry,
  type SetOptions,
} from './command-options.js';
import { type LcsMatches, toBoolean, toLcsMatches, toNumber } from './reply-transforms.js';

export abstract class StringCommands<
  M extends ApiMode,
  S extends string | Buffer = string,
> extends CommandBase<M> {
  // ── strings and counters ─────────────────────────────────────────────────────────────────
  get(key: RespArg): Out<M, S | null, this> {
    return this._r(['GET', key]);
  }
  /** SET; resolves 'OK', or null when NX/XX prevented it (the old value with `get: true`). */
  set(key: RespArg, value: RespArg, options?: SetOptions): Out<M, S | null, this> {
    if (options === undefined) return this._r(['SET', key, value]);
    const args: RespArg[] = ['SET', key, value];
    pushExpiry(args, options, 'set');
    if (options.keepTtl === true) args.push('KEEPTTL');
    if (options.nx === true) args.push('NX');
    if (options.xx === true) args.push('XX');
    if (options.get === true) args.push('GET');
    return this._r(args);
  }
  setnx(key: RespArg, value: RespArg): Out<M, boolean, this> {
    return this._r(['SETNX', key, value], toBoolean);
  }
  setex(key: RespArg, seconds: number, value: RespArg): Out<M, S, this> {
    return this._r(['SETEX', key, seconds, value]);
  }
  psetex(key: RespArg, milliseconds: number, value: RespArg): Out<M, S, this> {
    return this._r(['PSETEX', key, milliseconds, value]);
  }
  getdel(key: RespArg): Out<M, S | null, this> {
    return this._r(['GETDEL', key]);
  }
  getex(
    key: RespArg,
    options: { ex?: number; px?: number; exat?: number; pxat?: number; persist?: boolean } = {},
  ): Out<M, S | null, this> {
    const args: RespArg[] = ['GETEX', key];
    pushExpiry(args, options, 'getex');
    if (options.persist === true) args.push('PERSIST');
    return this._r(args);
  }
  mget(keys: readonly RespArg[]): Out<M, (S | null)[], this> {
    return this._r(['MGET', ...arrayArgument(keys, 'mget', 'keys')]);
  }
  /** MSET from an object or from [key, value] pairs. */
  mset(
    entries: Record<string, RespArg> | readonly (readonly [RespArg, RespArg])[],
  ): Out<M, S, this> {
    return this._r(['MSET', ...flattenEntries(entries)]);
  }
  msetnx(
    entries: Record<string, RespArg> | readonly (readonly [RespArg, RespArg])[],
  ): Out<M, boolean, this> {
    return this._r(['MSETNX', ...flattenEntries(entries)], toBoolean);
  }
  append(key: RespArg, value: RespArg): Out<M, number, this> {
    return this._r(['APPEND', key, value]);
  }
  strlen(key: RespArg): Out<M, number, this> {
    return this._r(['STRLEN', key]);
  }
  getrange(key: RespArg, start: number, end: number): Out<M, S, this> {
    return this._r(['GETRANGE', key, start, end]);
  }
  setrange(key: RespArg, offset: number, value: RespArg): Out<M, number, this> {
    return this._r(['SETRANGE', key, offset, value]);
  }
  incr(key: RespArg): Out<M, number, this> {
    return this._r(['INCR', key]);
  }
  incrby(key: RespArg, increment: number | bigint): Out<M, number, this> {
    return this._r(['INCRBY', key, increment]);
  }
  incrbyfloat(key: RespArg, increment: number): Out<M, number, this> {
    return this._r(['INCRBYFLOAT', key, increment], toNumber);
  }
  decr(key: RespArg): Out<M, number, this> {
    return this._r(['DECR', key]);
  }
  decrby(key: RespArg, decrement: number | bigint): Out<M, number, this> {
    return this._r(['DECRBY', key, decrement]);
  }

  /** GETSET (deprecated since 6.2: `set(key, value, { get: true })`). */
  getset(key: RespArg, value: RespArg): Out<M, S | null, this> {
    return this._r(['GETSET', key, value]);
  }
  /** SUBSTR (deprecated since 2.0: `getrange`). */
  substr(key: RespArg, start: number, end: number): Out<M, S, this> {
    return this._r(['SUBSTR', key, start, end]);
  }
  /** LCS: the longest common subsequence of two strings. */
  lcs(key1: RespArg, key2: RespArg): Out<M, S, this> {
    return this._r(['LCS', key1, key2]);
  }
  /** LCS LEN: only its length. */
  lcsLen(key1: RespArg, key2: RespArg): Out<M, number, this> {
    return this._r(['LCS', key1, key2, 'LEN']);
  }
  /** LCS IDX: the matching ranges (same shape under RESP2 and RESP3). */
  lcsIdx(key1: RespArg, key2: RespArg, options: LcsOptions = {}): Out<M, LcsMatches, this> {
    const args: RespArg[] = ['LCS', key1, key2, 'IDX'];
    if (options.minMatchLen !== undefined) args.push('MINMATCHLEN', options.minMatchLen);
    if (options.withMatchLen === true) args.push('WITHMATCHLEN');
    return this._r(args, toLcsMatches);
  }

  // ── bitmaps ──────────────────────────────────────────────────────────────────────────────
  setbit(key: RespArg, offset: number, value: 0 | 1): Out<M, 0 | 1, this> {
    return this._r(['SETBIT', key, offset, value]);
  }
  getbit(key: RespArg, offset: number): Out<M, 0 | 1, this> {
    return this._r(['GETBIT', key, offset]);
  }
  /** BITCOUNT, optionally of a range in bytes (default) or bits. */
  bitcount(
    key: RespArg,
    range?: { start: number; end: number; unit?: 'BYTE' | 'BIT' },
  ): Out<M, number, this> {
    const args: RespArg[] = ['BITCOUNT', key];
    if (range !== undefined) {
      args.push(range.start, range.end);
      if (range.unit !== undefined) args.push(range.unit);
    }
    return this._r(args);
  }
  /** BITPOS: first bit set to `bit`, optionally within a range; -1 when there is none. */
  bitpos(
    key: RespArg,
    bit: 0 | 1,
    range?: { start: number; end?: number; unit?: 'BYTE' | 'BIT' },
  ): Out<M, number, this> {
    const args: RespArg[] = ['BITPOS', key, bit];
    if (range !== undefined) {
      args.push(range.start);
      if (range.end !== undefined) {
        args.push(range.end);
        if (range.unit !== undefined) args.push(range.unit);
      }
    }
    return this._r(args);
  }
  /** BITOP AND/OR/XOR/NOT into `destination`; resolves the destination's length in bytes. */
  bitop(
    operation: 'AND' | 'OR' | 'XOR' | 'NOT',
    destination: RespArg,
    ...keys: RespArg[]
  ): Out<M, number, this> {
    return this._r(['BITOP', operation, destination, ...keys]);
  }
  /**
   * BITFIELD: GET/SET/INCRBY operations, with OVERFLOW switches between them. One slot per
   * GET/SET/INCRBY; null where an INCRBY overflowed under OVERFLOW FAIL.
   */
  bitfield(
    key: RespArg,
    operations: readonly BitFieldOperation[],
  ): Out<M, (number | null)[], this> {
    return this._r(bitfieldArgs('BITFIELD', key, operations));
  }
  /** BITFIELD_RO: GET operations only; replicas may serve it. */
  bitfieldRo(
    key: RespArg,
    gets: readonly { readonly encoding: string; readonly offset: number | string }[],
  ): Out<M, number[], this> {
    const args: RespArg[] = ['BITFIELD_RO', key];
    for (const g of gets) args.push('GET', g.encoding, g.offset);
    return this._r(args);
  }
}
