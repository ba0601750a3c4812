/**
 * Typed methods of the `hash` group. See command-base.ts.
 */
import type { RespArg } from '../protocol/resp-types.js';
import { arrayArgument } from './argument-guard.js';
import type { ApiMode, Out } from './command-base.js';
import { flattenEntries, type ScanOptions, withScanOptions } from './command-options.js';
import { KeyCommands } from './key-commands.js';
import { toBoolean, toNumber, toPairs, toRecord, toScanPage } from './reply-transforms.js';

export abstract class HashCommands<
  M extends ApiMode,
  S extends string | Buffer = string,
> extends KeyCommands<M, S> {
  // ── hashes ───────────────────────────────────────────────────────────────────────────────
  hget(key: RespArg, field: RespArg): Out<M, S | null, this> {
    return this._r(['HGET', key, field]);
  }
  /** HSET with one field and value, or many from an object or pairs; resolves fields added. */
  hset(
    key: RespArg,
    fieldOrEntries: RespArg | Record<string, RespArg> | readonly (readonly [RespArg, RespArg])[],
    value?: RespArg,
  ): Out<M, number, this> {
    if (value !== undefined) return this._r(['HSET', key, fieldOrEntries as RespArg, value]);
    return this._r([
      'HSET',
      key,
      ...flattenEntries(
        fieldOrEntries as Record<string, RespArg> | readonly (readonly [RespArg, RespArg])[],
      ),
    ]);
  }
  hsetnx(key: RespArg, field: RespArg, value: RespArg): Out<M, boolean, this> {
    return this._r(['HSETNX', key, field, value], toBoolean);
  }
  hmget(key: RespArg, fields: readonly RespArg[]): Out<M, (S | null)[], this> {
    return this._r(['HMGET', key, ...arrayArgument(fields, 'hmget', 'fields')]);
  }
  hgetall(key: RespArg): Out<M, Record<string, S>, this> {
    return this._r(['HGETALL', key], toRecord);
  }
  hdel(key: RespArg, ...fields: RespArg[]): Out<M, number, this> {
    return this._r(['HDEL', key, ...fields]);
  }
  hexists(key: RespArg, field: RespArg): Out<M, boolean, this> {
    return this._r(['HEXISTS', key, field], toBoolean);
  }
  hincrby(key: RespArg, field: RespArg, increment: number): Out<M, number, this> {
    return this._r(['HINCRBY', key, field, increment]);
  }
  hincrbyfloat(key: RespArg, field: RespArg, increment: number): Out<M, number, this> {
    return this._r(['HINCRBYFLOAT', key, field, increment], toNumber);
  }
  hkeys(key: RespArg): Out<M, S[], this> {
    return this._r(['HKEYS', key]);
  }
  hvals(key: RespArg): Out<M, S[], this> {
    return this._r(['HVALS', key]);
  }
  hlen(key: RespArg): Out<M, number, this> {
    return this._r(['HLEN', key]);
  }
  hstrlen(key: RespArg, field: RespArg): Out<M, number, this> {
    return this._r(['HSTRLEN', key, field]);
  }
  hscan(
    key: RespArg,
    cursor: string | number,
    options: ScanOptions = {},
  ): Out<M, { cursor: string; items: S[] }, this> {
    return this._r(withScanOptions(['HSCAN', key, cursor], options, false), toScanPage);
  }
  /** HMSET (deprecated since 4.0: `hset` takes many fields). */
  hmset(
    key: RespArg,
    entries: Record<string, RespArg> | readonly (readonly [RespArg, RespArg])[],
  ): Out<M, S, this> {
    return this._r(['HMSET', key, ...flattenEntries(entries)]);
  }
  /** HRANDFIELD: one random field, or null when the hash does not exist. */
  hrandfield(key: RespArg): Out<M, S | null, this> {
    return this._r(['HRANDFIELD', key]);
  }
  /** HRANDFIELD with a count: distinct fields when positive, repeats allowed when negative. */
  hrandfieldCount(key: RespArg, count: number): Out<M, S[], this> {
    return this._r(['HRANDFIELD', key, count]);
  }
  /** HRANDFIELD … WITHVALUES: `[field, value]` pairs under RESP2 and RESP3 alike. */
  hrandfieldWithValues(key: RespArg, count: number): Out<M, [field: S, value: S][], this> {
    return this._r(['HRANDFIELD', key, count, 'WITHVALUES'], toPairs);
  }
}
