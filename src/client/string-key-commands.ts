/**
 * Typed methods for strings, counters, keys, expiry and hashes. See command-base.ts.
 */
import type { RespArg } from '../protocol/resp-types.js';
import type { ApiMode, Out } from './command-base.js';
import { CommandBase } from './command-base.js';
import {
  type ExpireCondition,
  flattenEntries,
  type ScanOptions,
  type SetOptions,
  withCondition,
  withScanOptions,
} from './command-options.js';
import { toBoolean, toNumber, toRecord, toScanPage } from './reply-transforms.js';

export abstract class StringKeyCommands<
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
    if (options.ex !== undefined) args.push('EX', options.ex);
    if (options.px !== undefined) args.push('PX', options.px);
    if (options.exat !== undefined) args.push('EXAT', options.exat);
    if (options.pxat !== undefined) args.push('PXAT', options.pxat);
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
    if (options.ex !== undefined) args.push('EX', options.ex);
    if (options.px !== undefined) args.push('PX', options.px);
    if (options.exat !== undefined) args.push('EXAT', options.exat);
    if (options.pxat !== undefined) args.push('PXAT', options.pxat);
    if (options.persist === true) args.push('PERSIST');
    return this._r(args);
  }
  mget(keys: readonly RespArg[]): Out<M, (S | null)[], this> {
    return this._r(['MGET', ...keys]);
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

  // ── keys and expiry ──────────────────────────────────────────────────────────────────────
  del(...keys: RespArg[]): Out<M, number, this> {
    return this._r(['DEL', ...keys]);
  }
  unlink(...keys: RespArg[]): Out<M, number, this> {
    return this._r(['UNLINK', ...keys]);
  }
  /** How many of the keys exist (a key named twice counts twice). */
  exists(...keys: RespArg[]): Out<M, number, this> {
    return this._r(['EXISTS', ...keys]);
  }
  touch(...keys: RespArg[]): Out<M, number, this> {
    return this._r(['TOUCH', ...keys]);
  }
  type(key: RespArg): Out<M, string, this> {
    return this._r(['TYPE', key]);
  }
  rename(key: RespArg, newKey: RespArg): Out<M, S, this> {
    return this._r(['RENAME', key, newKey]);
  }
  renamenx(key: RespArg, newKey: RespArg): Out<M, boolean, this> {
    return this._r(['RENAMENX', key, newKey], toBoolean);
  }
  copy(
    source: RespArg,
    destination: RespArg,
    options: { db?: number; replace?: boolean } = {},
  ): Out<M, boolean, this> {
    const args: RespArg[] = ['COPY', source, destination];
    if (options.db !== undefined) args.push('DB', options.db);
    if (options.replace === true) args.push('REPLACE');
    return this._r(args, toBoolean);
  }
  /** KEYS walks the whole keyspace and blocks the server while it does; prefer `scan`. */
  keys(pattern: RespArg): Out<M, S[], this> {
    return this._r(['KEYS', pattern]);
  }
  scan(
    cursor: string | number,
    options: ScanOptions = {},
  ): Out<M, { cursor: string; items: S[] }, this> {
    return this._r(withScanOptions(['SCAN', cursor], options, true), toScanPage);
  }
  expire(key: RespArg, seconds: number, condition?: ExpireCondition): Out<M, boolean, this> {
    return this._r(withCondition(['EXPIRE', key, seconds], condition), toBoolean);
  }
  pexpire(key: RespArg, milliseconds: number, condition?: ExpireCondition): Out<M, boolean, this> {
    return this._r(withCondition(['PEXPIRE', key, milliseconds], condition), toBoolean);
  }
  expireat(key: RespArg, unixSeconds: number, condition?: ExpireCondition): Out<M, boolean, this> {
    return this._r(withCondition(['EXPIREAT', key, unixSeconds], condition), toBoolean);
  }
  pexpireat(key: RespArg, unixMs: number, condition?: ExpireCondition): Out<M, boolean, this> {
    return this._r(withCondition(['PEXPIREAT', key, unixMs], condition), toBoolean);
  }
  /** Seconds to live; -1 without expiry, -2 when the key does not exist. */
  ttl(key: RespArg): Out<M, number, this> {
    return this._r(['TTL', key]);
  }
  pttl(key: RespArg): Out<M, number, this> {
    return this._r(['PTTL', key]);
  }
  expiretime(key: RespArg): Out<M, number, this> {
    return this._r(['EXPIRETIME', key]);
  }
  pexpiretime(key: RespArg): Out<M, number, this> {
    return this._r(['PEXPIRETIME', key]);
  }
  persist(key: RespArg): Out<M, boolean, this> {
    return this._r(['PERSIST', key], toBoolean);
  }

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
    return this._r(['HMGET', key, ...fields]);
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
}
